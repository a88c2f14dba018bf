package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.PgBouncerServer;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code plan}, {@code check} and {@code apply --once} through a real PgBouncer in transaction pooling (issue 22),
 * each on the command's own connections and on the operator's pools ({@link DatabasePools}, as the reconcilers get
 * them; the operator has no read-only pool, so there {@code plan} runs on the same pool, as a pass in Observe mode),
 * with the database URL pointing at PgBouncer as a platform team's Secret would: the id-ranged kind (creates, a
 * default-row move, a detach), the time-ranged kind (creates, drops), rollups and the export to a real
 * VictoriaMetrics. After each command a second client of the pool finds every server connection's settings as before
 * any command ran, and can write ({@link PgBouncerServer#secondClient}).
 *
 * <p>The metric table is the seed's example shape ({@code timestamp} and {@code created_at} timestamptz), as in
 * RollupCommandTest and ExportCommandTest, not yet NoETL's live table (created_at TIMESTAMP without time zone, no
 * {@code timestamp} column): the rollups and the export are being moved to the live table on main; these tests move
 * with them when that is merged.
 */
class PgBouncerCommandTest extends CommandTest {
    private static final Instant ID_EPOCH = Instant.parse("2024-01-01T00:00:00Z");
    private static TestDatabase db;
    /** A PgBouncer of each test's own, so that what one test leaves on its server connections cannot fail another. */
    private PgBouncerServer pgbouncer;
    private List<String> untouched;

    @BeforeAll
    static void start() throws Exception {
        OsTool.PGBOUNCER.assumePresent("to run the tests through a transaction-pooling PgBouncer");
        db = CommandFixtures.database("cli_pgbouncer_it");
    }

    @AfterEach
    void stopPgBouncer() {
        pools.release("pgbouncer-test");
        Teardown.close(pgbouncer);
    }

    @AfterAll
    static void stop() {
        Teardown.close(db);
    }

    /** The seed's metric table, 11-18 to 11-21, one sample every 30 minutes, and no event table. */
    @BeforeEach
    void setUp() throws Exception {
        CommandFixtures.seedMetrics(db, "pgb_cpu");
        db.execute("DROP SCHEMA IF EXISTS archive CASCADE");
        pgbouncer = PgBouncerServer.start();
        untouched = pgbouncer.secondClient(db.name());
    }

    /** Whose connections the passes run on. */
    enum Connections {
        COMMAND, OPERATOR_POOL
    }

    private final DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
    private Connections connections = Connections.COMMAND;

    /** The command on the connections {@link #connections} names, its output of this run only. */
    @Override
    int run(String... args) {
        out.reset();
        err.reset();
        DatabaseConnections on = connections == Connections.COMMAND ? DatabaseConnections.postgres()
                : (target, readOnly) -> pools.acquire("pgbouncer-test", target);
        return CommandFixtures.command(out, err, on).run(List.of(args));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    private String file(String spec) throws Exception {
        return write("resources.yaml", CommandFixtures.secret(pgbouncer.url(db.name())) + "---\n" + spec);
    }

    /** A second client of the pool finds every server connection as before: no setting changed, INSERT works. */
    private void assertSecondClientUnaffected(String after) throws Exception {
        assertEquals(untouched, pgbouncer.secondClient(db.name()), "a second client of the pool after " + after);
    }

    private static long idOf(String instant) {
        return (Instant.parse(instant).toEpochMilli() - ID_EPOCH.toEpochMilli()) << 23;
    }

    /**
     * The shipped sample EventPartitionPlan (quarters, two ahead, 52w, Detach into archive), over an event table
     * holding an expired 2025 Q2 partition and rows of 2026 Q4 in its default partition. Measured before the fix:
     * every pass Failed with {@code prepared statement "S_3" already exists} (pgJDBC names its statements after five
     * executions; under transaction pooling they land on other server connections).
     */
    @ParameterizedTest
    @EnumSource(Connections.class)
    void theEventPartitionPlanSampleAppliesThroughPgBouncerPassAfterPass(Connections on) throws Exception {
        connections = on;
        try (Connection c = db.connect()) {
            SeedSchema.ensureEventTable(c, new TableName("noetl", "event"), "event_default",
                    new io.noetl.lifecycle.plan.SnowflakeLayout(ID_EPOCH, 23));
        }
        db.execute("CREATE TABLE noetl.event_2025_q2 PARTITION OF noetl.event FOR VALUES FROM ("
                + idOf("2025-04-01T00:00:00Z") + ") TO (" + idOf("2025-07-01T00:00:00Z") + ")",
                "INSERT INTO noetl.event (execution_id, event_id, event_type, status) SELECT " + idOf(
                        "2026-10-05T00:00:00Z") + " + g, g, 'step', 'ok' FROM generate_series(1, 50) g");
        String spec = Files.readString(Path.of("config/samples/eventpartitionplan.yaml"))
                .replace("  protect:\n    - event_2026_gke\n", "");
        String path = file(spec);
        for (int pass = 1; pass <= 4; pass++) {
            assertEquals(0, run("apply", "-f", path, "--once"), "pass " + pass + ": " + output());
            assertFalse(output().contains("already exists"), output());
        }
        assertEquals(List.of("event_2026_q4", "event_2027_q1", "event_2027_q2", "event_default"),
                db.partitions("noetl.event"));
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.event_default"));
        assertEquals(50, db.queryLong("SELECT count(*) FROM noetl.event_2026_q4"));
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_tables WHERE schemaname = 'archive' "
                + "AND tablename = 'event_2025_q2'"));
        assertSecondClientUnaffected("apply of the EventPartitionPlan");
    }

    /**
     * A MetricRetentionPolicy with rollups, planned and then applied. Measured before the fix: apply Failed with
     * {@code cannot execute CREATE SCHEMA in a read-only transaction} (the plan's read-only session setting stayed
     * on the server connections), and the second client's INSERT failed the same way.
     */
    @ParameterizedTest
    @EnumSource(Connections.class)
    void rollupsApplyThroughPgBouncerAfterAPlan(Connections on) throws Exception {
        connections = on;
        String path = file(CommandFixtures.ROLLUP_POLICY);
        assertEquals(0, run("plan", "-f", path), output());
        assertSecondClientUnaffected("plan");
        assertEquals(0, run("apply", "-f", path, "--once"), output());
        assertFalse(output().contains("read-only"), output());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                db.partitions("noetl.metric"));
        assertEquals(3 * 48, db.queryLong("SELECT sum(sample_count) FROM noetl.metric_rollup_1h WHERE bucket_start < "
                + "'2026-11-21 00:00+00'"));
        assertSecondClientUnaffected("apply with rollups");
        // NoETL's readers call the history function through the same pool
        try (Connection c = DriverManager.getConnection(pgbouncer.url(db.name()) + "?prepareThreshold=0",
                TestDatabase.USER, TestDatabase.PASSWORD); var rs = c.createStatement().executeQuery(
                        "SELECT count(*) FILTER (WHERE tier = '1h'), count(*) FILTER (WHERE tier = 'raw') "
                                + "FROM noetl.metric_history('pgb_cpu', '{}', '2026-11-18 00:00+00', "
                                + "'2026-11-21 10:00+00')")) {
            rs.next();
            // the two dropped days from the tier, hour by hour; the rest from the raw rows still there
            assertEquals(2 * 24, rs.getLong(1));
            assertEquals(db.queryLong("SELECT count(*) FROM noetl.metric WHERE created_at < '2026-11-21 10:00+00'"),
                    rs.getLong(2));
        }
        assertSecondClientUnaffected("metric_history");
        run("check", "-f", path);
        assertTrue(output().contains("noetl-metrics"), output());
        assertSecondClientUnaffected("check");
    }

    /** A plain policy: creates and drops, planned, applied, checked. */
    @ParameterizedTest
    @EnumSource(Connections.class)
    void createsAndDropsThroughPgBouncer(Connections on) throws Exception {
        connections = on;
        String path = file(CommandFixtures.metricPolicy("retention: 1d\npremake: 2\n"));
        assertEquals(0, run("plan", "-f", path), output());
        assertSecondClientUnaffected("plan");
        assertEquals(0, run("apply", "-f", path, "--once"), output());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                db.partitions("noetl.metric"));
        assertSecondClientUnaffected("apply");
        assertEquals(0, run("check", "-f", path), output());
        assertSecondClientUnaffected("check");
    }

    /**
     * The export to a real VictoriaMetrics: the cursor read (binary results, its statement named on purpose) repeated
     * over three partitions. On the operator's pools only, as the operator exports on every pass: the export waits for
     * VictoriaMetrics' count (about 20 s), and the command's connections are set up alike (DatabaseConnections).
     */
    @Test
    void theExportRunsThroughPgBouncer() throws Exception {
        connections = Connections.OPERATOR_POOL;
        OsTool.VICTORIA_METRICS.assumePresent("to run the export through PgBouncer");
        try (VictoriaMetricsServer vm = VictoriaMetricsServer.start()) {
            String path = file(CommandFixtures.metricPolicy("retention: 1d\npremake: 2\nexport:\n  url: "
                    + vm.writeUrl() + "\n"));
            assertEquals(0, run("apply", "-f", path, "--once"), output());
            assertFalse(output().contains("already exists") || output().contains("does not exist"), output());
            assertEquals(3, db.queryLong("SELECT count(verified_at) FROM noetl.metric_export_ledger"));
            assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                    db.partitions("noetl.metric"));
            vm.flush();
            assertEquals(1, vm.export("{__name__=\"pgb_cpu\"}").size());
            assertSecondClientUnaffected("apply with export");
        }
    }
}
