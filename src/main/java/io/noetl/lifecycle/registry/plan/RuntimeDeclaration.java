package io.noetl.lifecycle.registry.plan;

import io.noetl.lifecycle.api.ComponentType;
import io.noetl.lifecycle.api.Precedence;

/**
 * What a RuntimeComponent declares for its registry row: the key {@code (type, name)}, the declared columns, JSON
 * values already rendered as text, and whose values stand once the component has written the row itself. A null
 * value is a field the spec does not set: it writes SQL NULL into a row the component has not written, and nothing
 * into one it has.
 */
public record RuntimeDeclaration(ComponentType type, String name, String baseUrl, String labelsJson,
        String capabilitiesJson, Integer capacity, String runtimeJson, Precedence precedence) {

    /** A declaration under the default precedence: the component's own values stand. */
    public RuntimeDeclaration(ComponentType type, String name, String baseUrl, String labelsJson,
            String capabilitiesJson, Integer capacity, String runtimeJson) {
        this(type, name, baseUrl, labelsJson, capabilitiesJson, capacity, runtimeJson, Precedence.Component);
    }

    public RuntimeDeclaration {
        precedence = precedence == null ? Precedence.Component : precedence;
    }

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

    /**
     * Whether this declaration writes {@code role}'s column over a row the component has written itself (when the
     * spec sets it): always for a column the component never reports ({@code capabilities}), and for the others
     * only with {@link Precedence#Declaration}.
     */
    public boolean overwrites(RegistryMapping.Role role) {
        return !role.reportedByComponent() || precedence == Precedence.Declaration;
    }

    /** {@code type/name}, as messages and the claim index show the key. */
    public String key() {
        return type.value() + "/" + name;
    }
}
