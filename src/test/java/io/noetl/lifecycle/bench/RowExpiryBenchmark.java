package io.noetl.lifecycle.bench;

import static io.noetl.lifecycle.bench.BenchSupport.loadAverage;

import io.noetl.lifecycle.metric.postgres.RowExpirySql;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark, not a test: what NoETL's per-row TTL check costs the executor. {@link RowExpirySql#unexpired} (the
 * statement a retirement runs before the retirement lock: rows of the partition whose {@code expires_at} is after the
 * server's {@code now()}) on one closed daily partition of NoETL's live {@code noetl.metric} ({@link MetricShape#LIVE}:
 * its primary key and five indexes, attached) holding {@code ROWS} rows, in the two cases that matter: (a) no row
 * unexpired, the common case; (b) {@code UNEXPIRED} rows unexpired (their {@code expires_at} pushed a day ahead, as
 * NoETL's {@code set_metric_ttl} does); each without and with an index on {@code expires_at}, whose build time and size
 * are reported. For scale, the partition's existing data proof ({@code max(created_at)} against the retention cutoff,
 * as {@code PartitionExecutor.prove} runs it). Each figure is the median of {@code RUNS} runs after one untimed run,
 * each on the same connection, with the plan of one more run under {@code EXPLAIN (ANALYZE, BUFFERS)}.
 *
 * <p>Run: {@code ./mvnw -B -q test-compile exec:java -Dexec.mainClass=io.noetl.lifecycle.bench.RowExpiryBenchmark
 * -Dexec.classpathScope=test [-Dexec.args="ROWS RUNS UNEXPIRED [keep]"]} (defaults 10000000, 7, 10000).
 */
public final class RowExpiryBenchmark {
    private static final TableName RAW = new TableName("noetl", "metric");
    private static final int SERIES = 400;

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        long unexpired = args.length > 2 ? Long.parseLong(args[2]) : 10_000;
        boolean keep = Arrays.asList(args).contains("keep");
        if (rows % SERIES != 0 || rows % unexpired != 0) {
            throw new IllegalArgumentException("ROWS must be a multiple of " + SERIES + " and of UNEXPIRED");
        }
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant day = today.minus(Duration.ofDays(3)); // closed, every row's default expiry (a day on) long past
        TimeGrid grid = BenchShape.grid(MetricShape.LIVE);
        String partition = grid.partitionName("metric", grid.windowContaining(grid.keyOf(day)));
        String p = RAW.sibling(partition).sql();
        TestDatabase db = TestDatabase.createWithRealClock("expiry_bench");
        System.out.printf("database %s; %s; load %s%n", db.name(), Instant.now(), loadAverage());
        try {
            try (Connection c = db.connect()) {
                BenchShape.create(c, MetricShape.LIVE);
            }
            db.execute("INSERT INTO noetl.runtime (runtime_id, name, kind, status) SELECT r, 'worker-' || r, "
                    + "'worker_pool', 'ready' FROM generate_series(1, 10) r");
            load(db, p, day, rows);

            try (Connection c = db.connect()) {
                String expires = MetricShape.columns(c, RAW, ZoneOffset.UTC).expiresAtSql("").orElseThrow();
                String cutoff = "((now() - interval '30 days') AT TIME ZONE 'Z')";
                String proofSql = "SELECT 0, max(created_at)::text, coalesce(max(created_at) >= " + cutoff
                        + ", false), (" + cutoff + ")::text FROM ONLY " + p;
                String checkSql = "SELECT 0 AS i, count(*) AS n, max(" + expires + ") AS last FROM ONLY " + p
                        + " WHERE " + expires + " > now()";
                List<String> table = new ArrayList<>();
                System.out.printf("%nmeasurements (median of %d runs after one untimed; ms):%n", runs);

                table.add(measure(c, "data proof max(created_at) (index on created_at)", runs, proofSql, () -> {
                    query(c, proofSql);
                    return -1;
                }, -1));
                table.add(measure(c, "(a) none unexpired, no index on expires_at", runs, checkSql,
                        () -> check(c, partition, expires), 0));

                long t0 = System.nanoTime();
                long updated = update(c, "UPDATE " + p + " SET expires_at = now() + interval '1 day' WHERE metric_id % "
                        + rows / unexpired + " = 0");
                vacuum(c, p);
                System.out.printf("  %,d rows given an expiry a day ahead, VACUUM ANALYZE: %,d ms%n", updated,
                        (System.nanoTime() - t0) / 1_000_000);
                table.add(measure(c, "(b) " + updated + " unexpired, no index on expires_at", runs, checkSql,
                        () -> check(c, partition, expires), updated));

                String before = loadAverage();
                t0 = System.nanoTime();
                try (Statement s = c.createStatement()) {
                    s.execute("SET maintenance_work_mem = '512MB'");
                    s.execute("CREATE INDEX bench_expires_at ON " + p + " (expires_at)");
                    s.execute("RESET maintenance_work_mem");
                }
                long buildMs = (System.nanoTime() - t0) / 1_000_000;
                String size = query(c, "SELECT pg_size_pretty(pg_relation_size('noetl.bench_expires_at'))");
                table.add(String.format(Locale.ROOT, "| CREATE INDEX ON <partition> (expires_at) | %,d ms (one build, "
                        + "maintenance_work_mem 512MB) | | size %s | load %s -> %s |", buildMs, size, before,
                        loadAverage()));
                vacuum(c, p);
                table.add(measure(c, "(b) " + updated + " unexpired, index on expires_at", runs, checkSql,
                        () -> check(c, partition, expires), updated));

                t0 = System.nanoTime();
                long back = update(c, "UPDATE " + p + " SET expires_at = (created_at AT TIME ZONE 'Z') + interval "
                        + "'1 day' WHERE expires_at > now()");
                vacuum(c, p);
                System.out.printf("  %,d rows expired again, VACUUM ANALYZE: %,d ms%n", back,
                        (System.nanoTime() - t0) / 1_000_000);
                table.add(measure(c, "(a) none unexpired, index on expires_at", runs, checkSql,
                        () -> check(c, partition, expires), 0));

                System.out.printf("%n== %,d rows in %s (heap %s, indexes %s with the expires_at index) ==%n", rows,
                        partition, query(c, "SELECT pg_size_pretty(pg_relation_size('" + p + "'))"),
                        query(c, "SELECT pg_size_pretty(pg_indexes_size('" + p + "'))"));
                System.out.println("| case | median ms | runs ms | rows found | load avg before -> after |");
                table.forEach(System.out::println);
            }
            System.out.printf("%nfinished %s; load %s%n", Instant.now(), loadAverage());
        } finally {
            if (!keep) {
                db.close();
            } else {
                System.out.printf("kept database %s%n", db.name());
            }
        }
    }

    @FunctionalInterface
    private interface Run {
        long run() throws SQLException;
    }

    /** The executor's call: rows of the partition unexpired (0 when none). */
    private static long check(Connection c, String partition, String expires) throws SQLException {
        Map<String, RowExpirySql.Unexpired> found = RowExpirySql.unexpired(c, RAW, List.of(partition), expires);
        return found.isEmpty() ? 0 : found.get(partition).rows();
    }

    private static String measure(Connection c, String name, int runs, String sql, Run run, long expected)
            throws SQLException {
        String before = loadAverage();
        long found = run.run(); // untimed
        if (expected >= 0 && found != expected) {
            throw new IllegalStateException(name + ": found " + found + " rows, not " + expected);
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            run.run();
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        double median = sorted.get(sorted.size() / 2);
        System.out.printf("  %-55s median %9.2f ms  %s%n", name, median, BenchSupport.fmt(ms));
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql)) {
            while (rs.next()) {
                System.out.println("      " + rs.getString(1));
            }
        }
        return String.format(Locale.ROOT, "| %s | %.2f | %s | %s | %s -> %s |", name, median, BenchSupport.fmt(ms),
                expected < 0 ? "" : Long.toString(found), before, loadAverage());
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(rs.getMetaData().getColumnCount() > 1 ? 2 : 1);
        }
    }

    private static long update(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        }
    }

    private static void vacuum(Connection c, String p) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("VACUUM (ANALYZE) " + p);
            s.execute("CHECKPOINT");
        }
    }

    /**
     * {@code rows} rows of NoETL's live shape for one day (400 series, each sampled evenly over the day): a standalone
     * table LIKE noetl.metric filled by one INSERT ... SELECT generate_series, the primary key and NoETL's five
     * indexes built, ATTACH (bounds proven by a CHECK first), VACUUM ANALYZE, CHECKPOINT. {@code created_at} is the
     * sample's UTC wall clock, {@code expires_at} a day after the sample (long past).
     */
    private static void load(TestDatabase db, String p, Instant day, long rows) throws SQLException {
        long perSeries = rows / SERIES;
        double every = 86_400.0 / perSeries;
        String from = "'" + day + "'::timestamptz";
        String lo = BenchShape.bound(MetricShape.LIVE, day);
        String hi = BenchShape.bound(MetricShape.LIVE, day.plus(Duration.ofDays(1)));
        List<String[]> steps = new ArrayList<>();
        steps.add(new String[] {"series", "CREATE TABLE bench_series AS SELECT s AS id, "
            + "(ARRAY['noetl_job_duration_seconds', 'noetl_queue_depth', 'noetl_worker_memory_bytes', "
            + "'noetl_task_latency_seconds', 'noetl_jobs_completed_total', 'noetl_tasks_failed_total', "
            + "'noetl_events_processed_total', 'noetl_http_requests_total'])[s % 8 + 1] AS metric_name, "
            + "CASE WHEN s % 8 < 4 THEN 'gauge' ELSE 'counter' END AS metric_type, 1 + (s / 8) % 10 AS runtime_id, "
            + "jsonb_build_object('playbook', 'pb-' || lpad(((s / 8) % 50)::text, 2, '0'), 'step', "
            + "(ARRAY['extract', 'transform', 'load', 'notify'])[(s / 8) % 4 + 1], 'queue', "
            + "(ARRAY['default', 'priority', 'batch'])[(s / 8) % 3 + 1]) AS labels, "
            + "(s * 7919 % " + (long) Math.max(1, (every - 0.5) * 1000) + ") / 1000.0 AS phase_s "
            + "FROM generate_series(0, " + (SERIES - 1) + ") s"});
        steps.add(new String[] {"standalone table", "CREATE TABLE " + p
            + " (LIKE noetl.metric INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"});
        steps.add(new String[] {"rows (INSERT ... SELECT generate_series)", "INSERT INTO " + p + " (metric_id, "
            + "runtime_id, metric_name, metric_type, metric_value, labels, created_at, expires_at) "
            + "SELECT i::bigint * " + SERIES + " + s.id + 1, s.runtime_id, s.metric_name, s.metric_type, "
            + "random() * 100, s.labels, t AT TIME ZONE 'UTC', t + interval '1 day' FROM generate_series(0, "
            + (perSeries - 1) + ") i CROSS JOIN bench_series s CROSS JOIN LATERAL (SELECT " + from + " + (i * "
            + every + " + s.phase_s + random() * 0.4) * interval '1 second' AS t) x"});
        steps.addAll(BenchSupport.attachSteps(p, lo, hi, BenchShape.indexes(MetricShape.LIVE)));
        System.out.printf("loading %,d rows (%d series x %,d, every %.3f s) into %s:%n", rows, SERIES, perSeries, every,
                p);
        long all = System.nanoTime();
        BenchSupport.runSteps(db, steps);
        long n = db.queryLong("SELECT count(*) FROM ONLY " + p);
        if (n != rows) {
            throw new IllegalStateException(n + " rows loaded, not " + rows);
        }
        System.out.printf("  %,d rows in %d s; load %s%n", n, (System.nanoTime() - all) / 1_000_000_000,
                loadAverage());
    }
}
