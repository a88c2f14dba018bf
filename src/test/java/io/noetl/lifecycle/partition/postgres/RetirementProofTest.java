package io.noetl.lifecycle.partition.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.noetl.lifecycle.api.EventPartitionPlanSpec;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A retirement proves from the data, with the database server's clock, that the partition holds nothing within
 * retention; real PostgreSQL. PostgreSQL enforces every partition's bounds, so a partition past retention by its
 * bounds can hold a key inside retention only if the plan's "now" was not the server's: these tests hand the
 * executor a plan made 30 days ahead of the server (a wrong clock) and see the proof keep what the server's time
 * still retains. The server's time is set through the test database's shadow of now() (a stand-in: PostgreSQL's
 * own clock cannot be moved).
 */
class RetirementProofTest {
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final Instant SERVER = Instant.parse("2026-11-21T10:00:00Z");
    private static final TimeGrid GRID = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
    private static final LockPolicy LOCKS = LockPolicy.from(StandaloneConfig.INSTANCE.ddl());
    private static TestDatabase db;
    private DatabasePools pools;
    private AgroalDataSource ds;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("proof_it");
        db.setServerTime(SERVER);
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void seed() throws SQLException {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("test", db.target());
        try (Connection c = ds.getConnection()) {
            SeedSchema.ensureMetricTable(c, METRIC);
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, component_type, status) VALUES (1, 'w', 'worker_pool', "
                + "'ready')");
        for (int day = 10; day <= 21; day++) {
            db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric FOR VALUES "
                    + "FROM ('2026-11-%02d 00:00+00') TO ('2026-11-%02d 00:00+00')", day, day, day + 1),
                    String.format("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, "
                            + "created_at) VALUES (1, 'cpu', 'gauge', 1, '2026-11-%02d 08:00+00')", day));
        }
    }

    @AfterEach
    void closePool() {
        pools.release("test");
    }

    /** The retirements a planner 30 days ahead of the server plans for retention 1d: every partition. */
    private List<PlannedAction> planAheadOfTheServer() throws SQLException {
        Instant wrong = SERVER.plus(Duration.ofDays(30));
        try (Connection c = ds.getConnection()) {
            Plan plan = PartitionPlanner.plan(PartitionPlanner.Policy.builder().grid(GRID).tableName("metric")
                    .now(GRID.keyOf(wrong)).expireBefore(GRID.keyOf(wrong.minus(Duration.ofDays(1))))
                    .retentionAction(RetentionAction.Drop).build(), CatalogReader.read(c, METRIC));
            return plan.onlyRetirements().actions();
        }
    }

    private PartitionExecutor executor(Duration retention) {
        Optional<String> cutoff = MetricPolicySettings.builder().retention(retention).build()
                .retentionCutoffSql(KeyType.TIMESTAMPTZ);
        return new PartitionExecutor(ds, db.target(), METRIC, "created_at", KeyType.TIMESTAMPTZ, Optional.empty(),
                LOCKS).proving(cutoff);
    }

    @Test
    void partitionsHoldingKeysInsideTheServersRetentionAreKeptWithTheirNewestKey() throws SQLException {
        List<PlannedAction> retirements = planAheadOfTheServer();
        assertEquals(12, retirements.size(), "the wrong plan retires everything: " + retirements);

        PartitionExecutor.Result result = executor(Duration.ofDays(1)).apply(retirements);

        assertTrue(result.failure().isEmpty(), () -> result.failure().toString());
        // the server's cutoff is 11-20 10:00: 11-20 (a row at 08:00 is older) goes, 11-21 stays
        assertEquals(List.of("metric_2026_11_21"), result.kept().stream().map(k -> k.action().partition()).toList());
        PartitionExecutor.Kept kept = result.kept().get(0);
        assertEquals(Reason.PARTITION_HOLDS_RECENT_ROWS, kept.reason());
        assertTrue(kept.describe().contains("holds rows up to 2026-11-21 08:00:00+00, at or after the retention "
                + "cutoff 2026-11-20 10:00:00+00"), kept.describe());
        assertEquals(List.of("metric_2026_11_21"), db.partitions("noetl.metric"));
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    @Test
    void aRowWrittenWithAnExplicitRecentKeyKeepsItsPartitionUnderTheLock() throws SQLException {
        // an index on the key: the proof is repeated under the lock, as a probe
        db.execute("CREATE INDEX metric_created_at ON noetl.metric (created_at)",
                "INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, created_at) "
                        + "VALUES (1, 'cpu', 'gauge', 2, '2026-11-20 23:59:59+00')");
        List<PlannedAction> retirements = planAheadOfTheServer();

        PartitionExecutor.Result result = executor(Duration.ofDays(2)).apply(retirements);

        // retention 2d: cutoff 11-19 10:00; 11-19 (08:00) goes; 11-20 (23:59:59) and 11-21 stay
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"),
                result.kept().stream().map(k -> k.action().partition()).toList());
        assertTrue(result.kept().get(0).describe().contains("holds rows up to 2026-11-20 23:59:59+00"),
                result.kept().get(0).describe());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"), db.partitions("noetl.metric"));
        assertEquals(10, result.applied().size());
    }

    @Test
    void anEmptyPartitionAndOneWhoseRowsAreAllOlderAreRetired() throws SQLException {
        db.execute("DELETE FROM noetl.metric_2026_11_21");
        PartitionExecutor.Result result = executor(Duration.ofDays(1)).apply(planAheadOfTheServer());
        assertEquals(List.of(), result.kept());
        assertEquals(List.of(), db.partitions("noetl.metric"));
    }

    @Test
    void theCutoffSqlOfEachKeyTypeIsTheServersTimeMinusRetention() throws Exception {
        Duration retention = Duration.ofHours(36);
        Instant cutoff = SERVER.minus(retention);
        MetricPolicySettings time = MetricPolicySettings.builder().retention(retention).build();
        assertEquals("2026-11-19 22:00:00+00", db.queryStrings("SELECT (" + time.retentionCutoffSql(
                KeyType.TIMESTAMPTZ).orElseThrow() + ")::text").get(0));
        assertEquals("2026-11-19 22:00:00", db.queryStrings("SELECT (" + time.retentionCutoffSql(
                KeyType.TIMESTAMP).orElseThrow() + ")::text").get(0));
        assertEquals("2026-11-19", db.queryStrings("SELECT (" + time.retentionCutoffSql(KeyType.DATE).orElseThrow()
                + ")::text").get(0));
        // whatever the session's zone: the operator sets none (a pooler's next client would inherit it, issue 22)
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'Pacific/Chatham'");
            try (ResultSet rs = s.executeQuery("SELECT (" + time.retentionCutoffSql(KeyType.TIMESTAMP).orElseThrow()
                    + ")::text, (" + time.retentionCutoffSql(KeyType.DATE).orElseThrow() + ")::text")) {
                rs.next();
                assertEquals("2026-11-19 22:00:00", rs.getString(1));
                assertEquals("2026-11-19", rs.getString(2));
            }
        }
        EventPartitionPlanSpec spec = new EventPartitionPlanSpec();
        spec.setRetention("36h");
        EventPlanSettings ids = EventPlanSettings.from(spec);
        SnowflakeLayout layout = ids.layout();
        assertEquals(layout.boundaryId(cutoff), db.queryLong("SELECT " + ids.retentionCutoffSql(KeyType.BIGINT)
                .orElseThrow()));
    }
}
