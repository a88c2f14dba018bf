package io.noetl.lifecycle.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.HistoryPace;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.ActiveBackendsSql;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The pace of history work ({@code spec.historyPace}) on the real PostgreSQL and a real VictoriaMetrics, through a
 * policy's pass: held by a synthetic busy signal the rollups and the export pause and go on, and leave the tiers, the
 * catalogue and both ledgers exactly as an unpaced pass over the same rows; a fixed cap holds within 10% over 30 s
 * (the acceptance, so these two tests take about 30 s each); and the database's own signal counts the
 * backends it should. NoETL's live table only ({@link MetricShape#LIVE}): the pace is the same on either shape, and
 * the rollup's steps on both shapes are RollupSqlTest's.
 *
 * <p>A stand-in, and why: the connections are direct, not through the transaction-pooling PgBouncer NoETL uses. The
 * pace sets nothing on the session and reads its signal outside the steps' transactions, each of which sets only
 * {@code LOCAL} settings, so a PgBouncer changes nothing it relies on; the paced, stepped rollup does run through
 * one in PgBouncerCommandTest (rollups applied after a plan, with a second client unaffected). The signal's own
 * test here must see its other backends, which it starts itself, on the server directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryPaceLiveTest {
    private TestDatabase db;
    private VictoriaMetricsServer vm;
    private DatabasePools pools;
    private DataSource ds;
    private int run;

    @BeforeAll
    void start() {
        OsTool.VICTORIA_METRICS.assumePresent("to run the export's pace against a real receiver");
        db = TestDatabase.createWithRealClock("pace_it");
        vm = VictoriaMetricsServer.start();
    }

    @AfterAll
    void stop() {
        Teardown.close(vm, db);
    }

    @BeforeEach
    void fresh() throws Exception {
        run++;
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("pace", db.target());
        try (Connection c = ds.getConnection()) {
            MetricShape.LIVE.create(c, "noetl.metric");
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, " + MetricShape.LIVE.registryTypeColumn()
                + ", status) VALUES (1, 'cpu-01', 'worker_pool', 'ready'), (2, 'server-a', 'server_api', 'ready')");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int back = 4; back >= 0; back--) {
            LocalDate day = today.minusDays(back);
            db.execute(String.format("CREATE TABLE noetl.%s PARTITION OF noetl.metric FOR VALUES FROM ('%s 00:00') "
                    + "TO ('%s 00:00')", ExportPassTestBase.partition(day), day, day.plusDays(1)));
        }
    }

    @AfterEach
    void release() {
        pools.release("pace");
    }

    /**
     * Rows in the closed days {@code daysBack}: {@code series} series, {@code samples} samples each, {@code every}
     * apart, from an hour of the day this test's own (so that what another test sent is not what this one counts).
     */
    private int seed(List<Integer> daysBack, int series, int samples, Duration every) throws Exception {
        int n = 0;
        for (int back : daysBack) {
            Instant start = LocalDate.now(ZoneOffset.UTC).minusDays(back).atStartOfDay(ZoneOffset.UTC).toInstant()
                    .plus(Duration.ofHours(run));
            List<MetricShape.Row> rows = new ArrayList<>();
            for (int s = 0; s < series; s++) {
                String labels = "{\"pool\": \"p" + s + "\", \"test\": \"pace" + run + "\"}";
                for (int i = 0; i < samples; i++) {
                    Instant at = start.plus(every.multipliedBy(i)).plusMillis(s * 7L + 3);
                    rows.add(new MetricShape.Row(1 + s % 2, s % 2 == 0 ? "noetl_jobs_total" : "queue_depth",
                            s % 2 == 0 ? "counter" : "gauge", s % 2 == 0 ? i * 2.5 + (i % 97 == 0 ? 0 : s) : s - i % 7,
                            labels, at));
                    n++;
                }
            }
            try (Connection c = db.connect()) {
                MetricShape.LIVE.insert(c, "noetl.metric", ZoneOffset.UTC, rows);
            }
        }
        return n;
    }

    private MetricPolicySettings settings(boolean rollups, boolean export, HistoryPace pace) throws Exception {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setRetention("10d");
        spec.setPremake(1);
        if (rollups) {
            spec.setRollups(List.of(new RollupTier("1m", "30d"), new RollupTier("5m", "90d")));
        }
        if (export) {
            MetricExport e = new MetricExport(vm.writeUrl().toString());
            e.setBatchSamples(10_000);
            spec.setExport(e);
        }
        spec.setHistoryPace(pace);
        return MetricPolicySettings.from(spec);
    }

    private MetricHistoryPass.Outcome pass(MetricPolicySettings settings, Pace.Signals signals) throws Exception {
        MaintenancePass.Outcome o = new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()),
                Clock.systemUTC(), Duration.ofSeconds(30)).preceded(new MetricHistoryPass(settings,
                        ExportPass.noSecrets("this pass"), ExportPassTestBase.TIMING, signals)).run(settings,
                                Optional.empty(), UnaryOperator.identity(), Instant.now(), true);
        assertTrue(o.failure().isEmpty(), () -> o.failure().toString());
        MetricHistoryPass.Outcome history = MetricHistoryPass.Outcome.of(o);
        assertTrue(history.findings().isEmpty(), () -> history.findings().toString());
        return history;
    }

    /** A synthetic signal: 5 other active backends, but every fifth reading 1; counting its readings. */
    private static final class Flickering implements Pace.Signals {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public Pace.BusySignal on(Connection c) {
            return () -> new ActiveBackendsSql.Reading(reads.incrementAndGet() % 5 == 0 ? 1 : 5, 0);
        }
    }

    private static final Pace.Signals IDLE = c -> () -> new ActiveBackendsSql.Reading(0, 0);

    /** What the rollups and the export leave: the tiers, the catalogue, the rollup ledger, the export ledger. */
    private List<List<List<Object>>> history() {
        return List.of(
                db.query("SELECT * FROM noetl.metric_rollup_1m ORDER BY 1, 2"),
                db.query("SELECT * FROM noetl.metric_rollup_5m ORDER BY 1, 2"),
                db.query("SELECT * FROM noetl.metric_series ORDER BY 1"),
                db.query("SELECT raw_table, raw_partition, tier_table, range_from, range_to, resolution_seconds, "
                        + "raw_rows, raw_bytes, buckets, rows_refused FROM noetl.metric_rollup_ledger ORDER BY 1, 2, 3"),
                db.query("SELECT raw_table, raw_partition, target, last_time, last_id, samples_sent, rows_refused, "
                        + "batches, oldest_sample, newest_sample, last_refusal, done_at IS NOT NULL, "
                        + "verified_at IS NOT NULL FROM noetl.metric_export_ledger ORDER BY 1, 2, 3"),
                db.query("SELECT * FROM noetl.metric_export_ledger_series ORDER BY 1, 2, 3, 4"));
    }

    @Test
    void heldByABusySignalTheRollupsAndTheExportPauseResumeAndLeaveWhatAnUnpacedPassLeaves() throws Exception {
        int rows = seed(List.of(4, 3, 2), 6, 600, Duration.ofSeconds(10));
        HistoryPace off = new HistoryPace();
        off.setMaxHoldPerStep("0s");
        MetricHistoryPass.Outcome unpaced = pass(settings(true, true, off), IDLE);
        assertEquals(4, unpaced.rollups().orElseThrow().rolled().size(), "the four closed days");
        List<List<List<Object>>> expected = history();
        assertEquals(rows, expected.get(4).stream().mapToLong(r -> ((Number) r.get(5)).longValue()).sum());
        assertTrue(expected.get(4).stream().allMatch(r -> Boolean.TRUE.equals(r.get(12))), "not all confirmed");

        db.execute("TRUNCATE noetl.metric_rollup_1m, noetl.metric_rollup_5m, noetl.metric_series, "
                + "noetl.metric_rollup_ledger, noetl.metric_export_ledger, noetl.metric_export_ledger_series");
        HistoryPace held = new HistoryPace();
        held.setMaxActiveBackends(2);
        held.setMaxHoldPerStep("1s");
        held.setRollupStepRows(1000);
        Flickering signal = new Flickering();
        MetricPolicySettings paced = settings(true, true, held);
        // export batches of 500 samples: steps to hold between (the unpaced pass sent batches of 10,000)
        paced = paced.toBuilder().export(io.noetl.lifecycle.metric.plan.ExportSettings.from(batches(500))).build();
        MetricHistoryPass.Outcome h = pass(paced, signal);

        Pace.Record rollup = h.rollups().orElseThrow().pace().orElseThrow();
        Pace.Record export = h.export().orElseThrow().pace().orElseThrow();
        assertTrue(rollup.steps() >= 6, "rollup steps: " + rollup);
        assertTrue(export.steps() >= 24, "export steps: " + export);
        for (Pace.Record r : List.of(rollup, export)) {
            Duration waited = r.held().getOrDefault(Pace.HoldReason.ACTIVE_BACKENDS, Duration.ZERO);
            // a step goes on the last reading when it is younger than 200 ms, so not every step is held: at least one
            // hold of four busy readings, 200 ms apart, ended by the idle fifth (the steps then went on)
            assertTrue(waited.compareTo(Duration.ofMillis(600)) >= 0, "held too little: " + r);
            assertTrue(waited.compareTo(Duration.ofMillis(1100L * r.steps())) <= 0, "held past maxHold: " + r);
            assertEquals(Optional.of(Pace.HoldReason.ACTIVE_BACKENDS), r.lastReason());
            assertTrue(r.signal().isPresent());
        }
        // each work held at least 600 ms, re-reading every 200 ms: at least 4 readings each (not one per step: a step
        // sooner than 200 ms after the last reading goes on it, so the count per step depends on the machine's speed;
        // "reads >= rollup steps" failed once in CI with 10 reads)
        assertTrue(signal.reads.get() >= 8, "reads: " + signal.reads);
        assertEquals(rows, rollup.units(), "the rollup steps' rows");
        assertEquals(rows, export.units(), "the export batches' samples");

        List<List<List<Object>>> after = history();
        for (int i = 0; i < 4; i++) {
            assertEquals(expected.get(i), after.get(i), "table " + i + " differs from the unpaced pass's");
        }
        // the export ledger but for its batch count (500 a batch now, 10,000 before)
        assertEquals(withoutColumn(expected.get(4), 7), withoutColumn(after.get(4), 7));
        assertEquals(expected.get(5), after.get(5));
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_progress"));
    }

    private MetricExport batches(int n) {
        MetricExport e = new MetricExport(vm.writeUrl().toString());
        e.setBatchSamples(n);
        return e;
    }

    private static List<List<Object>> withoutColumn(List<List<Object>> rows, int column) {
        return rows.stream().map(r -> {
            List<Object> copy = new ArrayList<>(r);
            copy.remove(column);
            return (List<Object>) copy;
        }).toList();
    }

    @Test
    void aRollupRateCapHoldsWithinTenPercentOver30Seconds() throws Exception {
        // 30,000 rows in one closed day, 10 series every 12 s for 10 hours: 250 rows a 5m bucket, steps of 4 buckets
        int rows = seed(List.of(4), 10, 3000, Duration.ofSeconds(12));
        HistoryPace cap = new HistoryPace();
        cap.setMaxRollupRowsPerSecond(1000);
        MetricHistoryPass.Outcome h = pass(settings(true, false, cap), IDLE);
        RollupPass.Outcome o = h.rollups().orElseThrow();
        Pace.Record r = o.pace().orElseThrow();
        assertEquals(rows, r.units());
        assertTrue(r.steps() >= 25, "steps: " + r.steps());
        double paceRate = r.achievedRate().orElseThrow();
        double wallRate = rows / (o.durations().get(0).toNanos() / 1e9);
        System.out.printf("[pace] rollup cap 1000 rows/s: %d rows in %d steps, %.0f rows/s over the steps, %.0f over "
                + "the rollup (%s)%n", rows, r.steps(), paceRate, wallRate, o.durations().get(0));
        assertCapHeld(o.durations().get(0), paceRate, wallRate, "the steps", "the rollup");
        assertTrue(o.wal().steps() >= 25 && o.wal().bytes() > 0, "WAL: " + o.wal());
    }

    @Test
    void anExportRateCapHoldsWithinTenPercentOver30Seconds() throws Exception {
        int rows = seed(List.of(4), 10, 3000, Duration.ofSeconds(12));
        HistoryPace cap = new HistoryPace();
        cap.setMaxExportSamplesPerSecond(1000);
        MetricHistoryPass.Outcome h = pass(settings(false, true, cap), IDLE);
        ExportPass.Outcome o = h.export().orElseThrow();
        ExportPass.Sent sent = o.sent().get(0);
        Pace.Record r = o.pace().orElseThrow();
        assertEquals(rows, sent.samples());
        assertEquals(30, sent.batches(), "batches of one second's worth (1,000), not batchSamples (10,000)");
        double paceRate = r.achievedRate().orElseThrow();
        double wallRate = rows / (sent.took().toNanos() / 1e9);
        System.out.printf("[pace] export cap 1000 samples/s: %d samples in %d batches, %.0f samples/s over the "
                + "batches, %.0f over the partition's export (%s)%n", rows, sent.batches(), paceRate, wallRate,
                sent.took());
        assertCapHeld(sent.took(), paceRate, wallRate, "the batches", "the partition's export");
        assertTrue(o.confirmed(ExportPassTestBase.partition(4)), "not confirmed at the receiver");
    }

    /**
     * A cap of 1,000 a second over 30,000 units: the work took at least 27 s, and the rate over its steps and over
     * the whole of it are within 10% of the cap.
     */
    private static void assertCapHeld(Duration took, double paceRate, double wallRate, String steps, String whole) {
        assertTrue(took.compareTo(Duration.ofSeconds(27)) >= 0, "too fast: " + took);
        assertEquals(1000, paceRate, 100, "the rate over " + steps);
        assertEquals(1000, wallRate, 100, "the rate over " + whole);
    }

    /**
     * The database's own signal: a backend of another application running a statement counts, one of the operator's
     * or the command line's (their application_name) does not, nor an idle one.
     */
    @Test
    void theDatabaseSignalCountsOtherActiveBackendsOnly() throws Exception {
        try (Connection idle = connect("some-writer"); Connection busy = connect("some-writer");
                Connection operator = connect(ActiveBackendsSql.OPERATOR_APPLICATION_NAME);
                Connection command = connect(ActiveBackendsSql.COMMAND_APPLICATION_NAME);
                Connection asking = connect(ActiveBackendsSql.OPERATOR_APPLICATION_NAME)) {
            assertEquals(0, ActiveBackendsSql.read(asking).active());
            CompletableFuture<Void> other = sleep(busy, 3);
            CompletableFuture<Void> own = sleep(operator, 3);
            CompletableFuture<Void> commandLine = sleep(command, 3);
            long seen = 0;
            for (int i = 0; i < 20 && seen == 0; i++) {
                Thread.sleep(100);
                seen = ActiveBackendsSql.read(asking).active();
            }
            assertEquals(1, seen, "the other application's sleeping statement, and only it");
            assertEquals(0, ActiveBackendsSql.read(asking).hidden(), "a superuser sees every backend's state");
            other.join();
            own.join();
            commandLine.join();
            assertEquals(0, ActiveBackendsSql.read(asking).active());
            assertTrue(idle.isValid(1));
        }
    }

    /**
     * The database's own signal holding a rollup: while another application's statement runs (a 2 s sleep, begun just
     * before the pass) and the limit is 0, the rollup's first step waits, reading pg_stat_activity afresh every 200 ms,
     * and goes as soon as the statement ends, well before the most it may wait (5 s). A reading that stayed as it was
     * when the hold began (one snapshot of pg_stat_activity per transaction) would hold it the whole 5 s. The same for
     * the export's first batch.
     */
    @Test
    void theDatabaseSignalHoldsARollupStepWhileAnotherBackendRunsAndLetsItGoWhenItEnds() throws Exception {
        seed(List.of(4), 4, 600, Duration.ofSeconds(10));
        HistoryPace strict = new HistoryPace();
        strict.setMaxActiveBackends(0);
        strict.setMaxHoldPerStep("5s");
        try (Connection other = connect("some-writer")) {
            long t0 = System.nanoTime();
            CompletableFuture<Void> running = sleep(other, 2);
            MetricHistoryPass.Outcome h = pass(settings(true, false, strict), Pace.Signals.DATABASE);
            running.join();
            Pace.Record r = h.rollups().orElseThrow().pace().orElseThrow();
            Duration held = r.held().getOrDefault(Pace.HoldReason.ACTIVE_BACKENDS, Duration.ZERO);
            Duration sinceSleep = Duration.ofNanos(System.nanoTime() - t0);
            assertEquals(0, r.forced(), () -> "held for the whole 5 s: " + r);
            assertTrue(held.compareTo(Duration.ofMillis(300)) >= 0, () -> "not held while the sleep ran: " + r);
            assertTrue(held.compareTo(Duration.ofMillis(2500)) <= 0, () -> "held after the sleep ended: " + r);
            assertTrue(sinceSleep.compareTo(Duration.ofSeconds(2)) >= 0, "the pass ended before the sleep");
            assertEquals(0, r.signal().orElseThrow().active(), "the last reading, after the sleep");

            // the export, which reads the signal on its ledger connection between batches
            CompletableFuture<Void> again = sleep(other, 2);
            Thread.sleep(200);
            ExportPass.Outcome e = pass(settings(false, true, strict), Pace.Signals.DATABASE).export().orElseThrow();
            again.join();
            Pace.Record x = e.pace().orElseThrow();
            Duration exportHeld = x.held().getOrDefault(Pace.HoldReason.ACTIVE_BACKENDS, Duration.ZERO);
            assertEquals(0, x.forced(), () -> "held for the whole 5 s: " + x);
            assertTrue(exportHeld.compareTo(Duration.ofMillis(300)) >= 0, () -> "not held while the sleep ran: " + x);
            assertTrue(exportHeld.compareTo(Duration.ofMillis(2500)) <= 0, () -> "held after the sleep ended: " + x);
        }
    }

    private Connection connect(String application) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", db.target().username());
        if (db.target().password() != null) {
            p.setProperty("password", db.target().password());
        }
        p.setProperty("ApplicationName", application);
        return DriverManager.getConnection(db.target().jdbcUrl(), p);
    }

    private static CompletableFuture<Void> sleep(Connection c, int seconds) {
        return CompletableFuture.runAsync(() -> {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_sleep(" + seconds + ")");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
