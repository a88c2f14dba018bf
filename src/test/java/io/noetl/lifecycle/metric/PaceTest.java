package io.noetl.lifecycle.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.metric.plan.HistoryPaceSettings;
import io.noetl.lifecycle.metric.postgres.ActiveBackendsSql;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pace's arithmetic on a clock the test moves: the cap, the hold, the sampling, a signal that fails. */
class PaceTest {
    /** A monotonic clock that moves only when the pace sleeps or the test says, recording each sleep. */
    static final class FakeTicker implements Pace.Ticker {
        long now = 1_000_000_000L;
        final List<Duration> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            sleeps.add(d);
            now += d.toNanos();
        }

        void work(Duration d) {
            now += d.toNanos();
        }
    }

    /** A signal reading {@code values} in turn (the last one for ever), counting its reads. */
    static final class Script implements Pace.BusySignal {
        final long[] values;
        int reads;

        Script(long... values) {
            this.values = values;
        }

        @Override
        public ActiveBackendsSql.Reading read() {
            long v = values[Math.min(reads, values.length - 1)];
            reads++;
            return new ActiveBackendsSql.Reading(v, 0);
        }
    }

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void noCapAndAnIdleDatabaseNeverWait() throws Exception {
        FakeTicker t = new FakeTicker();
        Script idle = new Script(0);
        Pace pace = new Pace(Pace.Work.ROLLUP, HistoryPaceSettings.DEFAULT, idle, t, CLOCK);
        for (int i = 0; i < 100; i++) {
            pace.beforeStep();
            t.work(Duration.ofMillis(10));
            pace.stepDone(1000);
        }
        assertTrue(t.sleeps.isEmpty(), t.sleeps.toString());
        Pace.Record r = pace.record();
        assertEquals(100, r.steps());
        assertEquals(100_000, r.units());
        assertEquals(Duration.ZERO, r.heldTotal());
        // the signal is read at most every 200 ms: 1 s of steps of 10 ms, about 5 reads, not 100
        assertTrue(idle.reads <= 6 && idle.reads >= 4, "reads: " + idle.reads);
    }

    @Test
    void aCapSpacesTheStepsSoThatTheRateIsTheCap() throws Exception {
        FakeTicker t = new FakeTicker();
        Pace pace = new Pace(Pace.Work.EXPORT, HistoryPaceSettings.DEFAULT.withMaxExportSamplesPerSecond(1000),
                new Script(0), t, CLOCK);
        long start = t.now;
        for (int i = 0; i < 30; i++) {
            pace.beforeStep();
            t.work(Duration.ofMillis(50));
            pace.stepDone(1000);
        }
        // 30 steps of 1000 at 1000/s: the 30th begins 29 s after the first and ends 50 ms later
        assertEquals(Duration.ofMillis(29_050), Duration.ofNanos(t.now - start));
        Pace.Record r = pace.record();
        assertEquals(1000 * 30 / 29.05, r.achievedRate().orElseThrow(), 0.01);
        assertEquals(Duration.ofMillis(29 * 950), r.held().get(Pace.HoldReason.RATE_CAP));
        assertEquals(Optional.of(Pace.HoldReason.RATE_CAP), r.lastReason());
    }

    @Test
    void aSlowStepEarnsNoBurst() throws Exception {
        FakeTicker t = new FakeTicker();
        Pace pace = new Pace(Pace.Work.ROLLUP, HistoryPaceSettings.DEFAULT.withMaxRollupRowsPerSecond(1000),
                new Script(0), t, CLOCK);
        pace.beforeStep();
        t.work(Duration.ofSeconds(5)); // a step far slower than its budget
        pace.stepDone(1000);
        pace.beforeStep(); // goes at once: its budget (1 s after the first began) is long past
        assertTrue(t.sleeps.isEmpty());
        t.work(Duration.ofMillis(10));
        pace.stepDone(1000);
        pace.beforeStep(); // the third waits a second after the second began: no catching up on the slow one
        assertEquals(List.of(Duration.ofMillis(990)), t.sleeps);
    }

    @Test
    void aBusyDatabaseHoldsTheStepUntilItIsIdleReadingEvery200ms() throws Exception {
        FakeTicker t = new FakeTicker();
        Script signal = new Script(5, 5, 5, 1);
        Pace pace = new Pace(Pace.Work.ROLLUP, HistoryPaceSettings.DEFAULT, signal, t, CLOCK);
        pace.beforeStep();
        assertEquals(List.of(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(200)), t.sleeps);
        assertEquals(4, signal.reads);
        Pace.Record r = pace.record();
        assertEquals(Duration.ofMillis(600), r.held().get(Pace.HoldReason.ACTIVE_BACKENDS));
        assertEquals(0, r.forced());
        assertEquals(1, r.signal().orElseThrow().active());
        assertEquals(Optional.of(Pace.HoldReason.ACTIVE_BACKENDS), r.lastReason());
        assertEquals(Optional.of(CLOCK.instant()), r.lastHeldAt());
    }

    @Test
    void aDatabaseBusyForGoodHoldsEachStepAtMostMaxHoldThenLetsItGo() throws Exception {
        FakeTicker t = new FakeTicker();
        Pace pace = new Pace(Pace.Work.EXPORT, HistoryPaceSettings.DEFAULT.withHold(2, Duration.ofMillis(500)),
                new Script(3), t, CLOCK);
        for (int i = 0; i < 3; i++) {
            pace.beforeStep();
            pace.stepDone(100);
        }
        Pace.Record r = pace.record();
        assertEquals(3, r.steps());
        assertEquals(3, r.forced());
        assertEquals(Duration.ofMillis(1500), r.held().get(Pace.HoldReason.ACTIVE_BACKENDS));
        assertEquals(List.of(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMillis(100)),
                t.sleeps.subList(0, 3));
    }

    @Test
    void atTheLimitTheDatabaseIsNotBusyAndWithoutAHoldTheSignalIsNotRead() throws Exception {
        FakeTicker t = new FakeTicker();
        Script two = new Script(2);
        Pace atLimit = new Pace(Pace.Work.ROLLUP, HistoryPaceSettings.DEFAULT, two, t, CLOCK);
        atLimit.beforeStep();
        assertTrue(t.sleeps.isEmpty());
        Script busy = new Script(50);
        Pace noHold = new Pace(Pace.Work.ROLLUP, HistoryPaceSettings.UNPACED, busy, t, CLOCK);
        noHold.beforeStep();
        assertTrue(t.sleeps.isEmpty());
        assertEquals(0, busy.reads);
    }

    @Test
    void aSignalThatCannotBeReadHoldsNothing() throws Exception {
        FakeTicker t = new FakeTicker();
        int[] reads = {0};
        Pace pace = new Pace(Pace.Work.ROLLUP, HistoryPaceSettings.DEFAULT, () -> {
            reads[0]++;
            throw new SQLException("permission denied for view pg_stat_activity");
        }, t, CLOCK);
        for (int i = 0; i < 3; i++) {
            t.work(Duration.ofSeconds(1));
            pace.beforeStep();
            pace.stepDone(1);
        }
        assertTrue(t.sleeps.isEmpty());
        assertEquals(1, reads[0], "read again after it failed");
        assertTrue(pace.record().signalError().orElseThrow().contains("permission denied"));
    }
}
