package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.HistoryPaceStatus;
import io.noetl.lifecycle.api.HistoryWorkPace;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.report.OperatorMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** What status shows of the history work's pace ({@code status.historyPace}), and the measures the metrics take. */
public final class PaceReport {
    private PaceReport() {
    }

    /**
     * Writes {@code status.historyPace}: each work's part from this pass when it took steps, else as an earlier pass
     * left it; cleared for a policy with neither rollups nor export.
     */
    public static void report(MetricRetentionPolicyStatus status, MetricHistoryPass.Outcome history, Instant now) {
        if (history.rollups().isEmpty() && history.export().isEmpty()) {
            status.setHistoryPace(null);
            return;
        }
        HistoryPaceStatus s = status.getHistoryPace() == null ? new HistoryPaceStatus() : status.getHistoryPace();
        if (history.rollups().isEmpty()) {
            s.setRollup(null);
        }
        if (history.export().isEmpty()) {
            s.setExport(null);
        }
        history.rollups().ifPresent(r -> r.pace().filter(p -> p.steps() > 0).ifPresent(p -> {
            HistoryWorkPace w = work(p, s.getRollup(), now);
            w.setWalBytes(r.wal().bytes());
            w.setMaxStepWalBytes(r.wal().maxStepBytes());
            s.setRollup(w);
        }));
        history.export().ifPresent(e -> e.pace().filter(p -> p.steps() > 0).ifPresent(p ->
                s.setExport(work(p, s.getExport(), now))));
        status.setHistoryPace(s.getRollup() == null && s.getExport() == null ? null : s);
    }

    private static HistoryWorkPace work(Pace.Record p, HistoryWorkPace before, Instant now) {
        HistoryWorkPace w = new HistoryWorkPace();
        w.setObservedAt(now.toString());
        w.setSteps(p.steps());
        w.setUnits(p.units());
        w.setUnitsPerSecond(p.achievedRate().map(Math::round).orElse(null));
        w.setMaxUnitsPerSecond(p.cap().isPresent() ? p.cap().getAsLong() : null);
        w.setHeldSeconds(seconds(p.heldTotal()));
        w.setHeldForLoadSeconds(seconds(p.held().getOrDefault(Pace.HoldReason.ACTIVE_BACKENDS, Duration.ZERO)));
        Optional<String> reason = p.lastReason().map(Pace.HoldReason::word);
        w.setReason(reason.orElse(before == null ? null : before.getReason()));
        w.setLastHeldAt(p.lastHeldAt().map(Instant::toString).orElse(before == null ? null : before.getLastHeldAt()));
        p.signal().ifPresent(r -> {
            w.setActiveBackends(r.active());
            w.setHiddenBackends(r.hidden() == 0 ? null : r.hidden());
        });
        w.setActiveBackendsLimit(p.limit());
        w.setForcedSteps(p.forced());
        w.setSignalError(p.signalError().orElse(null));
        return w;
    }

    /** Seconds to the millisecond. */
    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /** The measures of a pass's pace for {@link OperatorMetrics#historyPace}. */
    public static OperatorMetrics.PaceMeasures measures(Pace.Record p, long walBytes) {
        Map<String, Duration> held = new java.util.TreeMap<>();
        p.held().forEach((reason, d) -> held.put(reason.word(), d));
        return new OperatorMetrics.PaceMeasures(p.work().label(), p.steps(), p.units(), held, p.forced(), walBytes);
    }
}
