package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the pace of one kind of history work (the rollups, or the export) did in the last pass that did it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryWorkPace {
    @JsonPropertyDescription("When the last pass that did this work ended (RFC 3339).")
    private String observedAt;
    @JsonPropertyDescription("Steps the last pass took: rollup steps (slices of a raw partition, each its own transaction) or export batches.")
    private Long steps;
    @JsonPropertyDescription("Raw rows (rollups) or samples (export) the last pass's steps took.")
    private Long units;
    @JsonPropertyDescription("Rows or samples per second over the last pass's steps, held time included.")
    private Long unitsPerSecond;
    @JsonPropertyDescription("The fixed cap of `spec.historyPace` (`maxRollupRowsPerSecond` or `maxExportSamplesPerSecond`); absent without one.")
    private Long maxUnitsPerSecond;
    @JsonPropertyDescription("How long the last pass's steps were held back, in seconds, for either reason (0 when never).")
    private Double heldSeconds;
    @JsonPropertyDescription("Of `heldSeconds`, how long because the database was busy (`ActiveBackends`).")
    private Double heldForLoadSeconds;
    @JsonPropertyDescription("Why the last hold happened: `ActiveBackends` (more of the database's other backends active than `maxActiveBackends`) or `RateCap` (the fixed cap). Absent when no step was ever held.")
    private String reason;
    @JsonPropertyDescription("When the last hold ended (RFC 3339); kept from an earlier pass when the last one was not held.")
    private String lastHeldAt;
    @JsonPropertyDescription("The signal's last reading: the database's other backends active (`pg_stat_activity`, not the operator's own).")
    private Long activeBackends;
    @JsonPropertyDescription("The limit the signal is held to, `spec.historyPace.maxActiveBackends`: above it the database is busy.")
    private Integer activeBackendsLimit;
    @JsonPropertyDescription("Steps that went after waiting `maxHoldPerStep` for a database still busy: history slowed but not stopped.")
    private Long forcedSteps;
    @JsonPropertyDescription("Backends whose state the operator's role may not see (without `pg_read_all_stats`): they are not counted. Absent when 0.")
    private Long hiddenBackends;
    @JsonPropertyDescription("Why the signal could not be read, if it could not (the work then goes on without yielding to load).")
    private String signalError;
    @JsonPropertyDescription("Rollups only: the server's WAL written during the last pass's steps, in bytes (other sessions' of the same moments included).")
    private Long walBytes;
    @JsonPropertyDescription("Rollups only: the most WAL written during one step, in bytes.")
    private Long maxStepWalBytes;

    public String getObservedAt() {
        return observedAt;
    }

    public void setObservedAt(String observedAt) {
        this.observedAt = observedAt;
    }

    public Long getSteps() {
        return steps;
    }

    public void setSteps(Long steps) {
        this.steps = steps;
    }

    public Long getUnits() {
        return units;
    }

    public void setUnits(Long units) {
        this.units = units;
    }

    public Long getUnitsPerSecond() {
        return unitsPerSecond;
    }

    public void setUnitsPerSecond(Long unitsPerSecond) {
        this.unitsPerSecond = unitsPerSecond;
    }

    public Long getMaxUnitsPerSecond() {
        return maxUnitsPerSecond;
    }

    public void setMaxUnitsPerSecond(Long maxUnitsPerSecond) {
        this.maxUnitsPerSecond = maxUnitsPerSecond;
    }

    public Double getHeldSeconds() {
        return heldSeconds;
    }

    public void setHeldSeconds(Double heldSeconds) {
        this.heldSeconds = heldSeconds;
    }

    public Double getHeldForLoadSeconds() {
        return heldForLoadSeconds;
    }

    public void setHeldForLoadSeconds(Double heldForLoadSeconds) {
        this.heldForLoadSeconds = heldForLoadSeconds;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getLastHeldAt() {
        return lastHeldAt;
    }

    public void setLastHeldAt(String lastHeldAt) {
        this.lastHeldAt = lastHeldAt;
    }

    public Long getActiveBackends() {
        return activeBackends;
    }

    public void setActiveBackends(Long activeBackends) {
        this.activeBackends = activeBackends;
    }

    public Integer getActiveBackendsLimit() {
        return activeBackendsLimit;
    }

    public void setActiveBackendsLimit(Integer activeBackendsLimit) {
        this.activeBackendsLimit = activeBackendsLimit;
    }

    public Long getForcedSteps() {
        return forcedSteps;
    }

    public void setForcedSteps(Long forcedSteps) {
        this.forcedSteps = forcedSteps;
    }

    public Long getHiddenBackends() {
        return hiddenBackends;
    }

    public void setHiddenBackends(Long hiddenBackends) {
        this.hiddenBackends = hiddenBackends;
    }

    public String getSignalError() {
        return signalError;
    }

    public void setSignalError(String signalError) {
        this.signalError = signalError;
    }

    public Long getWalBytes() {
        return walBytes;
    }

    public void setWalBytes(Long walBytes) {
        this.walBytes = walBytes;
    }

    public Long getMaxStepWalBytes() {
        return maxStepWalBytes;
    }

    public void setMaxStepWalBytes(Long maxStepWalBytes) {
        this.maxStepWalBytes = maxStepWalBytes;
    }
}
