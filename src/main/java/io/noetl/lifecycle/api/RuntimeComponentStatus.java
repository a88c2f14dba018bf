package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RuntimeComponentStatus extends LifecycleStatus {
    @JsonPropertyDescription("The row's `runtime_id` (as a string: it is a 64-bit Snowflake-style id); never changes "
            + "once assigned.")
    private String runtimeId;
    @JsonPropertyDescription("Whether the registry row exists.")
    private Boolean registered;
    @JsonPropertyDescription("The component's last heartbeat as the row holds it (RFC 3339, whole seconds). To keep "
            + "status writes bounded it is rewritten when the phase changes, when the status is written for another "
            + "reason, and otherwise only once the row's heartbeat is at least `heartbeatTimeout` newer than the one "
            + "shown: a live component costs about one status write per `heartbeatTimeout` whatever its heartbeat "
            + "rate. The phase itself is re-evaluated at least every `heartbeatTimeout / 2`.")
    private String lastHeartbeat;
    @JsonPropertyDescription("Age of `lastHeartbeat` at the time this status was written, for example `12s`. It is "
            + "never a reason to write status by itself (it would change on every look); it is refreshed whenever "
            + "the status is written for another reason.")
    private String heartbeatAge;
    @JsonPropertyDescription("`Registered` (the row exists, no heartbeat yet), `Live` (heartbeat within "
            + "`heartbeatTimeout`), `Stale` (heartbeat older than `heartbeatTimeout`) or `Offline` (the row's status "
            + "is `offline`: set by the component, by `markOfflineAfter` or by a `MarkOffline` deletion).")
    private ComponentPhase phase;
    @JsonPropertyDescription("The registry key (`componentType/name`) this resource registered its row under. The key "
            + "cannot change: a spec that names another key is reported as `InvalidSpec` and nothing is written until "
            + "it is restored (on Kubernetes 1.25+ the API server refuses such a change first).")
    private String registryKey;
    @JsonPropertyDescription("Whether this resource inserted the registry row (true) or found it there and adopted it "
            + "(false). Only a row it inserted is ever removed by `deletionPolicy: Delete` or `DeleteWithMetrics`.")
    private Boolean createdRow;
    @JsonPropertyDescription("With `deletionPolicy: Delete` or `DeleteWithMetrics`: how many rows of tables whose "
            + "foreign key references the registry (NoETL's `noetl.metric`) reference this row, counted each pass up "
            + "to 10,000 (shown as that when there are more). `Delete` keeps the row while any does.")
    private Long metricRows;
    @JsonPropertyDescription("The declared fields whose columns hold other values, the ones the component registered "
            + "itself (with `precedence: Component`, the default, those stand and are only shown here); absent when "
            + "there are none, or before the component has written its row.")
    private List<FieldDrift> drift;

    public List<FieldDrift> getDrift() {
        return drift;
    }

    public void setDrift(List<FieldDrift> drift) {
        this.drift = drift;
    }

    public Boolean getCreatedRow() {
        return createdRow;
    }

    public void setCreatedRow(Boolean createdRow) {
        this.createdRow = createdRow;
    }

    public Long getMetricRows() {
        return metricRows;
    }

    public void setMetricRows(Long metricRows) {
        this.metricRows = metricRows;
    }

    public String getRuntimeId() {
        return runtimeId;
    }

    public void setRuntimeId(String runtimeId) {
        this.runtimeId = runtimeId;
    }

    public Boolean getRegistered() {
        return registered;
    }

    public void setRegistered(Boolean registered) {
        this.registered = registered;
    }

    public String getLastHeartbeat() {
        return lastHeartbeat;
    }

    public void setLastHeartbeat(String lastHeartbeat) {
        this.lastHeartbeat = lastHeartbeat;
    }

    public String getHeartbeatAge() {
        return heartbeatAge;
    }

    public void setHeartbeatAge(String heartbeatAge) {
        this.heartbeatAge = heartbeatAge;
    }

    public ComponentPhase getPhase() {
        return phase;
    }

    public void setPhase(ComponentPhase phase) {
        this.phase = phase;
    }

    public String getRegistryKey() {
        return registryKey;
    }

    public void setRegistryKey(String registryKey) {
        this.registryKey = registryKey;
    }
}
