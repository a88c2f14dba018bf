package io.noetl.lifecycle.partition.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.sql.DataSource;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DropPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction;
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
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The catalog reader and the executor on a real PostgreSQL, including the lock facts they rely on. */
class PartitionExecutorTest {
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final TimeGrid GRID = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
    private static final LockPolicy FAST_GIVE_UP = new LockPolicy(Duration.ofMillis(100), 2, Duration.ofMillis(20),
            Duration.ofSeconds(30), false, 16, Duration.ofSeconds(1), Duration.ofMillis(50));
    private static TestDatabase db;
    private static DatabasePools pools;
    private static DatabaseTarget target;
    private DataSource ds;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("executor_it");
        target = db.target();
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void seed() throws SQLException {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "DROP SCHEMA IF EXISTS archive CASCADE",
                "DROP SCHEMA IF EXISTS elsewhere CASCADE");
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("test", target);
        try (Connection c = ds.getConnection()) {
            // a table keyed on timestamptz (seed 000's example): what is tested is the executor, not the shape
            MetricShape.SEED_EXAMPLE.create(c, METRIC.toString());
            try (java.sql.Statement s = c.createStatement()) {
                SeedSchema.ensurePartitionView(s, METRIC, "timestamptz", null);
            }
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, component_type, status) VALUES (1, 'w', 'worker_pool', 'ready')");
    }

    @AfterEach
    void closePool() {
        pools.release("test");
    }

    private TableSnapshot snapshot() throws SQLException {
        try (Connection c = ds.getConnection()) {
            return CatalogReader.read(c, METRIC);
        }
    }

    private Plan plan(String now, int premake, Duration retention) throws SQLException {
        Instant n = Instant.parse(now);
        return PartitionPlanner.plan(PartitionPlanner.Policy.builder().grid(GRID).tableName("metric")
                .now(GRID.keyOf(n)).expireBefore(GRID.keyOf(n.minus(retention))).ahead(premake)
                .retentionAction(RetentionAction.Drop).build(), snapshot());
    }

    private PartitionExecutor executor(LockPolicy policy) {
        return new PartitionExecutor(ds, target, new PartitionExecutor.Parent(METRIC, "created_at", KeyType.TIMESTAMPTZ,
                java.util.Optional.empty()), policy);
    }

    private PartitionExecutor.Result apply(List<PlannedAction> actions) {
        return executor(FAST_GIVE_UP).apply(actions);
    }

    @Test
    void snapshotReadsBoundsAsValuesWhateverThePartitionsAreCalled() throws SQLException {
        db.execute("CREATE TABLE noetl.weird_name PARTITION OF noetl.metric FOR VALUES FROM ('2026-11-21 05:30+05:30') "
                + "TO ('2026-11-22 00:00+00')", "CREATE TABLE noetl.rest PARTITION OF noetl.metric FOR VALUES FROM "
                + "('2026-12-01') TO (MAXVALUE)", "CREATE TABLE noetl.metric_default PARTITION OF noetl.metric DEFAULT",
                "INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, created_at) "
                        + "VALUES (1, 'x', 'gauge', 1, '2026-01-01')");
        // the session zone of whoever reads must not shift the bounds
        TableSnapshot s = snapshot();
        assertEquals("created_at", s.keyColumn());
        assertEquals(KeyType.TIMESTAMPTZ, s.keyType());
        KeyRange weird = s.partitions().stream().filter(p -> p.name().equals("weird_name")).findFirst().orElseThrow()
                .range();
        assertEquals(GRID.keyOf(Instant.parse("2026-11-21T00:00:00Z")), weird.from());
        assertEquals(GRID.keyOf(Instant.parse("2026-11-22T00:00:00Z")), weird.to());
        KeyRange rest = s.partitions().stream().filter(p -> p.name().equals("rest")).findFirst().orElseThrow().range();
        assertEquals(null, rest.to());
        assertEquals("metric_default", s.defaultPartition().orElseThrow().name());
        assertEquals(1, s.defaultRows());
        assertTrue(s.relationNames().contains("metric_partitions"));
    }

    @Test
    void createsPartitionsThatTakeRowsAndCarryTheParentsIndexes() throws SQLException {
        PartitionExecutor.Result r = apply(plan("2026-11-21T10:00:00Z", 2, Duration.ofDays(1)).actions());
        assertTrue(r.failure().isEmpty(), () -> r.failure().toString());
        assertEquals(List.of("metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"), db.partitions("noetl.metric"));
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, created_at) "
                + "VALUES (1, 'x', 'gauge', 1, '2026-11-22 23:59:59.999999+00')");
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_22"));
        assertEquals(db.queryLong("SELECT count(*) FROM pg_indexes WHERE tablename = 'metric'"),
                db.queryLong("SELECT count(*) FROM pg_indexes WHERE tablename = 'metric_2026_11_22'"));
        // a second pass finds nothing to do
        assertTrue(plan("2026-11-21T10:00:00Z", 2, Duration.ofDays(1)).isEmpty());
    }

    @Test
    void attachDoesNotWaitForAReaderOfTheParentButDropDoesAndGivesUpInTime() throws Exception {
        apply(plan("2026-11-21T10:00:00Z", 0, Duration.ofDays(1)).actions());
        try (Connection reader = db.connect(); Statement s = reader.createStatement()) {
            reader.setAutoCommit(false);
            s.execute("SELECT count(*) FROM noetl.metric");
            // CREATE TABLE ... PARTITION OF would queue for ACCESS EXCLUSIVE here; LIKE + ATTACH does not
            PartitionExecutor.Result created = apply(plan("2026-11-21T10:00:00Z", 1, Duration.ofDays(1)).actions());
            assertTrue(created.failure().isEmpty(), () -> created.failure().toString());
            assertEquals(2, db.partitions("noetl.metric").size());

            // retiring needs ACCESS EXCLUSIVE on the parent: it waits without queueing while the reader's
            // transaction is open, then gives up naming the holder
            long t0 = System.nanoTime();
            PartitionExecutor.Result dropped = apply(plan("2026-11-24T10:00:00Z", 0, Duration.ofDays(1)).actions()
                    .stream().filter(a -> a instanceof DropPartition).toList());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("LockTimeout", dropped.failure().orElseThrow().cause().reason().code());
            assertTrue(dropped.failure().get().cause().message().contains("ACCESS SHARE on noetl.metric"),
                    dropped.failure().get().cause().message());
            assertTrue(ms >= 1_000 && ms < 5_000, "gave up after " + ms + " ms");
            assertEquals(2, db.partitions("noetl.metric").size());
            reader.rollback();
        }
    }

    @Test
    void aPartitionReplacedSinceTheSnapshotIsNotDropped() throws SQLException {
        apply(plan("2026-11-21T10:00:00Z", 0, Duration.ofDays(1)).actions());
        Plan retire = plan("2026-11-24T10:00:00Z", 0, Duration.ofDays(1));
        // someone swaps the partition for another table of the same name holding other days
        db.execute("ALTER TABLE noetl.metric DETACH PARTITION noetl.metric_2026_11_21",
                "ALTER TABLE noetl.metric_2026_11_21 RENAME TO kept",
                "CREATE TABLE noetl.metric_2026_11_21 PARTITION OF noetl.metric FOR VALUES FROM ('2026-11-25') TO ('2026-11-26')");
        PartitionExecutor.Result r = apply(retire.actions().stream().filter(a -> a instanceof DropPartition).toList());
        assertEquals("PartitionChanged", r.failure().orElseThrow().cause().reason().code());
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_21"));
    }

    @Test
    void aPartitionMovedToAnotherSchemaIsTheOneDroppedNotATableOfItsNameInTheParentsSchema() throws SQLException {
        apply(plan("2026-11-21T10:00:00Z", 0, Duration.ofDays(1)).actions());
        Plan retire = plan("2026-11-24T10:00:00Z", 0, Duration.ofDays(1));
        // the partition is moved to another schema (still a partition of noetl.metric), and an unrelated table
        // takes its name in the parent's schema
        db.execute("CREATE SCHEMA elsewhere", "ALTER TABLE noetl.metric_2026_11_21 SET SCHEMA elsewhere",
                "CREATE TABLE noetl.metric_2026_11_21 (unrelated int)", "INSERT INTO noetl.metric_2026_11_21 VALUES (7)");
        PartitionExecutor.Result r = apply(retire.actions().stream().filter(a -> a instanceof DropPartition).toList());
        assertTrue(r.failure().isEmpty(), () -> r.failure().toString());
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_21"), "the unrelated table is kept");
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'elsewhere' AND c.relname = 'metric_2026_11_21'"), "the partition is dropped");
        assertEquals(List.of(), db.partitions("noetl.metric"));
    }

    @Test
    void detachMovesExpiredPartitionsWithTheirRowsToTheArchiveSchema() throws SQLException {
        apply(plan("2026-11-21T10:00:00Z", 0, Duration.ofDays(1)).actions());
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, created_at) "
                + "VALUES (1, 'x', 'gauge', 1, '2026-11-21 12:00+00')");
        Instant later = Instant.parse("2026-11-24T10:00:00Z");
        Plan p = PartitionPlanner.plan(PartitionPlanner.Policy.builder().grid(GRID).tableName("metric")
                .now(GRID.keyOf(later)).expireBefore(GRID.keyOf(later.minus(Duration.ofDays(1))))
                .retentionAction(RetentionAction.Detach).archiveSchema("archive").build(), snapshot());
        PartitionExecutor.Result r = apply(p.actions());
        assertTrue(r.failure().isEmpty(), () -> r.failure().toString());
        assertEquals(1, db.queryLong("SELECT count(*) FROM archive.metric_2026_11_21"));
        assertEquals(List.of("metric_2026_11_24"), db.partitions("noetl.metric"));
    }

    @Test
    void aFailingActionInABatchIsNamedAndTheOnesBeforeItStay() throws SQLException {
        db.execute("CREATE TABLE noetl.metric_2026_11_23 (x int)");
        // a plan made before someone took the name: the batch fails, then runs one by one
        List<PlannedAction> actions = List.of(
                new CreatePartition("metric_2026_11_21", GRID.windowContaining(GRID.keyOf(Instant.parse("2026-11-21T00:00:00Z"))), "t"),
                new CreatePartition("metric_2026_11_22", GRID.windowContaining(GRID.keyOf(Instant.parse("2026-11-22T00:00:00Z"))), "t"),
                new CreatePartition("metric_2026_11_23", GRID.windowContaining(GRID.keyOf(Instant.parse("2026-11-23T00:00:00Z"))), "t"),
                new CreatePartition("metric_2026_11_24", GRID.windowContaining(GRID.keyOf(Instant.parse("2026-11-24T00:00:00Z"))), "t"));
        PartitionExecutor.Result r = apply(actions);
        assertEquals("metric_2026_11_23", r.failure().orElseThrow().action().partition());
        assertEquals(2, r.applied().size());
        assertEquals(List.of("metric_2026_11_21", "metric_2026_11_22"), db.partitions("noetl.metric"));
    }
}
