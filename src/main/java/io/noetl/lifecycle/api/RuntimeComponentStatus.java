package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RuntimeComponentStatus extends LifecycleStatus {
    @JsonPropertyDescription("The row's `runtime_id`; never changes once assigned.")
    private String runtimeId;
    @JsonPropertyDescription("Whether the registry row exists.")
    private Boolean registered;
    @JsonPropertyDescription("The component's last heartbeat as the row holds it (RFC 3339).")
    private String lastHeartbeat;
    @JsonPropertyDescription("Age of the last heartbeat when the status was written, for example `12s`.")
    private String heartbeatAge;
    @JsonPropertyDescription("`Registered` (no heartbeat yet), `Live`, `Stale` (heartbeat older than heartbeatTimeout) or `Offline` (the row says so).")
    private ComponentPhase phase;

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
}
