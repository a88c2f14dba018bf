package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.api.HistoryPace;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.SpecRules;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * {@code spec.historyPace}, checked and parsed: the fixed caps of the rollups and the export, and when the database
 * counts as busy.
 *
 * @param maxRollupRowsPerSecond raw rows rolled up per second, at most; empty: no cap
 * @param maxExportSamplesPerSecond samples sent per second, at most; empty: no cap
 * @param maxActiveBackends busy while more than this many other backends of the database are active
 * @param maxHoldPerStep the longest a step waits for a busy database; zero: no hold for load
 * @param rollupStepRows about how many raw rows one rollup step takes
 */
public record HistoryPaceSettings(OptionalLong maxRollupRowsPerSecond, OptionalLong maxExportSamplesPerSecond,
        int maxActiveBackends, Duration maxHoldPerStep, int rollupStepRows) {
    /**
     * Two other active backends: on the 2-core servers NoETL runs on, two backends running take both cores, and a
     * step of history work then makes a writer wait for a core (docs/operations.md, "History work yields to writers").
     */
    public static final int DEFAULT_MAX_ACTIVE_BACKENDS = 2;
    public static final Duration DEFAULT_MAX_HOLD_PER_STEP = Duration.ofSeconds(2);
    /** About 100,000 raw rows a rollup step: a few MB of WAL, far below the default {@code max_wal_size} (1 GB). */
    public static final int DEFAULT_ROLLUP_STEP_ROWS = 100_000;
    public static final HistoryPaceSettings DEFAULT = new HistoryPaceSettings(OptionalLong.empty(),
            OptionalLong.empty(), DEFAULT_MAX_ACTIVE_BACKENDS, DEFAULT_MAX_HOLD_PER_STEP, DEFAULT_ROLLUP_STEP_ROWS);
    /** No cap and no hold: history work at full speed whatever the load (the pace of the releases before it). */
    public static final HistoryPaceSettings UNPACED = new HistoryPaceSettings(OptionalLong.empty(),
            OptionalLong.empty(), DEFAULT_MAX_ACTIVE_BACKENDS, Duration.ZERO, DEFAULT_ROLLUP_STEP_ROWS);

    public static HistoryPaceSettings from(HistoryPace spec) throws InvalidSpecException {
        if (spec == null) {
            return DEFAULT;
        }
        OptionalLong rows = positive("historyPace.maxRollupRowsPerSecond", spec.getMaxRollupRowsPerSecond());
        OptionalLong samples = positive("historyPace.maxExportSamplesPerSecond", spec.getMaxExportSamplesPerSecond());
        int active = spec.getMaxActiveBackends() == null ? DEFAULT_MAX_ACTIVE_BACKENDS
                : SpecRules.range("historyPace.maxActiveBackends", spec.getMaxActiveBackends(), 0, 10_000);
        Duration hold = spec.getMaxHoldPerStep() == null ? DEFAULT_MAX_HOLD_PER_STEP
                : SpecRules.durationOrZero("historyPace.maxHoldPerStep", spec.getMaxHoldPerStep());
        int step = spec.getRollupStepRows() == null ? DEFAULT_ROLLUP_STEP_ROWS
                : SpecRules.range("historyPace.rollupStepRows", spec.getRollupStepRows(), 1000, 10_000_000);
        return new HistoryPaceSettings(rows, samples, active, hold, step);
    }

    private static OptionalLong positive(String field, Integer value) throws InvalidSpecException {
        if (value == null) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(SpecRules.range(field, value, 1, 100_000_000));
    }

    public HistoryPaceSettings withMaxRollupRowsPerSecond(long cap) {
        return new HistoryPaceSettings(OptionalLong.of(cap), maxExportSamplesPerSecond, maxActiveBackends,
                maxHoldPerStep, rollupStepRows);
    }

    public HistoryPaceSettings withMaxExportSamplesPerSecond(long cap) {
        return new HistoryPaceSettings(maxRollupRowsPerSecond, OptionalLong.of(cap), maxActiveBackends,
                maxHoldPerStep, rollupStepRows);
    }

    public HistoryPaceSettings withRollupStepRows(int rows) {
        return new HistoryPaceSettings(maxRollupRowsPerSecond, maxExportSamplesPerSecond, maxActiveBackends,
                maxHoldPerStep, rows);
    }

    public HistoryPaceSettings withHold(int maxActive, Duration maxHold) {
        return new HistoryPaceSettings(maxRollupRowsPerSecond, maxExportSamplesPerSecond, maxActive, maxHold,
                rollupStepRows);
    }

    /**
     * The rows a rollup step aims at: {@code rollupStepRows}, and under a cap at most one second's worth of it, so
     * that the cap is kept step by step rather than in bursts.
     */
    public long rollupStepTarget() {
        return Math.min(rollupStepRows, maxRollupRowsPerSecond.orElse(Long.MAX_VALUE));
    }

    /** The samples an export batch holds: {@code batchSamples}, under a cap at most one second's worth (at least 100). */
    public int exportBatch(int batchSamples) {
        return (int) Math.min(batchSamples, Math.max(100, maxExportSamplesPerSecond.orElse(Long.MAX_VALUE)));
    }
}
