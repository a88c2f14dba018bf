package io.noetl.lifecycle.partition.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.sql.DataSource;
import io.noetl.lifecycle.api.EventPartitionPlanSpec;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A retirement proves from the data, with the database server's clock, that the partition holds nothing within
 * retention; real PostgreSQL. PostgreSQL enforces every partition's bounds, so a partition past retention by its
 * bounds can hold a key inside retention only if the plan's "now" was not the server's: these tests hand the
 * executor a plan made 30 days ahead of the server (a wrong clock) and see the proof keep what the server's time
 * still retains. The server's time is set through the test database's shadow of now() (a stand-in: PostgreSQL's
 * own clock cannot be moved).
 *
 * <p>Runs on both shapes of the metric table ({@link MetricShape}), each in a database of its own:
 * {@link RetirementProofLiveTest} on {@link MetricShape#LIVE}, NoETL's real {@code noetl.metric}, whose key
 * {@code created_at} is a {@code TIMESTAMP} (without time zone) holding wall-clock times of the policy's zone, its
 * daily partitions made by NoETL's {@code noetl.create_metric_partition}; and {@link RetirementProofSeedExampleTest}
 * on {@link MetricShape#SEED_EXAMPLE}, seed 000's example table, whose key {@code created_at} is a
 * {@code TIMESTAMPTZ}. Same checks on each; the newest key and the cutoff are shown in the key's type (no offset on
 * the live shape). Run both with {@code -Dtest='RetirementProof*Test'}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RetirementProofTest {
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final Instant SERVER = Instant.parse("2026-11-21T10:00:00Z");
    private static final LockPolicy LOCKS = LockPolicy.from(StandaloneConfig.INSTANCE.ddl());
    private TestDatabase db;
    private DatabasePools pools;
    private DataSource ds;

    /** The shape of the metric table this run uses. */
    abstract MetricShape shape();

    private KeyType keyType() {
        return shape() == MetricShape.LIVE ? KeyType.TIMESTAMP : KeyType.TIMESTAMPTZ;
    }

    private TimeGrid grid(ZoneId zone) {
        return new TimeGrid(TimeInterval.DAY, zone, keyType());
    }

    /** A key as the proof shows it ({@code ::text}, the session's zone UTC): no offset on a zoneless key. */
    private String shown(String utcOrWallClock) {
        return shape() == MetricShape.LIVE ? utcOrWallClock : utcOrWallClock + "+00";
    }

    @BeforeAll
    void createDatabase() {
        db = TestDatabase.create("proof_it_" + shape().name());
        db.setServerTime(SERVER);
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void seed() throws SQLException {
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("test", db.target());
        seed(ZoneOffset.UTC);
    }

    /**
     * A fresh metric table of this shape with the daily partitions of 11-10 to 11-21 in {@code zone}, each holding a
     * row of 08:00 there (on the live shape as wall-clock time of {@code zone}, as NoETL writes it).
     */
    private void seed(ZoneId zone) throws SQLException {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        try (Connection c = ds.getConnection()) {
            shape().create(c, METRIC.toString());
            shape().register(c, 1, "w");
            List<MetricShape.Row> rows = new ArrayList<>();
            for (int day = 10; day <= 21; day++) {
                LocalDate date = LocalDate.of(2026, 11, day);
                if (shape() == MetricShape.LIVE) {
                    // as NoETL makes them: bounds in the wall clock
                    db.execute("SELECT noetl.create_metric_partition(date '" + date + "')");
                } else {
                    db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric FOR "
                            + "VALUES FROM (%s) TO (%s)", day, shape().keyLiteral(date.atStartOfDay(zone).toInstant(),
                                    zone), shape().keyLiteral(date.plusDays(1).atStartOfDay(zone).toInstant(), zone)));
                }
                rows.add(new MetricShape.Row(1, "cpu", "gauge", 1, null, date.atTime(8, 0).atZone(zone).toInstant()));
            }
            shape().insert(c, METRIC.toString(), zone, rows);
        }
        assertEquals(12, db.partitions("noetl.metric").size());
        assertEquals(12, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    @AfterEach
    void closePool() {
        pools.release("test");
    }

    /** The retirements a planner 30 days ahead of the server plans for retention 1d: every partition. */
    private List<PlannedAction> planAheadOfTheServer() throws SQLException {
        return planAheadOfTheServer(ZoneOffset.UTC);
    }

    /** The same, its days in {@code zone}. */
    private List<PlannedAction> planAheadOfTheServer(ZoneId zone) throws SQLException {
        Instant wrong = SERVER.plus(Duration.ofDays(30));
        TimeGrid grid = grid(zone);
        try (Connection c = ds.getConnection()) {
            Plan plan = PartitionPlanner.plan(PartitionPlanner.Policy.builder().grid(grid).tableName("metric")
                    .now(grid.keyOf(wrong)).expireBefore(grid.keyOf(wrong.minus(Duration.ofDays(1))))
                    .retentionAction(RetentionAction.Drop).build(), CatalogReader.read(c, METRIC));
            return plan.onlyRetirements().actions();
        }
    }

    private PartitionExecutor executor(Duration retention) {
        return executor(retention, ZoneOffset.UTC);
    }

    /** An executor proving against the cutoff of a policy whose {@code spec.timeZone} is {@code zone}. */
    private PartitionExecutor executor(Duration retention, ZoneId zone) {
        Optional<String> cutoff = MetricPolicySettings.builder().retention(retention).zone(zone).build()
                .retentionCutoffSql(keyType());
        return new PartitionExecutor(ds, db.target(), new PartitionExecutor.Parent(METRIC, "created_at", keyType(),
                Optional.empty()), LOCKS).proving(cutoff);
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
        assertTrue(kept.describe().contains("holds rows up to " + shown("2026-11-21 08:00:00") + ", at or after the "
                + "retention cutoff " + shown("2026-11-20 10:00:00")), kept.describe());
        assertEquals(List.of("metric_2026_11_21"), db.partitions("noetl.metric"));
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    @Test
    void aRowWrittenWithAnExplicitRecentKeyKeepsItsPartitionUnderTheLock() throws SQLException {
        // an index on the key: the proof is repeated under the lock, as a probe
        db.execute("CREATE INDEX metric_created_at ON noetl.metric (created_at)");
        try (Connection c = db.connect()) {
            shape().insert(c, METRIC.toString(), ZoneOffset.UTC, List.of(new MetricShape.Row(1, "cpu", "gauge", 2,
                    null, Instant.parse("2026-11-20T23:59:59Z"))));
        }
        List<PlannedAction> retirements = planAheadOfTheServer();

        PartitionExecutor.Result result = executor(Duration.ofDays(2)).apply(retirements);

        // retention 2d: cutoff 11-19 10:00; 11-19 (08:00) goes; 11-20 (23:59:59) and 11-21 stay
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"),
                result.kept().stream().map(k -> k.action().partition()).toList());
        assertTrue(result.kept().get(0).describe().contains("holds rows up to " + shown("2026-11-20 23:59:59")),
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

    /**
     * A policy whose {@code spec.timeZone} is America/New_York, its partitions New York days, each holding a row of
     * 08:00 New York time, while the sessions' zone is UTC. The server's 11-21 10:00Z is 05:00 in New York, so retention
     * 1d cuts at 11-20 05:00 there (10:00Z): 11-20's row, 13:00Z, is inside retention and keeps its partition, 11-19's
     * goes. On the live shape's zoneless key the cutoff must be New York's wall clock: the cast the cutoff had before,
     * {@code (now() - retention)::timestamp}, gave the session's (UTC) wall clock, 11-20 10:00, and dropped 11-20 with
     * a row five hours inside retention. On the seed's timestamptz key the zone decides only the partitions' days.
     */
    @Test
    void aZonelessKeyIsCutInThePolicysZoneNotTheSessions() throws SQLException {
        ZoneId newYork = ZoneId.of("America/New_York");
        seed(newYork);
        try (Connection c = ds.getConnection()) {
            assertTrue(java.util.Set.of("UTC", "Etc/UTC").contains(sessionZone(c)), "the sessions' zone is "
                    + sessionZone(c) + ", not UTC; this test expects the cast it guards against to be wrong there");
        }
        List<PlannedAction> retirements = planAheadOfTheServer(newYork);
        assertEquals(12, retirements.size(), "the wrong plan retires everything: " + retirements);

        PartitionExecutor.Result result = executor(Duration.ofDays(1), newYork).apply(retirements);

        assertTrue(result.failure().isEmpty(), () -> result.failure().toString());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"),
                result.kept().stream().map(k -> k.action().partition()).toList());
        PartitionExecutor.Kept kept = result.kept().get(0);
        assertEquals(Reason.PARTITION_HOLDS_RECENT_ROWS, kept.reason());
        assertTrue(kept.describe().contains(shape() == MetricShape.LIVE
                ? "holds rows up to 2026-11-20 08:00:00, at or after the retention cutoff 2026-11-20 05:00:00"
                : "holds rows up to 2026-11-20 13:00:00+00, at or after the retention cutoff 2026-11-20 10:00:00+00"),
                kept.describe());
        assertEquals(10, result.applied().size());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"), db.partitions("noetl.metric"));
    }

    private static String sessionZone(Connection c) throws SQLException {
        try (java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT current_setting('TimeZone')")) {
            rs.next();
            return rs.getString(1);
        }
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
