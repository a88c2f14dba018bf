package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One action of a maintenance plan, as published in status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlannedActionRef {
    @JsonPropertyDescription("`CreatePartition`, `DropPartition`, `DetachPartition` or `MoveDefaultRows`.")
    private String action;
    @JsonPropertyDescription("The partition the action concerns.")
    private String partition;
    @JsonPropertyDescription("Lower bound of the partition, inclusive.")
    private String from;
    @JsonPropertyDescription("Upper bound of the partition, exclusive.")
    private String to;
    @JsonPropertyDescription("Why the action is in the plan.")
    private String reason;

    public PlannedActionRef() {
    }

    public PlannedActionRef(String action, String partition, String from, String to, String reason) {
        this.action = action;
        this.partition = partition;
        this.from = from;
        this.to = to;
        this.reason = reason;
    }

    public String getAction() {
        return action;
    }

    public void setAction(String action) {
        this.action = action;
    }

    public String getPartition() {
        return partition;
    }

    public void setPartition(String partition) {
        this.partition = partition;
    }

    public String getFrom() {
        return from;
    }

    public void setFrom(String from) {
        this.from = from;
    }

    public String getTo() {
        return to;
    }

    public void setTo(String to) {
        this.to = to;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }
}
