package io.noetl.lifecycle.bench;

import static io.noetl.lifecycle.bench.BenchSupport.loadAverage;
import static io.noetl.lifecycle.bench.BenchSupport.max;
import static io.noetl.lifecycle.bench.BenchSupport.pct;
import static io.noetl.lifecycle.bench.BenchSupport.tag;

import io.noetl.lifecycle.api.ExportVerify;
import io.noetl.lifecycle.api.HistoryPace;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.metric.ExportPass;
import io.noetl.lifecycle.metric.MetricHistoryPass;
import io.noetl.lifecycle.metric.Pace;
import io.noetl.lifecycle.metric.RollupPass;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.ActiveBackendsSql;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * Benchmark, not a test: the history work's pace (issue 26) against NoETL's writers. One closed daily partition (the
 * export benchmark's data, {@link ExportBenchmark#load}) is exported to a fresh VictoriaMetrics and rolled into three
 * tiers (1m, 5m, 1h), each by one policy pass, under four paces in turn: unthrottled ({@code maxHoldPerStep: 0s}, no
 * cap), adaptive (the defaults: hold above 2 other active backends, 2 s a step), and two fixed caps (rows and samples
 * per second, {@code capA} and {@code capB}). Before each work an idle window; writers (4 at one insert every 20 ms)
 * run throughout, in a process of their own ({@link WriterProcess}: NoETL's writers do not share the operator's
 * garbage collector, and writers in this JVM measured its pauses). Per pace and work: the time, the rate, the writers'
 * p50, p99 and max against the idle window's, failed writes, the pace's holds, and the rollup's WAL.
 *
 * <p>A probe in the writers' process (its own connection, every {@value WriterProcess#PROBE_EVERY_MS} ms, throughout)
 * reads the adaptive pace's signal, {@link ActiveBackendsSql}, and times that read: per work it prints, against the
 * idle window, the mean number of other active backends, how often a reading was above the default limit (2), and the
 * read's p50 and p90 round trip. Unlike the pace, which reads between its own steps, the probe also reads during them:
 * what a signal could see of the contention the work causes, as data for choosing one.
 *
 * <p>Run: {@code ./mvnw -B -q test-compile exec:java -Dexec.mainClass=io.noetl.lifecycle.bench.HistoryPaceBenchmark
 * -Dexec.classpathScope=test [-Dexec.args="SAMPLES SERIES [shape=live|seed] [idleMs=15000] [capA=50000]
 * [capB=10000] [writers=4]"]} (defaults 1,000,000 samples, 400 series, live, 4 writers; {@code writers=0} for the
 * history work alone). Numbers mean something only on a quiet machine.
 */
public final class HistoryPaceBenchmark {
    private static final int WRITERS = 4;
    private static final long WRITE_EVERY_MS = 20;

    /** A pace under test: its label and {@code spec.historyPace} (null for the defaults). */
    private record Variant(String label, HistoryPace pace) {
    }

    public static void main(String[] args) throws Exception {
        long samples = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int seriesCount = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        List<String> flags = Arrays.asList(args).subList(Math.min(2, args.length), args.length);
        long idleMs = flag(flags, "idleMs", 15_000);
        int capA = (int) flag(flags, "capA", 50_000);
        int capB = (int) flag(flags, "capB", 10_000);
        // writers=0: the history work alone, to compare the paces' throughput with nothing to yield to
        int writerCount = (int) flag(flags, "writers", WRITERS);
        MetricShape shape = BenchShape.parse(flags.contains("shape=seed") ? List.of("shape=seed")
                : List.of("shape=live")).get(0);
        if (!OsTool.VICTORIA_METRICS.available()) {
            throw new IllegalStateException(OsTool.VICTORIA_METRICS.absent("for the history pace benchmark"));
        }
        HistoryPace unthrottled = new HistoryPace();
        unthrottled.setMaxHoldPerStep("0s");
        List<Variant> variants = List.of(new Variant("unthrottled", unthrottled), new Variant("adaptive", null),
                new Variant("cap " + capA, cap(capA)), new Variant("cap " + capB, cap(capB)));

        TimeGrid grid = BenchShape.grid(shape);
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant day = today.minus(Duration.ofDays(1));
        String partition = grid.partitionName("metric", grid.windowContaining(grid.keyOf(day)));
        TestDatabase db = TestDatabase.createWithRealClock("pace_bench");
        System.out.printf("##### history pace, shape %s: database %s; %d samples, %d series, %d writers; %s, load %s%n",
                BenchShape.label(shape), db.name(), samples, seriesCount, writerCount, Instant.now(), loadAverage());
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        WriterProcess writers = null;
        try {
            try (Connection c = db.connect()) {
                BenchShape.create(c, shape);
            }
            db.execute("INSERT INTO noetl.runtime (runtime_id, name, " + BenchShape.registryType(shape) + ", status) "
                    + "SELECT r, 'worker-' || r, 'worker_pool', 'ready' FROM generate_series(1, 10) r");
            for (Instant d : List.of(today, today.plus(Duration.ofDays(1)))) {
                var w = grid.windowContaining(grid.keyOf(d));
                db.execute("CREATE TABLE noetl." + grid.partitionName("metric", w) + " PARTITION OF noetl.metric FOR "
                        + "VALUES FROM (" + BenchShape.keyType(shape).sqlLiteral(w.from()) + ") TO ("
                        + BenchShape.keyType(shape).sqlLiteral(w.to()) + ")");
            }
            long rows = ExportBenchmark.load(db, shape, partition, day, samples, seriesCount);
            DataSource ds = pools.acquire("pace-bench", db.target());
            writers = WriterProcess.start(db, writerCount, WRITE_EVERY_MS);
            System.out.printf("%n%-12s %-7s %9s %10s %7s %7s %7s %7s %6s %8s %6s %6s %10s %-20s %s%n", "pace", "work",
                    "time ms", "per s", "writes", "p50 ms", "p99 ms", "max ms", "failed", "held s", "steps", "forced",
                    "WAL MiB", "idle p50/p99/max ms", "probe: active mean, >2 %, rtt p50/p90 ms (idle | work)");
            int round = 0;
            for (Variant v : variants) {
                for (String work : List.of("export", "rollup")) {
                    round++;
                    reset(db);
                    try (VictoriaMetricsServer vm = VictoriaMetricsServer.start()) {
                        writers.tag(tag(round, 1));
                        Thread.sleep(idleMs);
                        writers.tag(tag(round, 2));
                        long t0 = System.nanoTime();
                        MetricHistoryPass.Outcome h = pass(ds, db, settings(work, v.pace(), vm));
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        writers.tag(0);
                        Optional<Pace.Record> pace = "export".equals(work) ? h.export().flatMap(ExportPass.Outcome::pace)
                                : h.rollups().flatMap(RollupPass.Outcome::pace);
                        long wal = h.rollups().map(r -> r.wal().bytes()).orElse(0L);
                        List<WriterProcess.Window> windows = writers.windows(tag(round, 1), tag(round, 2));
                        WriterProcess.Window idle = windows.get(0);
                        WriterProcess.Window busy = windows.get(1);
                        System.out.printf(Locale.ROOT, "%-12s %-7s %9d %10.0f %7d %7.2f %7.2f %7.1f %6d %8.1f %6d %6d "
                                + "%10.1f %-20s %s | %s%n", v.label(), work, ms, rows * 1000.0 / ms,
                                busy.writes().length, pct(busy.writes(), 0.50), pct(busy.writes(), 0.99),
                                max(busy.writes()), idle.failed() + busy.failed(),
                                pace.map(p -> p.heldTotal().toMillis() / 1000.0).orElse(0.0),
                                pace.map(Pace.Record::steps).orElse(0L), pace.map(Pace.Record::forced).orElse(0L),
                                wal / 1048576.0, String.format(Locale.ROOT, "%.2f/%.2f/%.1f", pct(idle.writes(), 0.50),
                                        pct(idle.writes(), 0.99), max(idle.writes())), probed(idle), probed(busy));
                        if (!h.findings().isEmpty()) {
                            System.out.println("  findings: " + h.findings());
                        }
                    }
                }
            }
            System.out.printf("%nfinished %s, load %s%n", Instant.now(), loadAverage());
        } finally {
            if (writers != null) {
                writers.close();
            }
            pools.release("pace-bench");
            db.close();
        }
    }

    /** The probe's readings of a window: mean active, share above 2, round trip p50/p90 in ms. */
    private static String probed(WriterProcess.Window w) {
        long[] a = w.probeActive();
        long[] r = w.probeRtt();
        if (a.length == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f, %.0f%%, %.2f/%.2f", WriterProcess.mean(a),
                100.0 * Arrays.stream(a).filter(x -> x > 2).count() / a.length, pct(r, 0.50), pct(r, 0.90));
    }

    private static long flag(List<String> flags, String name, long otherwise) {
        return flags.stream().filter(f -> f.startsWith(name + "=")).map(f -> Long.parseLong(f.substring(
                name.length() + 1))).findFirst().orElse(otherwise);
    }

    private static HistoryPace cap(int perSecond) {
        HistoryPace p = new HistoryPace();
        p.setMaxRollupRowsPerSecond(perSecond);
        p.setMaxExportSamplesPerSecond(perSecond);
        return p;
    }

    /** Empties what the last work left (ledgers, tiers, the catalogue) and checkpoints, so each starts alike. */
    private static void reset(TestDatabase db) {
        db.execute("DO $$ DECLARE t text; BEGIN FOREACH t IN ARRAY ARRAY['metric_export_ledger', "
                + "'metric_export_ledger_series', 'metric_rollup_ledger', 'metric_rollup_progress', 'metric_series', "
                + "'metric_rollup_1m', 'metric_rollup_5m', 'metric_rollup_1h'] LOOP IF to_regclass('noetl.' || t) "
                + "IS NOT NULL THEN EXECUTE 'TRUNCATE noetl.' || t || ' CASCADE'; END IF; END LOOP; END $$",
                "CHECKPOINT");
    }

    /** A policy with only the work measured: the export ({@code AckOnly}) or the three tiers. */
    private static MetricPolicySettings settings(String work, HistoryPace pace, VictoriaMetricsServer vm)
            throws Exception {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setRetention("30d");
        spec.setPremake(1);
        if ("export".equals(work)) {
            MetricExport e = new MetricExport(vm.writeUrl().toString());
            e.setVerify(ExportVerify.AckOnly);
            spec.setExport(e);
        } else {
            spec.setRollups(List.of(new RollupTier("1m", "60d"), new RollupTier("5m", "90d"),
                    new RollupTier("1h", "365d")));
        }
        spec.setHistoryPace(pace);
        return MetricPolicySettings.from(spec);
    }

    private static MetricHistoryPass.Outcome pass(DataSource ds, TestDatabase db, MetricPolicySettings settings)
            throws Exception {
        ExportPass.Timing timing = new ExportPass.Timing(5, Duration.ofMillis(500), 1, Duration.ofMillis(500),
                Duration.ofHours(2));
        MaintenancePass.Outcome out = new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()),
                Clock.systemUTC(), Duration.ofSeconds(30)).preceded(new MetricHistoryPass(settings,
                        ExportPass.noSecrets("this pass"), timing)).run(settings, Optional.empty(),
                        UnaryOperator.identity(), Instant.now(), true);
        return MetricHistoryPass.Outcome.of(out);
    }
}
