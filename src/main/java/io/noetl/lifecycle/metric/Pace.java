package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.metric.plan.HistoryPaceSettings;
import io.noetl.lifecycle.metric.postgres.ActiveBackendsSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * The pace of one kind of history work (the rollups, or the export) in one pass. The work goes in bounded steps (a
 * rollup step of about {@code rollupStepRows} rows, an export batch) and asks {@link #beforeStep} before each:
 *
 * <ol>
 * <li><b>the fixed cap</b> ({@code spec.historyPace.maxRollupRowsPerSecond}, {@code maxExportSamplesPerSecond}), a
 *     token bucket without a reserve: after a step of {@code n} units begun at {@code t}, the next may begin at
 *     {@code max(t, its own allowed start) + n / cap}; a step that started late (held, or slow) does not earn a burst;
 * <li><b>the busy signal</b>, {@link BusySignal}: while it reads more than {@code maxActiveBackends}, the step waits,
 *     reading again every {@link #SAMPLE_EVERY}, for at most {@code maxHoldPerStep}, and then goes anyway, so that
 *     history is slowed by load but never stopped by it. The signal is read at most every {@link #SAMPLE_EVERY}: a
 *     step sooner than that goes on the last reading.
 * </ol>
 *
 * No cap and an idle database: no wait at all. What was held, why, and the signal's value are kept for the status and
 * the metrics ({@link Record}).
 */
public final class Pace {
    private static final Logger LOG = Logger.getLogger(Pace.class);
    /** How often the signal is read at most, and how long one wait lasts while the database is busy. */
    public static final Duration SAMPLE_EVERY = Duration.ofMillis(200);

    /** The history work a pace governs, with the unit of its steps. */
    public enum Work {
        ROLLUP("rollup", "rows"), EXPORT("export", "samples");

        private final String label;
        private final String unit;

        Work(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }

        /** The metrics' {@code work} label and the status's key. */
        public String label() {
            return label;
        }

        public String unit() {
            return unit;
        }
    }

    /** Why a step was held back. */
    public enum HoldReason {
        /** The fixed cap of {@code spec.historyPace}. */
        RATE_CAP("RateCap"),
        /** More backends of the database active than {@code maxActiveBackends}. */
        ACTIVE_BACKENDS("ActiveBackends");

        private final String word;

        HoldReason(String word) {
            this.word = word;
        }

        /** The status's and the metrics' word. */
        public String word() {
            return word;
        }
    }

    /** The database's load as one number: how many of its other backends are active. Tests give their own. */
    public interface BusySignal {
        /** One reading. */
        ActiveBackendsSql.Reading read() throws SQLException;
    }

    /** Where a pass gets its signal: from the connection it works on between its steps. */
    @FunctionalInterface
    public interface Signals {
        BusySignal on(Connection c);

        /** {@code pg_stat_activity}, read on the pass's own connection ({@link ActiveBackendsSql}). */
        Signals DATABASE = c -> () -> ActiveBackendsSql.read(c);
    }

    /** The monotonic clock and the sleep; tests give their own. */
    public interface Ticker {
        long nanoTime();

        void sleep(Duration d) throws InterruptedException;

        Ticker SYSTEM = new Ticker() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                Thread.sleep(Math.max(0, d.toMillis()), (int) (d.toNanos() % 1_000_000));
            }
        };
    }

    /**
     * What the pace did in a pass.
     *
     * @param steps steps taken
     * @param units rows or samples the steps took
     * @param activeNanos from the start of the first step to the end of the last: units / this is the achieved rate
     * @param held how long steps were held, by reason
     * @param forced steps that went after waiting {@code maxHoldPerStep} for a database still busy
     * @param lastReason why the last hold happened
     * @param lastHeldAt when the last hold ended
     * @param signal the last reading of the signal (empty: never read, or it could not be read)
     * @param limit {@code maxActiveBackends}
     * @param cap the fixed cap, per second
     * @param signalError why the signal could not be read, if it could not
     */
    public record Record(Work work, long steps, long units, long activeNanos, Map<HoldReason, Duration> held,
            long forced, Optional<HoldReason> lastReason, Optional<Instant> lastHeldAt,
            Optional<ActiveBackendsSql.Reading> signal, int limit, OptionalLong cap, Optional<String> signalError) {

        /** A pass that did none of this work. */
        public static Record none(Work work, HistoryPaceSettings settings) {
            return new Record(work, 0, 0, 0, Map.of(), 0, Optional.empty(), Optional.empty(), Optional.empty(),
                    settings.maxActiveBackends(), capOf(work, settings), Optional.empty());
        }

        public Duration heldTotal() {
            return held.values().stream().reduce(Duration.ZERO, Duration::plus);
        }

        /** Units per second over the steps, when any took time. */
        public Optional<Double> achievedRate() {
            return activeNanos <= 0 ? Optional.empty() : Optional.of(units * 1e9 / activeNanos);
        }
    }

    private final Work work;
    private final OptionalLong cap;
    private final int limit;
    private final Duration maxHold;
    private final BusySignal signal;
    private final Ticker ticker;
    private final Clock clock;
    private final EnumMap<HoldReason, Long> heldNanos = new EnumMap<>(HoldReason.class);
    private long steps;
    private long units;
    private long firstStart = -1;
    private long lastEnd;
    private long stepStart;
    /** When the next step may begin under the cap (monotonic nanos); meaningful once a step has been taken. */
    private long nextAllowed;
    private long forced;
    private long lastSampleAt;
    private Optional<ActiveBackendsSql.Reading> reading = Optional.empty();
    private Optional<String> signalError = Optional.empty();
    private Optional<HoldReason> lastReason = Optional.empty();
    private Optional<Instant> lastHeldAt = Optional.empty();

    public Pace(Work work, HistoryPaceSettings settings, BusySignal signal, Ticker ticker, Clock clock) {
        this.work = work;
        this.cap = capOf(work, settings);
        this.limit = settings.maxActiveBackends();
        this.maxHold = settings.maxHoldPerStep();
        this.signal = signal;
        this.ticker = ticker;
        this.clock = clock;
    }

    public Pace(Work work, HistoryPaceSettings settings, BusySignal signal) {
        this(work, settings, signal, Ticker.SYSTEM, Clock.systemUTC());
    }

    static OptionalLong capOf(Work work, HistoryPaceSettings settings) {
        return work == Work.ROLLUP ? settings.maxRollupRowsPerSecond() : settings.maxExportSamplesPerSecond();
    }

    /** Waits as the cap and the database's load ask before the next step; then the step may begin. */
    public void beforeStep() throws InterruptedException {
        if (cap.isPresent() && steps > 0) {
            long wait = nextAllowed - ticker.nanoTime();
            if (wait > 0) {
                ticker.sleep(Duration.ofNanos(wait));
                held(HoldReason.RATE_CAP, wait);
            }
        }
        if (!maxHold.isZero()) {
            holdWhileBusy();
        }
        stepStart = ticker.nanoTime();
        if (firstStart < 0) {
            firstStart = stepStart;
        }
    }

    /** The step just taken took {@code n} units (rows, samples). */
    public void stepDone(long n) {
        steps++;
        units += n;
        lastEnd = ticker.nanoTime();
        if (cap.isPresent()) {
            long base = steps == 1 ? stepStart : Math.max(nextAllowed, stepStart);
            nextAllowed = base + (long) (n * 1e9 / cap.getAsLong());
        }
    }

    private void holdWhileBusy() throws InterruptedException {
        long start = ticker.nanoTime();
        long deadline = start + maxHold.toNanos();
        boolean waited = false;
        while (busy()) {
            long now = ticker.nanoTime();
            if (now >= deadline) {
                forced++;
                LOG.debugf("%s: the database stays busy (%d other backends active, more than %d) after %s: one step "
                        + "goes anyway", work.label(), reading.map(ActiveBackendsSql.Reading::active).orElse(-1L),
                        limit, maxHold);
                break;
            }
            ticker.sleep(Duration.ofNanos(Math.min(SAMPLE_EVERY.toNanos(), deadline - now)));
            waited = true;
        }
        if (waited) {
            held(HoldReason.ACTIVE_BACKENDS, ticker.nanoTime() - start);
        }
    }

    /** Whether the signal, read again if its last reading is older than {@link #SAMPLE_EVERY}, shows a busy database. */
    private boolean busy() {
        if (signalError.isPresent()) {
            return false;
        }
        long now = ticker.nanoTime();
        if (reading.isEmpty() || now - lastSampleAt >= SAMPLE_EVERY.toNanos()) {
            try {
                reading = Optional.of(signal.read());
            } catch (SQLException e) {
                // a signal that cannot be read holds nothing: history must not stop for it
                signalError = Optional.of(e.getMessage());
                reading = Optional.empty();
                LOG.warnf("%s: the database's load cannot be read (%s); history work goes on without yielding to it",
                        work.label(), e.getMessage());
                return false;
            }
            lastSampleAt = now;
        }
        return reading.get().active() > limit;
    }

    private void held(HoldReason reason, long nanos) {
        heldNanos.merge(reason, nanos, Long::sum);
        lastReason = Optional.of(reason);
        lastHeldAt = Optional.of(clock.instant());
    }

    public Record record() {
        Map<HoldReason, Duration> held = new EnumMap<>(HoldReason.class);
        heldNanos.forEach((r, n) -> held.put(r, Duration.ofNanos(n)));
        return new Record(work, steps, units, firstStart < 0 ? 0 : lastEnd - firstStart, Map.copyOf(held), forced,
                lastReason, lastHeldAt, reading, limit, cap, signalError);
    }
}
