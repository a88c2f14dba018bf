package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.LinkedHashMap;
import java.util.Map;

public class RuntimeComponentSpec extends LifecycleSpec {
    @Pattern("^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$")
    @JsonPropertyDescription("The component's name in the registry; default `metadata.name`. Letters, digits, `.`, `_`, `-`; at most 128 characters.")
    private String name;

    @Required
    @JsonPropertyDescription("`worker_pool`, `server_api` or `broker`. With `name`, the registry key.")
    private ComponentType componentType;

    @Pattern("^https?://[^\\s/?#]+([/?#][^\\s]*)?$")
    @JsonPropertyDescription("The component's API endpoint, an http or https URL.")
    private String baseUrl;

    @JsonPropertyDescription("Labels stored in the registry row (JSON object of strings).")
    private Map<String, String> labels = new LinkedHashMap<>();

    @PreserveUnknownFields
    @JsonPropertyDescription("What the component can do; free-form JSON stored as is.")
    private JsonNode capabilities;

    @Min(0)
    @JsonPropertyDescription("Maximum concurrent jobs; 0 or more.")
    private Integer capacity;

    @PreserveUnknownFields
    @JsonPropertyDescription("Runtime information, free-form JSON (for example `{type: python, version: 3.12}`).")
    private JsonNode runtime;

    @Default("60s")
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("A heartbeat older than this makes the component `Stale`. Default `60s`.")
    private String heartbeatTimeout = "60s";

    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("Optional: when the heartbeat is older than this, the operator sets the row's status to `offline`.")
    private String markOfflineAfter;

    @Default("MarkOffline")
    @JsonPropertyDescription("What deleting this resource does to the registry row: `MarkOffline` (default) sets its status to offline, `Retain` leaves it, `Delete` removes it and, through the table's ON DELETE CASCADE, every metric that references it.")
    private DeletionPolicy deletionPolicy = DeletionPolicy.MarkOffline;

    @Default("Never")
    @JsonPropertyDescription("`IfMissing` creates the `noetl.runtime` registry as NoETL's schema describes when it is absent; `Never` (default) reports `TableMissing`.")
    private Bootstrap bootstrap = Bootstrap.Never;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public ComponentType getComponentType() {
        return componentType;
    }

    public void setComponentType(ComponentType componentType) {
        this.componentType = componentType;
    }

    public String getBaseUrl() {
        return baseUrl;
    }

    public void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public Map<String, String> getLabels() {
        return labels;
    }

    public void setLabels(Map<String, String> labels) {
        this.labels = labels;
    }

    public JsonNode getCapabilities() {
        return capabilities;
    }

    public void setCapabilities(JsonNode capabilities) {
        this.capabilities = capabilities;
    }

    public Integer getCapacity() {
        return capacity;
    }

    public void setCapacity(Integer capacity) {
        this.capacity = capacity;
    }

    public JsonNode getRuntime() {
        return runtime;
    }

    public void setRuntime(JsonNode runtime) {
        this.runtime = runtime;
    }

    public String getHeartbeatTimeout() {
        return heartbeatTimeout;
    }

    public void setHeartbeatTimeout(String heartbeatTimeout) {
        this.heartbeatTimeout = heartbeatTimeout;
    }

    public String getMarkOfflineAfter() {
        return markOfflineAfter;
    }

    public void setMarkOfflineAfter(String markOfflineAfter) {
        this.markOfflineAfter = markOfflineAfter;
    }

    public DeletionPolicy getDeletionPolicy() {
        return deletionPolicy;
    }

    public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
        this.deletionPolicy = deletionPolicy;
    }

    public Bootstrap getBootstrap() {
        return bootstrap;
    }

    public void setBootstrap(Bootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }
}
