package io.noetl.lifecycle.bench;

import static io.noetl.lifecycle.bench.BenchSupport.loadAverage;
import static io.noetl.lifecycle.bench.BenchSupport.median;

import io.noetl.lifecycle.metric.postgres.ExportSql;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.metric.postgres.RollupSql;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.PgBouncerServer;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * The export's read and the rollup, directly and through a real PgBouncer in transaction pooling, in one run on one
 * database (issue 22). Usage: {@code PoolerBenchmark [SAMPLES [SERIES [ROUNDS]]]} (default 1,000,000 400 3).
 *
 * <p>One day of samples is loaded as ExportBenchmark loads it (a partition of the seed's metric table, with the rollup
 * tiers of RollupBenchmark). Each round runs, in an order that alternates between rounds, every case below once and
 * prints its wall time; the medians end the run. Cases:
 * <ul>
 * <li>{@code export read}: ExportSql.read of the partition, rows discarded (stage 1 of ExportBenchmark's profile), on
 * the operator's pool (DatabasePools: prepareThreshold=0, no statement cache; the read's own statement named, binary
 * results, closed in its transaction). {@code text results} is the same with {@code binaryTransfer=false} on the
 * URL: the driver decodes text, which is what the read would cost with the pools' prepareThreshold=0 applied to it
 * too (its one named Parse per read stays, a round trip, not per row).</li>
 * <li>{@code rollup}: RollupSql.rollUp of the partition into the three tiers on a pool's connection, the tiers, ledger
 * and catalogue emptied (and a CHECKPOINT) before each; {@code rollup, default driver} is the same on a plain
 * connection with pgJDBC's defaults (prepareThreshold 5, statement cache on), the setting before issue 22, directly
 * only: through PgBouncer its second run fails ({@code prepared statement "S_1" already exists}).</li>
 * </ul>
 * No writers run alongside (unlike ExportBenchmark and RollupBenchmark): the question here is what PgBouncer and
 * prepareThreshold=0 add, not how the work shares the machine.
 */
public final class PoolerBenchmark {
    private static final TableName RAW = new TableName("noetl", "metric");
    private static final TimeGrid GRID = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);

    private PoolerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long samples = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int seriesCount = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        if (!OsTool.PGBOUNCER.available()) {
            throw new IllegalStateException(OsTool.PGBOUNCER.absent("for the pooler benchmark"));
        }
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant day = today.minus(Duration.ofDays(1));
        String partition = GRID.partitionName("metric", GRID.windowContaining(GRID.keyOf(day)));
        TestDatabase db = TestDatabase.createWithRealClock("pooler_bench");
        System.out.printf("database %s; %s; load %s; JVM %s; %d cores%n", db.name(), Instant.now(), loadAverage(),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        try (PgBouncerServer pgbouncer = PgBouncerServer.start()) {
            RollupBenchmark.setUp(db, io.noetl.lifecycle.support.MetricShape.LIVE, day, today);
            long rows = ExportBenchmark.load(db, io.noetl.lifecycle.support.MetricShape.LIVE, partition, day, samples,
                    seriesCount);
            if (rows != samples) {
                throw new IllegalStateException(rows + " rows loaded, not " + samples);
            }
            String through = pgbouncer.url(db.name());
            Map<String, DataSource> pool = new LinkedHashMap<>();
            pool.put("direct", pools.acquire("direct", db.target()));
            pool.put("PgBouncer", pools.acquire("pgbouncer", new DatabaseTarget(through, TestDatabase.USER,
                    TestDatabase.PASSWORD)));
            pool.put("direct, text results", pools.acquire("direct-text", new DatabaseTarget(db.url()
                    + "?binaryTransfer=false", TestDatabase.USER, TestDatabase.PASSWORD)));
            pool.put("PgBouncer, text results", pools.acquire("pgbouncer-text", new DatabaseTarget(through
                    + "?binaryTransfer=false", TestDatabase.USER, TestDatabase.PASSWORD)));
            List<String> cases = new ArrayList<>();
            pool.keySet().forEach(k -> cases.add("export read, " + k));
            // not "rollup, PgBouncer, default driver": its second run fails with prepared statement "S_1" already
            // exists (the first one's named statement stays on PgBouncer's server connection), issue 22 itself
            cases.addAll(List.of("rollup, direct", "rollup, PgBouncer", "rollup, direct, default driver"));
            Map<String, List<Long>> ms = new LinkedHashMap<>();
            cases.forEach(c -> ms.put(c, new ArrayList<>()));
            // warm-up: one of each, untimed
            for (String c : cases) {
                run(c, pool, db, through, partition, day, today);
            }
            for (int r = 1; r <= rounds; r++) {
                List<String> order = new ArrayList<>(cases);
                if (r % 2 == 0) {
                    java.util.Collections.reverse(order);
                }
                for (String c : order) {
                    long t = run(c, pool, db, through, partition, day, today);
                    ms.get(c).add(t);
                    System.out.printf("round %d  %-36s %7d ms  %9.0f samples/s  load %s%n", r, c, t,
                            samples * 1000.0 / t, loadAverage());
                }
            }
            System.out.printf("%nmedians of %d rounds, %,d samples, %d series:%n", rounds, samples, seriesCount);
            for (String c : cases) {
                long m = median(ms.get(c));
                System.out.printf("  %-36s %7d ms  %9.0f samples/s  rounds %s%n", c, m, samples * 1000.0 / m,
                        ms.get(c));
            }
        } finally {
            List.of("direct", "pgbouncer", "direct-text", "pgbouncer-text").forEach(pools::release);
            db.close();
        }
    }

    /** One case, timed: its wall time in ms. */
    private static long run(String c, Map<String, DataSource> pool, TestDatabase db, String through, String partition,
            Instant day, Instant today) throws Exception {
        if (c.startsWith("export read, ")) {
            DataSource ds = pool.get(c.substring("export read, ".length()));
            long[] seen = {0};
            long t0 = System.nanoTime();
            try (Connection conn = ds.getConnection()) {
                ExportSql.<Exception>read(conn, new ExportSql.Source(RAW.sibling(partition), Optional.of(
                        MetricSchema.REGISTRY), io.noetl.lifecycle.support.MetricShape.columns(conn, RAW,
                                java.time.ZoneOffset.UTC)), ExportSql.Cursor.fromStart(10_000), row -> {
                            seen[0]++;
                            return true;
                        });
            }
            long t = (System.nanoTime() - t0) / 1_000_000;
            if (seen[0] == 0) {
                throw new IllegalStateException(c + " read nothing");
            }
            return t;
        }
        RollupBenchmark.prepare(db);
        boolean pgbouncer = c.contains("PgBouncer");
        long t0 = System.nanoTime();
        try (Connection conn = c.endsWith("default driver") ? plain(pgbouncer ? through : db.url())
                : pool.get(pgbouncer ? "PgBouncer" : "direct").getConnection()) {
            RollupSql.Rolled rolled = RollupSql.rollUp(conn, RollupBenchmark.TABLES, new RollupSql.RawPartition(
                    partition, day, today, io.noetl.lifecycle.support.MetricShape.columns(conn, RAW,
                            java.time.ZoneOffset.UTC)), RollupBenchmark.TIERS);
            if (rolled.tiers().size() != RollupBenchmark.TIERS.size()) {
                throw new IllegalStateException("rolled into " + rolled.tiers());
            }
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** A connection with pgJDBC's defaults (prepareThreshold 5, statement cache on), as before issue 22. */
    private static Connection plain(String url) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", TestDatabase.USER);
        p.setProperty("password", TestDatabase.PASSWORD);
        return DriverManager.getConnection(url, p);
    }
}
