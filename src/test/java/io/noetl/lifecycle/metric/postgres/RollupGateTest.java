package io.noetl.lifecycle.metric.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.sql.DataSource;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The rollup gate of the executor on the real PostgreSQL, with no planner in front of it (which withholds the same
 * retirements earlier): a drop goes only when the ledger, read under the retirement lock, has the partition in every
 * tier and every tier table exists. The plans handed in are what a planner that knew nothing of rollups would make.
 *
 * <p>Runs on both shapes of the metric table ({@link MetricShape}), each in a database of its own:
 * {@link RollupGateLiveTest} on {@link MetricShape#LIVE}, NoETL's real {@code noetl.metric} (key {@code created_at
 * TIMESTAMP}, wall-clock; daily partitions made by NoETL's {@code noetl.create_metric_partition}), and
 * {@link RollupGateSeedExampleTest} on {@link MetricShape#SEED_EXAMPLE}, seed 000's example table (key
 * {@code created_at TIMESTAMPTZ}). Same checks on each. Run both with {@code -Dtest='RollupGate*Test'}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RollupGateTest {
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final RollupSql.Tables TABLES = RollupSql.Tables.of(METRIC, METRIC.sibling("metric_series"));
    private static final List<TableName> TIERS = List.of(METRIC.sibling("metric_rollup_1m"),
            METRIC.sibling("metric_rollup_1h"));
    private TestDatabase db;
    private DatabasePools pools;
    private DataSource ds;

    /** The shape of the metric table this run uses. */
    abstract MetricShape shape();

    private KeyType keyType() {
        return shape() == MetricShape.LIVE ? KeyType.TIMESTAMP : KeyType.TIMESTAMPTZ;
    }

    private TimeGrid grid() {
        return new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, keyType());
    }

    @BeforeAll
    void createDatabase() {
        db = TestDatabase.create("gate_it_" + shape().name());
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void seed() throws SQLException {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("gate", db.target());
        try (Connection c = ds.getConnection()) {
            shape().create(c, METRIC.toString());
            RollupSql.ensureShared(c, TABLES);
            for (TableName t : TIERS) {
                RollupSql.ensureTierTable(c, t);
            }
        }
        for (int day = 10; day <= 12; day++) {
            Instant from = Instant.parse(String.format("2026-11-%02dT00:00:00Z", day));
            db.execute(shape() == MetricShape.LIVE
                    // as NoETL makes them: bounds in the wall clock (UTC here)
                    ? String.format("SELECT noetl.create_metric_partition(date '2026-11-%02d')", day)
                    : String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric FOR VALUES "
                            + "FROM (%s) TO (%s)", day, shape().keyLiteral(from, ZoneOffset.UTC),
                            shape().keyLiteral(from.plusSeconds(86400), ZoneOffset.UTC)));
        }
        assertEquals(List.of("metric_2026_11_10", "metric_2026_11_11", "metric_2026_11_12"),
                db.partitions("noetl.metric"));
    }

    @AfterEach
    void closePool() {
        pools.release("gate");
    }

    private PlannedAction drop(int day) {
        Instant from = Instant.parse(String.format("2026-11-%02dT00:00:00Z", day));
        return new PlannedAction.DropPartition(String.format("metric_2026_11_%02d", day),
                new KeyRange(grid().keyOf(from), grid().keyOf(from.plusSeconds(86400))), "past retention");
    }

    private void ledger(String partition, TableName tier) {
        db.execute("INSERT INTO noetl.metric_rollup_ledger (raw_table, raw_partition, tier_table, range_from, range_to, "
                + "resolution_seconds) VALUES ('noetl.metric', '" + partition + "', '" + tier + "', now(), now(), 60)");
    }

    private PartitionExecutor.Result apply(List<PlannedAction> plan) {
        return apply(plan, LockPolicy.from(StandaloneConfig.INSTANCE.ddl()));
    }

    private PartitionExecutor.Result apply(List<PlannedAction> plan, LockPolicy locks) {
        return new PartitionExecutor(ds, db.target(), new PartitionExecutor.Parent(METRIC, "created_at", keyType(),
                Optional.empty()), locks)
                .gatedBy(List.of(new RollupGate(TABLES.ledger(), METRIC.toString(), TIERS)))
                .apply(plan);
    }

    @Test
    void onlyAPartitionInTheLedgerForEveryTierIsDropped() {
        ledger("metric_2026_11_10", TIERS.get(0));
        ledger("metric_2026_11_10", TIERS.get(1));
        ledger("metric_2026_11_11", TIERS.get(0));

        PartitionExecutor.Result result = apply(List.of(drop(10), drop(11), drop(12)));

        assertTrue(result.failure().isEmpty(), () -> result.failure().toString());
        assertEquals(List.of("metric_2026_11_10"), result.applied().stream().map(PlannedAction::partition).toList());
        assertEquals(List.of("metric_2026_11_11", "metric_2026_11_12"), db.partitions("noetl.metric"));
        assertEquals(List.of(Reason.ROLLUP_PENDING, Reason.ROLLUP_PENDING),
                result.kept().stream().map(PartitionExecutor.Kept::reason).toList());
        assertTrue(result.kept().get(0).describe().contains("rolled into 1 of 2 tiers"), result.kept().get(0).describe());
    }

    @Test
    void aMissingTierTableKeepsEveryPartitionEvenOnesInTheLedger() {
        ledger("metric_2026_11_10", TIERS.get(0));
        ledger("metric_2026_11_10", TIERS.get(1));
        db.execute("DROP TABLE noetl.metric_rollup_1h");

        PartitionExecutor.Result result = apply(List.of(drop(10)));

        assertEquals(List.of(), result.applied());
        assertEquals(Reason.ROLLUP_FAILED, result.kept().get(0).reason());
        assertTrue(result.kept().get(0).describe().contains("metric_rollup_1h"), result.kept().get(0).describe());
        assertEquals(3, db.partitions("noetl.metric").size());
    }

    /**
     * A session holds the raw table (ACCESS SHARE, as a reader would) and, in the same transaction, deletes one of the
     * partition's ledger rows; the executor starts while that is uncommitted, so anything it read before taking its
     * lock would still show the row. It commits a moment later: the executor, reading under its lock, sees the row
     * gone and keeps the partition.
     */
    @Test
    void theLedgerIsReadUnderTheRetirementLock() throws Exception {
        ledger("metric_2026_11_10", TIERS.get(0));
        ledger("metric_2026_11_10", TIERS.get(1));
        java.util.concurrent.ExecutorService runner = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Connection holder = db.connect()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("LOCK TABLE noetl.metric IN ACCESS SHARE MODE");
            holder.createStatement().execute("DELETE FROM noetl.metric_rollup_ledger WHERE tier_table = "
                    + "'noetl.metric_rollup_1h'");
            // the executor must queue for the table's lock, not wait up front: its gate waits, queueing nothing, for a
            // transaction older than gateMinAge, and the holder's is older than the default 50 ms once the executor
            // has its connection (always, on a loaded machine); so the gate counts it as short here, and one
            // attempt's lock_timeout outlasts the wait for the test to see it queued
            LockPolicy defaults = LockPolicy.from(StandaloneConfig.INSTANCE.ddl());
            LockPolicy queueing = new LockPolicy(Duration.ofSeconds(60), defaults.maxAttempts(), defaults.backoff(),
                    defaults.statementTimeout(), defaults.synchronousCommit(), defaults.batchSize(),
                    defaults.lockWait(), Duration.ofHours(1));
            java.util.concurrent.Future<PartitionExecutor.Result> pass = runner.submit(() -> apply(List.of(drop(10)),
                    queueing));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (db.queryLong("SELECT count(*) FROM pg_locks WHERE relation = 'noetl.metric'::regclass AND NOT granted")
                    == 0) {
                assertTrue(System.nanoTime() < deadline, "the executor never waited for the lock");
                Thread.sleep(5);
            }
            holder.commit();
            PartitionExecutor.Result result = pass.get();
            assertEquals(List.of(), result.applied(), () -> result.toString());
            assertEquals(Reason.ROLLUP_PENDING, result.kept().get(0).reason());
            assertEquals(3, db.partitions("noetl.metric").size());
        } finally {
            runner.shutdownNow();
        }
    }
}
