package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What one rollup tier holds, as status shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollupTierStatus {
    @JsonPropertyDescription("The tier's bucket width, as in the spec.")
    private String resolution;
    @JsonPropertyDescription("How long the tier's buckets are kept, as in the spec.")
    private String retention;
    @JsonPropertyDescription("The tier table, `schema.table`.")
    private String table;
    @JsonPropertyDescription("Partitions of the tier table.")
    private Integer partitions;
    @JsonPropertyDescription("Buckets in the tier table, as PostgreSQL estimates them (reltuples).")
    private Long rows;
    @JsonPropertyDescription("Size in bytes of the tier table's partitions, indexes included.")
    private Long bytes;
    @JsonPropertyDescription("`bytes` for humans.")
    private String size;
    @JsonPropertyDescription("The newest raw partition rolled into this tier (the ledger's).")
    private String watermarkPartition;
    @JsonPropertyDescription("Upper bound of `watermarkPartition` (RFC 3339): raw rows inserted before it are in this tier.")
    private String watermark;
    @JsonPropertyDescription("How long the oldest closed raw partition not yet rolled into this tier has waited since it closed (its upper bound plus `spec.rollupGrace`), in seconds; 0 when none waits.")
    private Long lagSeconds;
    @JsonPropertyDescription("Raw partitions rolled into this tier (ledger rows).")
    private Long rolledUpPartitions;
    @JsonPropertyDescription("Storage ratio: the bytes the raw partitions rolled into this tier held when rolled up, divided by the tier table's bytes (as text, for example `84.2`). Absent while the tier is empty.")
    private String storageRatio;
    @JsonPropertyDescription("Rows of the raw partitions rolled into this tier that were left out of it because their `labels` nest deeper than 32 levels (such labels have no series fingerprint); the ledger's `rows_refused`. Their partitions are rolled up and retired as usual.")
    private Long rowsRefused;

    public String getResolution() {
        return resolution;
    }

    public void setResolution(String resolution) {
        this.resolution = resolution;
    }

    public String getRetention() {
        return retention;
    }

    public void setRetention(String retention) {
        this.retention = retention;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public Integer getPartitions() {
        return partitions;
    }

    public void setPartitions(Integer partitions) {
        this.partitions = partitions;
    }

    public Long getRows() {
        return rows;
    }

    public void setRows(Long rows) {
        this.rows = rows;
    }

    public Long getBytes() {
        return bytes;
    }

    public void setBytes(Long bytes) {
        this.bytes = bytes;
    }

    public String getSize() {
        return size;
    }

    public void setSize(String size) {
        this.size = size;
    }

    public String getWatermarkPartition() {
        return watermarkPartition;
    }

    public void setWatermarkPartition(String watermarkPartition) {
        this.watermarkPartition = watermarkPartition;
    }

    public String getWatermark() {
        return watermark;
    }

    public void setWatermark(String watermark) {
        this.watermark = watermark;
    }

    public Long getLagSeconds() {
        return lagSeconds;
    }

    public void setLagSeconds(Long lagSeconds) {
        this.lagSeconds = lagSeconds;
    }

    public Long getRolledUpPartitions() {
        return rolledUpPartitions;
    }

    public void setRolledUpPartitions(Long rolledUpPartitions) {
        this.rolledUpPartitions = rolledUpPartitions;
    }

    public String getStorageRatio() {
        return storageRatio;
    }

    public void setStorageRatio(String storageRatio) {
        this.storageRatio = storageRatio;
    }

    public Long getRowsRefused() {
        return rowsRefused;
    }

    public void setRowsRefused(Long rowsRefused) {
        this.rowsRefused = rowsRefused;
    }
}
