package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * {@code spec.historyPace}: how fast the rollups and the export may go beside the database's other work. Only what
 * the user writes is stored: no field has a default in the schema or here; the operator derives its own
 * (HistoryPaceSettings).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryPace {
    @Min(1)
    @Max(100000000)
    @JsonPropertyDescription("A fixed budget for the rollups: at most this many raw rows rolled up per second, on average over the steps of a pass (a step holds at most one second's worth). Left out: no cap.")
    private Integer maxRollupRowsPerSecond;

    @Min(1)
    @Max(100000000)
    @JsonPropertyDescription("A fixed budget for the export: at most this many samples sent per second, on average over the batches of a pass (a batch holds at most one second's worth, and at least 100 samples). Left out: no cap.")
    private Integer maxExportSamplesPerSecond;

    @Min(0)
    @Max(10000)
    @JsonPropertyDescription("The database counts as busy while more than this many of its other backends are active (`pg_stat_activity`: client backends of the same database in state `active`, not the operator's own): the rollups and the export then hold their next step, re-reading every 200 ms, for at most `maxHoldPerStep`. Default 2 (see docs/operations.md, \"History work yields to writers\").")
    private Integer maxActiveBackends;

    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION_OR_ZERO)
    @JsonPropertyDescription("The longest one step of the rollups or the export waits for a busy database before it goes anyway, so that history never stalls for good. `0s` turns the hold off (only the caps apply). Units s, m, h, d, w. Default `2s`.")
    private String maxHoldPerStep;

    @Min(1000)
    @Max(10000000)
    @JsonPropertyDescription("About how many raw rows one step of a rollup reads and merges into the tiers, committed on its own (a step covers whole buckets of the coarsest tier, so one bucket's rows are never split). Default 100000, a few MB of WAL, far below a checkpoint's `max_wal_size`.")
    private Integer rollupStepRows;

    public Integer getMaxRollupRowsPerSecond() {
        return maxRollupRowsPerSecond;
    }

    public void setMaxRollupRowsPerSecond(Integer maxRollupRowsPerSecond) {
        this.maxRollupRowsPerSecond = maxRollupRowsPerSecond;
    }

    public Integer getMaxExportSamplesPerSecond() {
        return maxExportSamplesPerSecond;
    }

    public void setMaxExportSamplesPerSecond(Integer maxExportSamplesPerSecond) {
        this.maxExportSamplesPerSecond = maxExportSamplesPerSecond;
    }

    public Integer getMaxActiveBackends() {
        return maxActiveBackends;
    }

    public void setMaxActiveBackends(Integer maxActiveBackends) {
        this.maxActiveBackends = maxActiveBackends;
    }

    public String getMaxHoldPerStep() {
        return maxHoldPerStep;
    }

    public void setMaxHoldPerStep(String maxHoldPerStep) {
        this.maxHoldPerStep = maxHoldPerStep;
    }

    public Integer getRollupStepRows() {
        return rollupStepRows;
    }

    public void setRollupStepRows(Integer rollupStepRows) {
        this.rollupStepRows = rollupStepRows;
    }
}
