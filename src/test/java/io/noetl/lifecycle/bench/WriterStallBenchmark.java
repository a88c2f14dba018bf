package io.noetl.lifecycle.bench;

import javax.sql.DataSource;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load benchmark, not a test (loopback only, bounded in time and count): 4 writers insert into noetl.metric at
 * a fixed rate; a reader holds a transaction on the parent for 20 s; maintenance that must drop expired
 * partitions starts 1 s into the reader's transaction. Run four ways — no reader (baseline), plain DDL,
 * plain {@code lock_timeout = 100ms} with retries, and the operator's executor — and report the writers'
 * latencies, failed writes and when maintenance finished relative to the reader's end.
 *
 * <p>Run: {@code ./mvnw -B test-compile exec:java -Dexec.mainClass=io.noetl.lifecycle.bench.WriterStallBenchmark
 * -Dexec.classpathScope=test [-Dexec.args="READER_SECONDS"]}
 */
public final class WriterStallBenchmark {
    /** The operator's data proof for retention 1d (PartitionExecutor.proving). */
    private static final Optional<String> PROOF = MetricPolicySettings.builder().retention(Duration.ofDays(1))
            .build().retentionCutoffSql(KeyType.TIMESTAMPTZ);
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final int WRITERS = 4;
    private static final long WRITE_EVERY_MS = 20;
    private static final TimeGrid GRID = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);

    enum Mode {
        BASELINE, PLAIN_DDL, LOCK_TIMEOUT_RETRY, OPERATOR
    }

    public static void main(String[] args) throws Exception {
        int readerSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("%d writers, one insert each per %d ms; reader holds the parent for %d s; "
                + "maintenance drops 9 expired partitions%n", WRITERS, WRITE_EVERY_MS, readerSeconds);
        System.out.printf("%-20s %7s %7s %8s %8s %8s %8s %s%n", "mode", "writes", "failed", "p50 ms", "p99 ms",
                "max ms", ">100ms", "maintenance done (s after reader end)");
        for (Mode mode : Mode.values()) {
            run(mode, readerSeconds);
        }
    }

    private static void run(Mode mode, int readerSeconds) throws Exception {
        try (TestDatabase db = TestDatabase.createWithRealClock("stall_" + mode.name().toLowerCase())) {
            Instant now = Instant.now();
            try (Connection c = db.connect()) {
                MetricSchema.ensureMetricTable(c, METRIC);
            }
            db.execute("INSERT INTO noetl.runtime (runtime_id, name, component_type, status) "
                    + "VALUES (1, 'w', 'worker_pool', 'ready')");
            DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
            DatabaseTarget target = db.target();
            DataSource ds = pools.acquire("bench", target);
            LockPolicy policy = LockPolicy.from(StandaloneConfig.INSTANCE.ddl());
            // the past 10 days, today and tomorrow exist; with 1 day of retention 9 of them have expired
            Plan setup = plan(ds, now.minus(Duration.ofDays(10)), 11, Duration.ofDays(400));
            new PartitionExecutor(ds, target, new PartitionExecutor.Parent(METRIC, "created_at", KeyType.TIMESTAMPTZ,
                Optional.empty()), policy)
                    .apply(setup.actions());
            Plan retire = plan(ds, now, 1, Duration.ofDays(1));

            long start = System.nanoTime();
            long readerEnd = start + 1_000_000_000L + readerSeconds * 1_000_000_000L;
            long stopAt = readerEnd + 3_000_000_000L;
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            AtomicLong failed = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Thread t = new Thread(() -> write(db, stopAt, latencies, failed));
                t.start();
                threads.add(t);
            }
            Thread reader = null;
            if (mode != Mode.BASELINE) {
                reader = new Thread(() -> holdParent(db, start + 1_000_000_000L, readerEnd));
                reader.start();
            }
            BenchSupport.sleepUntil(start + 2_000_000_000L);
            long done = maintain(mode, ds, target, policy, retire, db);
            for (Thread t : threads) {
                t.join();
            }
            if (reader != null) {
                reader.join();
            }
            pools.release("bench");
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            long slow = sorted.stream().filter(l -> l > 100_000).count();
            System.out.printf("%-20s %7d %7d %8.2f %8.2f %8.2f %8d %+.1f%n", mode, sorted.size(), failed.get(),
                    pct(sorted, 0.50), pct(sorted, 0.99), sorted.get(sorted.size() - 1) / 1000.0, slow,
                    mode == Mode.BASELINE ? 0.0 : (done - readerEnd) / 1e9);
        }
    }

    /** Runs the retirement the given way; returns when it finished (nanoTime). */
    private static long maintain(Mode mode, DataSource ds, DatabaseTarget target, LockPolicy policy, Plan retire,
            TestDatabase db) throws SQLException, InterruptedException {
        List<String> drops = retire.actions().stream().map(a -> "DROP TABLE noetl." + a.partition()).toList();
        switch (mode) {
            case BASELINE, OPERATOR -> {
                // as the operator retires: each batch proves from the data that nothing is within retention
                PartitionExecutor.Result r = new PartitionExecutor(ds, target, new PartitionExecutor.Parent(METRIC, "created_at", KeyType.TIMESTAMPTZ,
                Optional.empty()), policy).proving(PROOF).apply(retire.actions());
                if (r.failure().isPresent()) {
                    throw new IllegalStateException(r.failure().toString());
                }
            }
            case PLAIN_DDL -> {
                try (Connection c = db.connect(); Statement s = c.createStatement()) {
                    for (String drop : drops) {
                        s.execute(drop);
                    }
                }
            }
            case LOCK_TIMEOUT_RETRY -> {
                try (Connection c = db.connect(); Statement s = c.createStatement()) {
                    s.execute("SET lock_timeout = '100ms'");
                    for (String drop : drops) {
                        while (true) {
                            try {
                                s.execute(drop);
                                break;
                            } catch (SQLException e) {
                                Thread.sleep(50);
                            }
                        }
                    }
                }
            }
        }
        return System.nanoTime();
    }

    private static Plan plan(DataSource ds, Instant now, int ahead, Duration retention) throws SQLException {
        TableSnapshot snapshot;
        try (Connection c = ds.getConnection()) {
            snapshot = CatalogReader.read(c, METRIC);
        }
        return PartitionPlanner.plan(PartitionPlanner.Policy.builder().grid(GRID).tableName("metric")
                .now(GRID.keyOf(now)).expireBefore(GRID.keyOf(now.minus(retention))).ahead(ahead)
                .retentionAction(RetentionAction.Drop).build(), snapshot);
    }

    private static void write(TestDatabase db, long stopAt, List<Long> latencies, AtomicLong failed) {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value) "
                        + "VALUES (1, 'cpu', 'gauge', 1)")) {
            long next = System.nanoTime();
            for (int i = 0; i < 100_000 && System.nanoTime() < stopAt; i++) {
                BenchSupport.sleepUntil(next);
                long t0 = System.nanoTime();
                try {
                    ps.executeUpdate();
                    latencies.add((System.nanoTime() - t0) / 1000);
                } catch (SQLException e) {
                    failed.incrementAndGet();
                }
                next += WRITE_EVERY_MS * 1_000_000L;
            }
        } catch (SQLException e) {
            failed.incrementAndGet();
        }
    }

    private static void holdParent(TestDatabase db, long from, long until) {
        BenchSupport.sleepUntil(from);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SELECT count(*) FROM noetl.metric");
            BenchSupport.sleepUntil(until);
            c.rollback();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double pct(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1000.0;
    }
}
