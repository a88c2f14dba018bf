package io.noetl.lifecycle.registry.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.ComponentType;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.Precedence;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.SpecRules;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A RuntimeComponent's spec, checked and parsed. Repeats the CRD schema's checks for clusters (and the mock
 * server) that skip schema validation.
 */
public record RuntimeComponentSettings(RuntimeDeclaration declaration, Duration heartbeatTimeout,
        Duration markOfflineAfter, DeletionPolicy deletionPolicy, Bootstrap bootstrap) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /**
     * @param metadataName the resource's name, the registry name when {@code spec.name} is unset
     */
    public static RuntimeComponentSettings from(RuntimeComponentSpec spec, String metadataName)
            throws InvalidSpecException {
        if (spec == null) {
            throw new InvalidSpecException("componentType", "is required");
        }
        ComponentType type = componentType(spec.getComponentType());
        String name = spec.getName() == null ? metadataName : spec.getName();
        if (name == null || !name.matches(RuntimeComponentSpec.NAME_PATTERN)) {
            throw new InvalidSpecException("name", (spec.getName() == null ? "metadata.name " : "")
                    + "'" + name + "' is not a registry name: letters, digits, '.', '_' and '-', starting and "
                    + "ending with a letter or digit, at most 128 characters");
        }
        String url = baseUrl(spec.getBaseUrl());
        Integer capacity = spec.getCapacity();
        if (capacity != null && capacity < 0) {
            throw new InvalidSpecException("capacity", capacity + " is negative; it must be 0 or more");
        }
        Duration timeout = SpecRules.duration("heartbeatTimeout", spec.getHeartbeatTimeout() == null ? "60s"
                : spec.getHeartbeatTimeout());
        Duration offlineAfter = null;
        if (spec.getMarkOfflineAfter() != null) {
            offlineAfter = SpecRules.duration("markOfflineAfter", spec.getMarkOfflineAfter());
            if (offlineAfter.compareTo(timeout) < 0) {
                throw new InvalidSpecException("markOfflineAfter", spec.getMarkOfflineAfter()
                        + " is shorter than heartbeatTimeout " + spec.getHeartbeatTimeout()
                        + "; a component goes Stale before the operator marks it offline");
            }
        }
        Map<String, String> labels = spec.getLabels() == null ? Map.of() : spec.getLabels();
        JsonNode runtime = spec.getRuntime();
        if (runtime != null && runtime.path("type").isTextual()
                && RegistryRow.LEASE_TYPE.equalsIgnoreCase(runtime.path("type").asText().strip())) {
            throw new LeaseSpecException("runtime.type", "'" + RegistryRow.LEASE_TYPE + "' marks the rows NoETL's "
                    + "servers keep their control leases in; the operator neither writes nor creates such a row. "
                    + "Declare the component's own runtime type (for example python)");
        }
        RuntimeDeclaration declaration = new RuntimeDeclaration(type, name, url,
                labels.isEmpty() ? null : json("labels", new TreeMap<>(labels)),
                json("capabilities", spec.getCapabilities()), capacity, json("runtime", runtime),
                spec.getPrecedence() == null ? Precedence.Component : spec.getPrecedence());
        return new RuntimeComponentSettings(declaration, timeout, offlineAfter,
                spec.getDeletionPolicy() == null ? DeletionPolicy.MarkOffline : spec.getDeletionPolicy(),
                spec.getBootstrap() == null ? Bootstrap.Never : spec.getBootstrap());
    }

    /**
     * The code twin of the CRD's CEL rule that componentType and name never change (servers older than 1.25 have no
     * CEL): once a row is registered under {@code registeredKey}, a spec naming another key is invalid.
     */
    public void keepsRegistryKey(String registeredKey) throws InvalidSpecException {
        String key = declaration.key();
        if (registeredKey != null && !registeredKey.equals(key)) {
            throw new InvalidSpecException("componentType", "componentType and name are the registry key and cannot "
                    + "change: this resource registered " + registeredKey + ", the spec now names " + key
                    + "; restore them, or create another RuntimeComponent instead");
        }
    }

    private static ComponentType componentType(String value) throws InvalidSpecException {
        if (value == null) {
            throw new InvalidSpecException("componentType", "is required: one of " + typeNames());
        }
        return ComponentType.fromValue(value).orElseThrow(() -> new InvalidSpecException("componentType",
                "'" + value + "' is not one of " + typeNames()));
    }

    private static String typeNames() {
        return Arrays.stream(ComponentType.values()).map(ComponentType::value).collect(Collectors.joining(", "));
    }

    private static String baseUrl(String url) throws InvalidSpecException {
        if (url == null) {
            return null;
        }
        if (url.length() > RuntimeComponentSpec.URL_MAX_LENGTH || !url.matches(RuntimeComponentSpec.URL_PATTERN)) {
            throw new InvalidSpecException("baseUrl", "'" + abbreviate(url) + "' is not an http or https URL with a "
                    + "host (and no user info), at most " + RuntimeComponentSpec.URL_MAX_LENGTH + " characters");
        }
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null) {
                throw new InvalidSpecException("baseUrl", "'" + abbreviate(url) + "' has no valid host name");
            }
        } catch (URISyntaxException e) {
            throw new InvalidSpecException("baseUrl", "'" + abbreviate(url) + "' is not a valid URL: " + e.getReason());
        }
        return url;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    private static String json(String field, Object value) throws InvalidSpecException {
        if (value == null || value instanceof JsonNode node && node.isNull()) {
            return null;
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(field, "cannot be written as JSON");
        }
    }
}
