package io.noetl.lifecycle.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.noetl.lifecycle.api.HistoryWorkPace;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.metric.plan.RollupSettings;
import io.noetl.lifecycle.metric.postgres.ActiveBackendsSql;
import io.noetl.lifecycle.postgres.TableName;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What {@code status.historyPace} shows of a pass's pace, and what it keeps from the passes before. */
class PaceReportTest {
    private static final Instant T1 = Instant.parse("2026-12-07T12:00:00Z");
    private static final Instant T2 = Instant.parse("2026-12-07T12:10:00Z");

    private static Pace.Record record(long steps, Map<Pace.HoldReason, Duration> held,
            Optional<Pace.HoldReason> reason, Optional<Instant> at) {
        return new Pace.Record(Pace.Work.ROLLUP, steps, steps * 1000, 2_000_000_000L, held, 1, reason, at,
                Optional.of(new ActiveBackendsSql.Reading(4, 1)), 2, OptionalLong.of(500), Optional.empty());
    }

    private static MetricHistoryPass.Outcome rollups(Pace.Record r) {
        RollupPass.Outcome o = new RollupPass.Outcome(new RollupSettings(List.of(), Duration.ZERO, "noetl",
                "metric_series"), List.of(), List.of(), List.of(), List.of(), Map.of(), false, List.of(),
                Duration.ZERO, Optional.of(r), new RollupPass.Wal((int) r.steps(), 9_000_000, 4_000_000));
        return new MetricHistoryPass.Outcome(new TableName("noetl", "metric"), Optional.of(o), Optional.empty(),
                Optional.empty());
    }

    @Test
    void aHeldPassShowsWhyAndALaterPassUnheldKeepsTheLastHold() {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        PaceReport.report(status, rollups(record(4, Map.of(Pace.HoldReason.ACTIVE_BACKENDS, Duration.ofMillis(1500),
                Pace.HoldReason.RATE_CAP, Duration.ofMillis(250)), Optional.of(Pace.HoldReason.RATE_CAP),
                Optional.of(T1))), T1);
        HistoryWorkPace w = status.getHistoryPace().getRollup();
        assertEquals(4L, w.getSteps());
        assertEquals(4000L, w.getUnits());
        assertEquals(2000L, w.getUnitsPerSecond());
        assertEquals(500L, w.getMaxUnitsPerSecond());
        assertEquals(1.75, w.getHeldSeconds());
        assertEquals(1.5, w.getHeldForLoadSeconds());
        assertEquals("RateCap", w.getReason());
        assertEquals(T1.toString(), w.getLastHeldAt());
        assertEquals(4L, w.getActiveBackends());
        assertEquals(1L, w.getHiddenBackends());
        assertEquals(2, w.getActiveBackendsLimit());
        assertEquals(1L, w.getForcedSteps());
        assertEquals(9_000_000L, w.getWalBytes());
        assertEquals(4_000_000L, w.getMaxStepWalBytes());
        assertNull(status.getHistoryPace().getExport());

        PaceReport.report(status, rollups(record(2, Map.of(), Optional.empty(), Optional.empty())), T2);
        HistoryWorkPace later = status.getHistoryPace().getRollup();
        assertEquals(2L, later.getSteps());
        assertEquals(0.0, later.getHeldSeconds());
        assertEquals("RateCap", later.getReason(), "the last hold, from the pass before");
        assertEquals(T1.toString(), later.getLastHeldAt());
        assertEquals(T2.toString(), later.getObservedAt());

        PaceReport.report(status, rollups(record(0, Map.of(), Optional.empty(), Optional.empty())), T2.plusSeconds(60));
        assertEquals(T2.toString(), status.getHistoryPace().getRollup().getObservedAt(), "a pass without steps");

        PaceReport.report(status, new MetricHistoryPass.Outcome(new TableName("noetl", "metric"), Optional.empty(),
                Optional.empty(), Optional.empty()), T2);
        assertNull(status.getHistoryPace(), "neither rollups nor export");
    }

    @Test
    void theMeasuresNameTheWorkAndTheReasons() {
        var m = PaceReport.measures(record(3, Map.of(Pace.HoldReason.ACTIVE_BACKENDS, Duration.ofSeconds(2)),
                Optional.of(Pace.HoldReason.ACTIVE_BACKENDS), Optional.of(T1)), 123);
        assertEquals("rollup", m.work());
        assertEquals(Map.of("ActiveBackends", Duration.ofSeconds(2)), m.held());
        assertEquals(3000, m.units());
        assertEquals(123, m.walBytes());
    }
}
