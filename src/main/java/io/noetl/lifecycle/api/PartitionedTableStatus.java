package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * What a partition-keeping resource reports. Every list is capped (see {@link #LIST_CAP}) and paired with an
 * exact count, so the object's size does not grow with the number of partitions.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class PartitionedTableStatus extends LifecycleStatus {
    /** The most entries any status list holds. */
    public static final int LIST_CAP = 20;

    @JsonPropertyDescription("Number of partitions attached to the table, the default partition included.")
    private Integer partitionCount;
    @JsonPropertyDescription("Total size in bytes of all partitions, indexes and TOAST included (pg_total_relation_size).")
    private Long totalBytes;
    @JsonPropertyDescription("`totalBytes` for humans (for example `12 MB`).")
    private String totalSize;
    @JsonPropertyDescription("The partition with the lowest lower bound.")
    private PartitionRef oldest;
    @JsonPropertyDescription("The partition with the highest upper bound.")
    private PartitionRef newest;
    @JsonPropertyDescription("End of the contiguous run of partitions that covers now: rows up to this point land in a partition of their own, not in the default partition. A time for time keys; for id keys the id followed by the time it stands for, as in `660995466854400000 (2026-07-01T00:00:00Z)`.")
    private String coveredUntil;
    @JsonPropertyDescription("Ranges between the oldest and the newest partition that no partition covers (at most 20 listed).")
    private List<RangeRef> gaps = new ArrayList<>();
    @JsonPropertyDescription("Exact number of gaps.")
    private Integer gapCount;
    @JsonPropertyDescription("Rows in the default partition (0 when there is none). Rows there fell outside every partition's range.")
    private Long defaultPartitionRows;
    @JsonPropertyDescription("Partitions the operator does not manage because they are protected, unbounded or not on its grid (see `reason`); they are never touched (at most 20 listed).")
    private List<PartitionRef> unmanaged = new ArrayList<>();
    @JsonPropertyDescription("Exact number of unmanaged partitions.")
    private Integer unmanagedCount;
    @JsonPropertyDescription("The last maintenance pass that changed or tried to change the database.")
    private MaintenanceRecord lastMaintenance;
    @JsonPropertyDescription("When maintenance runs next on its own (RFC 3339).")
    private String nextMaintenanceAt;
    @JsonPropertyDescription("The actions the next maintenance pass would take (set with `dryRun` or `suspend`; at most 20 listed).")
    private List<PlannedActionRef> plannedActions = new ArrayList<>();
    @JsonPropertyDescription("Exact number of planned actions.")
    private Integer plannedActionCount;
    @JsonPropertyDescription("The retention in force, and a shortened `spec.retention` waiting `spec.retentionChangeGrace`.")
    private RetentionRef retention;
    @JsonPropertyDescription("Partitions past retention that are kept for now, oldest first, with what holds them and when they go (at most 20 listed).")
    private List<PendingRetirementRef> pendingRetirements = new ArrayList<>();
    @JsonPropertyDescription("Exact number of pending retirements.")
    private Integer pendingRetirementCount;

    public Integer getPartitionCount() {
        return partitionCount;
    }

    public void setPartitionCount(Integer partitionCount) {
        this.partitionCount = partitionCount;
    }

    public Long getTotalBytes() {
        return totalBytes;
    }

    public void setTotalBytes(Long totalBytes) {
        this.totalBytes = totalBytes;
    }

    public String getTotalSize() {
        return totalSize;
    }

    public void setTotalSize(String totalSize) {
        this.totalSize = totalSize;
    }

    public PartitionRef getOldest() {
        return oldest;
    }

    public void setOldest(PartitionRef oldest) {
        this.oldest = oldest;
    }

    public PartitionRef getNewest() {
        return newest;
    }

    public void setNewest(PartitionRef newest) {
        this.newest = newest;
    }

    public String getCoveredUntil() {
        return coveredUntil;
    }

    public void setCoveredUntil(String coveredUntil) {
        this.coveredUntil = coveredUntil;
    }

    public List<RangeRef> getGaps() {
        return gaps;
    }

    public void setGaps(List<RangeRef> gaps) {
        this.gaps = gaps;
    }

    public Integer getGapCount() {
        return gapCount;
    }

    public void setGapCount(Integer gapCount) {
        this.gapCount = gapCount;
    }

    public Long getDefaultPartitionRows() {
        return defaultPartitionRows;
    }

    public void setDefaultPartitionRows(Long defaultPartitionRows) {
        this.defaultPartitionRows = defaultPartitionRows;
    }

    public List<PartitionRef> getUnmanaged() {
        return unmanaged;
    }

    public void setUnmanaged(List<PartitionRef> unmanaged) {
        this.unmanaged = unmanaged;
    }

    public Integer getUnmanagedCount() {
        return unmanagedCount;
    }

    public void setUnmanagedCount(Integer unmanagedCount) {
        this.unmanagedCount = unmanagedCount;
    }

    public MaintenanceRecord getLastMaintenance() {
        return lastMaintenance;
    }

    public void setLastMaintenance(MaintenanceRecord lastMaintenance) {
        this.lastMaintenance = lastMaintenance;
    }

    public String getNextMaintenanceAt() {
        return nextMaintenanceAt;
    }

    public void setNextMaintenanceAt(String nextMaintenanceAt) {
        this.nextMaintenanceAt = nextMaintenanceAt;
    }

    public List<PlannedActionRef> getPlannedActions() {
        return plannedActions;
    }

    public void setPlannedActions(List<PlannedActionRef> plannedActions) {
        this.plannedActions = plannedActions;
    }

    public Integer getPlannedActionCount() {
        return plannedActionCount;
    }

    public void setPlannedActionCount(Integer plannedActionCount) {
        this.plannedActionCount = plannedActionCount;
    }

    public RetentionRef getRetention() {
        return retention;
    }

    public void setRetention(RetentionRef retention) {
        this.retention = retention;
    }

    public List<PendingRetirementRef> getPendingRetirements() {
        return pendingRetirements;
    }

    public void setPendingRetirements(List<PendingRetirementRef> pendingRetirements) {
        this.pendingRetirements = pendingRetirements;
    }

    public Integer getPendingRetirementCount() {
        return pendingRetirementCount;
    }

    public void setPendingRetirementCount(Integer pendingRetirementCount) {
        this.pendingRetirementCount = pendingRetirementCount;
    }
}
