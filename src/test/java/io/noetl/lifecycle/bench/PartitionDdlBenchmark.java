package io.noetl.lifecycle.bench;

import javax.sql.DataSource;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
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
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Benchmark, not a test: 365 daily partitions created ahead, then 364 expired ones dropped, through the
 * operator's planner and executor with its default settings (lock_timeout, batches of 16 actions per
 * transaction, creates and drops never in one transaction), against the floor: the
 * same partitions created with plain {@code CREATE TABLE ... PARTITION OF} and dropped with {@code DROP TABLE},
 * each statement sent on its own, all in one transaction. Each round uses a fresh database holding the seed's
 * metric table (with its six indexes); operator and raw rounds alternate.
 *
 * <p>Run: {@code ./mvnw -B test-compile exec:java -Dexec.mainClass=io.noetl.lifecycle.bench.PartitionDdlBenchmark
 * -Dexec.classpathScope=test [-Dexec.args=ROUNDS]}
 */
public final class PartitionDdlBenchmark {
    /** The operator's data proof for retention 1d (PartitionExecutor.proving). */
    private static final Optional<String> PROOF = MetricPolicySettings.builder().retention(Duration.ofDays(1))
            .build().retentionCutoffSql(KeyType.TIMESTAMPTZ);
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final Instant DAY0 = Instant.parse("2027-01-01T00:00:00Z");
    private static final int CREATES = 365;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        List<long[]> operator = new ArrayList<>();
        List<long[]> raw = new ArrayList<>();
        runOperator(); // warm-up: class loading, JIT, first pool
        runRaw();
        for (int i = 0; i < rounds; i++) {
            operator.add(runOperator());
            raw.add(runRaw());
        }
        long opTotal = median(operator.stream().map(r -> r[0] + r[1]).toList());
        long rawTotal = median(raw.stream().map(r -> r[0] + r[1]).toList());
        System.out.printf("rounds: %d (after one warm-up round each)%n", rounds);
        System.out.printf("operator, creates (365):                       median %d ms%n",
                median(operator.stream().map(r -> r[0]).toList()));
        System.out.printf("operator, drops (364):                         median %d ms%n",
                median(operator.stream().map(r -> r[1]).toList()));
        System.out.printf("operator, total:                               median %d ms%n", opTotal);
        System.out.printf("raw floor, creates:                            median %d ms%n",
                median(raw.stream().map(r -> r[0]).toList()));
        System.out.printf("raw floor, drops:                              median %d ms%n",
                median(raw.stream().map(r -> r[1]).toList()));
        System.out.printf("raw floor, one transaction in all:             median %d ms%n", rawTotal);
        System.out.printf("ratio operator / raw floor:                    %.2f%n", (double) opTotal / rawTotal);
    }

    /** Returns {create ms, drop ms}. */
    private static long[] runOperator() throws Exception {
        try (TestDatabase db = TestDatabase.createWithRealClock("bench_op")) {
            seed(db);
            DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
            DatabaseTarget target = db.target();
            try {
                DataSource ds = pools.acquire("bench", target);
                LockPolicy locks = LockPolicy.from(StandaloneConfig.INSTANCE.ddl());

                long t0 = System.nanoTime();
                Plan creates = plan(ds, DAY0, CREATES - 1, Duration.ofDays(1));
                PartitionExecutor.Result created = new PartitionExecutor(ds, target, new PartitionExecutor.Parent(METRIC, "created_at", KeyType.TIMESTAMPTZ,
                Optional.empty()), locks).apply(creates.actions());
                long t1 = System.nanoTime();
                check(created, CREATES);

                Instant later = DAY0.plus(Duration.ofDays(CREATES));
                Plan retention = plan(ds, later, 0, Duration.ofDays(1));
                List<PlannedAction> drops = retention.actions().stream()
                        .filter(a -> a instanceof PlannedAction.DropPartition).toList();
                // as the operator retires: each batch proves from the data that nothing is within retention
                PartitionExecutor.Result dropped = new PartitionExecutor(ds, target, new PartitionExecutor.Parent(METRIC, "created_at", KeyType.TIMESTAMPTZ,
                Optional.empty()), locks).proving(PROOF).apply(drops);
                long t2 = System.nanoTime();
                check(dropped, CREATES - 1);
                return new long[] {(t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000};
            } finally {
                pools.release("bench");
            }
        }
    }

    private static Plan plan(DataSource ds, Instant now, int premake, Duration retention) throws SQLException {
        TableSnapshot snapshot;
        try (Connection c = ds.getConnection()) {
            snapshot = CatalogReader.read(c, METRIC);
        }
        TimeGrid grid = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
        return PartitionPlanner.plan(PartitionPlanner.Policy.builder().grid(grid).tableName("metric")
                .now(grid.keyOf(now)).expireBefore(grid.keyOf(now.minus(retention))).ahead(premake)
                .retentionAction(RetentionAction.Drop).build(), snapshot);
    }

    /** Returns {create ms, drop ms}, both inside the one transaction. */
    private static long[] runRaw() throws Exception {
        try (TestDatabase db = TestDatabase.createWithRealClock("bench_raw")) {
            seed(db);
            TimeGrid grid = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                long t0 = System.nanoTime();
                c.setAutoCommit(false);
                var w = grid.windowContaining(grid.keyOf(DAY0));
                List<String> names = new ArrayList<>();
                for (int i = 0; i < CREATES; i++, w = grid.next(w)) {
                    String name = grid.partitionName("metric", w);
                    names.add(name);
                    s.execute("CREATE TABLE noetl." + name + " PARTITION OF noetl.metric FOR VALUES FROM ("
                            + KeyType.TIMESTAMPTZ.sqlLiteral(w.from()) + ") TO ("
                            + KeyType.TIMESTAMPTZ.sqlLiteral(w.to()) + ")");
                }
                long t1 = System.nanoTime();
                for (String name : names.subList(0, CREATES - 1)) {
                    s.execute("DROP TABLE noetl." + name);
                }
                c.commit();
                long t2 = System.nanoTime();
                return new long[] {(t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000};
            }
        }
    }

    private static void seed(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            MetricSchema.ensureMetricTable(c, METRIC);
        }
    }

    private static void check(PartitionExecutor.Result result, int expected) {
        if (result.failure().isPresent() || result.applied().size() != expected) {
            throw new IllegalStateException("expected " + expected + " actions, applied " + result.applied().size()
                    + ", failure " + result.failure());
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
