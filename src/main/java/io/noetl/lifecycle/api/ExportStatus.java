package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** {@code status.export}: what the ledger shows of the export to the receiver of {@code spec.export}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExportStatus {
    @JsonPropertyDescription("The receiver: `spec.export.url` as written (the ledger is kept per receiver).")
    private String target;
    @JsonPropertyDescription("How exports are confirmed: `Query` (counted through the receiver's query API) or `AckOnly` (acknowledged only, not counted).")
    private String verify;
    @JsonPropertyDescription("The newest raw partition exported and confirmed, with every closed partition before it.")
    private String watermarkPartition;
    @JsonPropertyDescription("The upper bound (RFC 3339) of `watermarkPartition`: raw rows inserted before it are at the receiver.")
    private String watermark;
    @JsonPropertyDescription("How long the oldest closed partition not yet confirmed has waited, in seconds (0 when none waits).")
    private Long lagSeconds;
    @JsonPropertyDescription("Samples of confirmed partitions, as the ledger counts them.")
    private Long samplesExported;
    @JsonPropertyDescription("Samples sent of partitions not yet confirmed (being exported, or waiting for their count).")
    private Long samplesInFlight;
    @JsonPropertyDescription("Rows the label mapping could not express, never sent (see `lastRefusal`).")
    private Long rowsRefused;
    @JsonPropertyDescription("Why the last refused row could not be sent.")
    private String lastRefusal;
    @JsonPropertyDescription("Raw partitions exported and confirmed.")
    private Integer partitionsExported;
    @JsonPropertyDescription("Closed raw partitions not yet exported or not yet confirmed.")
    private Integer partitionsPending;
    @JsonPropertyDescription("The last failure of an export or a confirmation, with the receiver's message; cleared by a pass without one.")
    private String lastError;

    public String getTarget() {
        return target;
    }

    public void setTarget(String target) {
        this.target = target;
    }

    public String getVerify() {
        return verify;
    }

    public void setVerify(String verify) {
        this.verify = verify;
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

    public Long getSamplesExported() {
        return samplesExported;
    }

    public void setSamplesExported(Long samplesExported) {
        this.samplesExported = samplesExported;
    }

    public Long getSamplesInFlight() {
        return samplesInFlight;
    }

    public void setSamplesInFlight(Long samplesInFlight) {
        this.samplesInFlight = samplesInFlight;
    }

    public Long getRowsRefused() {
        return rowsRefused;
    }

    public void setRowsRefused(Long rowsRefused) {
        this.rowsRefused = rowsRefused;
    }

    public String getLastRefusal() {
        return lastRefusal;
    }

    public void setLastRefusal(String lastRefusal) {
        this.lastRefusal = lastRefusal;
    }

    public Integer getPartitionsExported() {
        return partitionsExported;
    }

    public void setPartitionsExported(Integer partitionsExported) {
        this.partitionsExported = partitionsExported;
    }

    public Integer getPartitionsPending() {
        return partitionsPending;
    }

    public void setPartitionsPending(Integer partitionsPending) {
        this.partitionsPending = partitionsPending;
    }

    public String getLastError() {
        return lastError;
    }

    public void setLastError(String lastError) {
        this.lastError = lastError;
    }
}
