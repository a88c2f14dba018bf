package io.noetl.lifecycle.registry.plan;

import io.noetl.lifecycle.api.ComponentType;

/**
 * What a RuntimeComponent declares for its registry row: the key {@code (type, name)} and the declared columns,
 * JSON values already rendered as text. A null value writes SQL NULL.
 */
public record RuntimeDeclaration(ComponentType type, String name, String baseUrl, String labelsJson,
        String capabilitiesJson, Integer capacity, String runtimeJson) {

    /** The value of a declared column; null for roles that are not declared. */
    public Object value(RegistryMapping.Role role) {
        return switch (role) {
            case URL -> baseUrl;
            case LABELS -> labelsJson;
            case CAPABILITIES -> capabilitiesJson;
            case CAPACITY -> capacity;
            case RUNTIME -> runtimeJson;
            default -> null;
        };
    }

    /** {@code type/name}, as messages and the claim index show the key. */
    public String key() {
        return type.value() + "/" + name;
    }
}
