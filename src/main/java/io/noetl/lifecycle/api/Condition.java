package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A Kubernetes-style condition, the shape `kubectl wait --for=condition=Ready` and Argo CD read. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
    @JsonPropertyDescription("Condition type: `Ready` (always present), `Degraded` (present and True when something needs a human), or `Waiting` (only while a pass waits its turn for a connection of its database server).")
    private String type;
    @JsonPropertyDescription("`True`, `False` or `Unknown`.")
    private ConditionStatus status;
    @JsonPropertyDescription("A stable CamelCase reason, listed in docs/operations.md.")
    private String reason;
    @JsonPropertyDescription("A human-readable explanation. Never holds a password, a connection string or a stack trace.")
    private String message;
    @JsonPropertyDescription("When `status` last changed (RFC 3339).")
    private String lastTransitionTime;
    @JsonPropertyDescription("The `metadata.generation` this condition was computed for.")
    private Long observedGeneration;

    public Condition() {
    }

    public Condition(String type, ConditionStatus status, String reason, String message, String lastTransitionTime,
            Long observedGeneration) {
        this.type = type;
        this.status = status;
        this.reason = reason;
        this.message = message;
        this.lastTransitionTime = lastTransitionTime;
        this.observedGeneration = observedGeneration;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public ConditionStatus getStatus() {
        return status;
    }

    public void setStatus(ConditionStatus status) {
        this.status = status;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getLastTransitionTime() {
        return lastTransitionTime;
    }

    public void setLastTransitionTime(String lastTransitionTime) {
        this.lastTransitionTime = lastTransitionTime;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    @Override
    public String toString() {
        return type + "=" + status + " (" + reason + "): " + message;
    }
}
