package io.noetl.lifecycle.partition.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.sql.DataSource;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's connection is killed at random points of a large plan, 20 times. Each time the next pass
 * re-plans from the catalog, as the next reconcile would; afterwards only complete partitions exist, no row is
 * lost, and one more pass finishes the plan.
 */
class InterruptedMaintenanceTest {
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final TimeGrid GRID = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("fault_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void killingTheConnectionMidPlanLeavesOnlyCompletePartitionsAndLosesNoRow() throws Exception {
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        DatabaseTarget target = db.target();
        DataSource ds = pools.acquire("fault", target);
        try (Connection c = ds.getConnection()) {
            // a table keyed on timestamptz (seed 000's example): what is tested is the executor, not the shape
            MetricShape.SEED_EXAMPLE.create(c, METRIC.toString());
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, component_type, status) VALUES (1, 'w', 'worker_pool', 'ready')",
                "CREATE TABLE noetl.metric_default PARTITION OF noetl.metric DEFAULT");
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        // rows for 60 days, all in the default partition: every create of those days is a move
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, created_at) "
                + "SELECT 1, 'cpu', 'gauge', g, timestamptz '2026-01-01 00:00+00' + (g % 1440) * interval '1 hour' "
                + "FROM generate_series(1, 30000) g");
        // anchor the plan 60 days back so those days are gaps to fill
        db.execute("CREATE TABLE noetl.anchor PARTITION OF noetl.metric FOR VALUES FROM ('2025-12-31 00:00+00') "
                + "TO ('2026-01-01 00:00+00')");
        long rows = db.queryLong("SELECT count(*) FROM noetl.metric");
        Instant now = start.plus(Duration.ofDays(60));
        LockPolicy policy = LockPolicy.from(StandaloneConfig.INSTANCE.ddl());
        Random random = new Random(42);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        int interrupted = 0;
        try {
            for (int round = 0; round < 20; round++) {
                Plan plan = plan(ds, now);
                Future<PartitionExecutor.Result> pass = runner.submit(() -> executor(ds, target, policy).apply(plan.actions()));
                Thread.sleep(random.nextInt(120));
                db.queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        + "WHERE application_name = 'noetl-lifecycle-operator' AND datname = current_database()");
                PartitionExecutor.Result result = pass.get();
                if (result.failure().isPresent()) {
                    interrupted++;
                }
                assertCatalogWhole(rows);
            }
        } finally {
            runner.shutdownNow();
        }
        System.out.printf("%d of 20 passes interrupted%n", interrupted);
        assertTrue(interrupted >= 5, "only " + interrupted + " passes were interrupted");

        // one more pass finishes the work and a pass after it has nothing left to do
        PartitionExecutor.Result last = executor(ds, target, policy).apply(plan(ds, now).actions());
        assertTrue(last.failure().isEmpty(), () -> last.failure().toString());
        assertTrue(plan(ds, now).isEmpty());
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_default"));
        assertEquals(rows, db.queryLong("SELECT count(*) FROM noetl.metric"));
        pools.release("fault");
    }

    private static PartitionExecutor executor(DataSource ds, DatabaseTarget target, LockPolicy policy) {
        return new PartitionExecutor(ds, target, new PartitionExecutor.Parent(METRIC, "created_at", KeyType.TIMESTAMPTZ,
                java.util.Optional.of("metric_default")), policy);
    }

    private static Plan plan(DataSource ds, Instant now) throws SQLException {
        PartitionPlanner.Policy policy = PartitionPlanner.Policy.builder().grid(GRID).tableName("metric")
                .now(GRID.keyOf(now)).expireBefore(GRID.keyOf(now.minus(Duration.ofDays(365)))).ahead(30)
                .retentionAction(RetentionAction.Drop).build();
        try (Connection c = ds.getConnection()) {
            TableSnapshot snapshot = CatalogReader.read(c, METRIC);
            Plan first = PartitionPlanner.plan(policy, snapshot);
            return PartitionPlanner.plan(policy, snapshot.withDefaultRowCounts(
                    CatalogReader.countDefaultRows(c, snapshot, first.uncountedRanges())));
        }
    }

    /** Every table named like a partition is attached with all the parent's indexes, and no row went missing. */
    private static void assertCatalogWhole(long rows) {
        assertEquals(rows, db.queryLong("SELECT count(*) FROM noetl.metric"), "rows lost");
        List<String> loose = db.queryStrings("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON "
                + "n.oid = c.relnamespace WHERE n.nspname = 'noetl' AND c.relname LIKE 'metric\\_2026\\_%' "
                + "AND c.relkind = 'r' AND NOT c.relispartition");
        assertEquals(List.of(), loose, "tables left half made");
        long parentIndexes = db.queryLong("SELECT count(*) FROM pg_index WHERE indrelid = 'noetl.metric'::regclass");
        List<String> incomplete = db.queryStrings("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON "
                + "c.oid = i.inhrelid WHERE i.inhparent = 'noetl.metric'::regclass AND (SELECT count(*) FROM pg_index "
                + "x WHERE x.indrelid = c.oid) <> ?", parentIndexes);
        assertEquals(List.of(), incomplete, "partitions without the parent's indexes");
    }
}
