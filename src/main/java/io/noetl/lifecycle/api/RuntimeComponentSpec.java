package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.LinkedHashMap;
import java.util.Map;

@ValidationRule(value = "self.componentType == oldSelf.componentType && (has(self.name) ? self.name : '') == (has(oldSelf.name) ? oldSelf.name : '')",
        message = "componentType and name are the registry key and cannot change; create another RuntimeComponent instead")
public class RuntimeComponentSpec extends LifecycleSpec {
    /** Registry names: letters, digits, '.', '_' and '-', starting and ending with a letter or digit. */
    public static final String NAME_PATTERN = "^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$";
    /** An http or https URL with a host and no whitespace. */
    public static final String URL_PATTERN = "^https?://[^\\s/?#@]+([/?#][^\\s]*)?$";
    public static final int URL_MAX_LENGTH = 2048;

    @Pattern(NAME_PATTERN)
    @Size(max = 128)
    @JsonPropertyDescription("The component's name in the registry; default `metadata.name`. Letters, digits, `.`, `_`, `-`, "
            + "starting and ending with a letter or digit; at most 128 characters. With `componentType` it is the registry "
            + "key, so it cannot change once set (create another RuntimeComponent instead). Two RuntimeComponents "
            + "declaring the same key in one database: the one created first (then the smaller uid) registers, the "
            + "other reports `ConflictingComponent` and writes nothing.")
    private String name;

    @Required
    @SchemaFrom(type = ComponentType.class)
    @JsonPropertyDescription("`worker_pool`, `server_api` or `broker`, stored in the registry's type column "
            + "(`component_type`, or `kind` in other NoETL versions). With `name`, the registry key; it cannot change.")
    private String componentType;

    @Pattern(URL_PATTERN)
    @Size(max = URL_MAX_LENGTH)
    @JsonPropertyDescription("The component's API endpoint, an http or https URL with a host (no user info), stored in "
            + "`base_url` (or `uri`). Written while the component has not written its row itself; after that the "
            + "value it registers stands unless `precedence` is `Declaration` (NoETL's workers register "
            + "`k8s://<namespace>/<pod>`, which no declaration can match: leave this unset for them).")
    private String baseUrl;

    @JsonPropertyDescription("Labels stored in the registry row's `labels` as a JSON object of strings. Like `baseUrl`, "
            + "the component's own registration stands once it has written its row, unless `precedence` is "
            + "`Declaration`.")
    private Map<String, String> labels = new LinkedHashMap<>();

    @PreserveUnknownFields
    @JsonPropertyDescription("What the component can do; free-form JSON stored as is in `capabilities`. NoETL's own "
            + "registration never writes this column, so the declaration keeps it whatever `precedence` says.")
    private JsonNode capabilities;

    @Min(0)
    @JsonPropertyDescription("Maximum concurrent jobs, stored in `capacity`; 0 or more. Like `baseUrl`, the component's "
            + "own registration stands once it has written its row, unless `precedence` is `Declaration`.")
    private Integer capacity;

    @PreserveUnknownFields
    @JsonPropertyDescription("Runtime information, free-form JSON stored in `runtime` (for example `{type: python, "
            + "version: 3.12}`). Like `baseUrl`, the component's own registration stands once it has written its row, "
            + "unless `precedence` is `Declaration`. A `type` of `server_control` is refused (`LeaseRow`): NoETL's "
            + "servers keep their control leases in rows of that type.")
    private JsonNode runtime;

    @Default("Component")
    @JsonPropertyDescription("Whose values stand in `base_url`/`uri`, `labels`, `capacity` and `runtime` once the "
            + "component has written its row itself (registered, heartbeated or deregistered: `status.phase` is no "
            + "longer `Registered`) and they differ from the declared ones. `Component` (default): the component's, "
            + "as NoETL's workers and servers register them; the operator never writes these columns again, and shows "
            + "the difference in `status.drift`, as `Degraded=True` reason `DeclarationDiffers` and in one Event per "
            + "change. `Declaration`: the declared fields (those the spec sets) are written back over the component's "
            + "values, once each time the component changes them, with an Event `DeclarationRestored`. Before the "
            + "component has written its row, the declaration fills every declared column either way.")
    private Precedence precedence = Precedence.Component;

    @Default("60s")
    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("A heartbeat older than this makes the component `Stale`. Default `60s`. The operator "
            + "re-reads the row at least every half of this (and as the timeout passes), within the precision of its "
            + "scheduler tick (`lifecycle.maintenance.tick`).")
    private String heartbeatTimeout = "60s";

    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("Optional, at least `heartbeatTimeout`: when the heartbeat is older than this, the operator "
            + "sets the row's status to `offline` (the only time it writes the component's own status besides "
            + "`deletionPolicy: MarkOffline`). The next heartbeat that sets another status brings it back.")
    private String markOfflineAfter;

    @Default("MarkOffline")
    @JsonPropertyDescription("What deleting this resource does to the registry row: `MarkOffline` (default) sets its "
            + "status to `offline` and keeps it, `Retain` leaves it as it is, `Delete` removes it only if this resource "
            + "inserted it and no metric row references it (else it is marked offline, and an Event says how many "
            + "metric rows reference it), `DeleteWithMetrics` removes a row this resource inserted and, through NoETL's "
            + "`ON DELETE CASCADE`, every metric row that references it. A row this resource found and adopted is never "
            + "removed; only the row with the id in `status.runtimeId` is ever touched. A finalizer holds the resource "
            + "until this is done; if the database cannot be reached it retries with growing backoff. The annotation "
            + "`lifecycle.noetl.io/skip-cleanup: \"true\"` releases the finalizer at once without touching the row. "
            + "A suspended or dry-run resource, or one that reports `ConflictingComponent`, leaves the row alone.")
    private DeletionPolicy deletionPolicy = DeletionPolicy.MarkOffline;

    @Default("Never")
    @JsonPropertyDescription("`IfMissing` creates the `noetl.runtime` registry as NoETL's own schema does (`kind`, "
            + "`uri`, `heartbeat`, unique on `(kind, name)`) when it is absent; `Never` (default) reports `TableMissing`.")
    private Bootstrap bootstrap = Bootstrap.Never;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    /** The type as written; {@link ComponentType#fromValue(String)} checks it. */
    public String getComponentType() {
        return componentType;
    }

    public void setComponentType(String componentType) {
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

    public Precedence getPrecedence() {
        return precedence;
    }

    public void setPrecedence(Precedence precedence) {
        this.precedence = precedence;
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
