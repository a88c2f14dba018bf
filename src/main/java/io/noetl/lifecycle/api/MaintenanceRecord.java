package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the last maintenance pass did. Name lists are capped; the counts are exact. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MaintenanceRecord {
    @JsonPropertyDescription("When the pass started (RFC 3339).")
    private String startedAt;
    @JsonPropertyDescription("When the pass finished (RFC 3339).")
    private String finishedAt;
    @JsonPropertyDescription("Partitions created, including the default partition and those that took rows from it (at most 16 names listed).")
    private List<String> created = new ArrayList<>();
    @JsonPropertyDescription("Partitions dropped (at most 16 names listed).")
    private List<String> dropped = new ArrayList<>();
    @JsonPropertyDescription("Partitions detached into the archive schema (at most 16 names listed).")
    private List<String> detached = new ArrayList<>();
    @JsonPropertyDescription("Raw partitions rolled up into the tiers of `spec.rollups` in the pass (at most 16 names listed; absent without rollups).")
    private List<String> rolledUp;
    @JsonPropertyDescription("Rows moved out of the default partition into the partitions created for them.")
    private Long rowsMoved;
    @JsonPropertyDescription("Number of actions that succeeded in the pass.")
    private Integer succeeded;
    @JsonPropertyDescription("The error that stopped the pass, if any (no credentials, no stack trace).")
    private String error;

    public String getStartedAt() {
        return startedAt;
    }

    public void setStartedAt(String startedAt) {
        this.startedAt = startedAt;
    }

    public String getFinishedAt() {
        return finishedAt;
    }

    public void setFinishedAt(String finishedAt) {
        this.finishedAt = finishedAt;
    }

    public List<String> getCreated() {
        return created;
    }

    public void setCreated(List<String> created) {
        this.created = created;
    }

    public List<String> getDropped() {
        return dropped;
    }

    public void setDropped(List<String> dropped) {
        this.dropped = dropped;
    }

    public List<String> getDetached() {
        return detached;
    }

    public void setDetached(List<String> detached) {
        this.detached = detached;
    }

    public Long getRowsMoved() {
        return rowsMoved;
    }

    public void setRowsMoved(Long rowsMoved) {
        this.rowsMoved = rowsMoved;
    }

    public Integer getSucceeded() {
        return succeeded;
    }

    public void setSucceeded(Integer succeeded) {
        this.succeeded = succeeded;
    }

    public String getError() {
        return error;
    }

    public void setError(String error) {
        this.error = error;
    }

    public List<String> getRolledUp() {
        return rolledUp;
    }

    public void setRolledUp(List<String> rolledUp) {
        this.rolledUp = rolledUp;
    }
}
