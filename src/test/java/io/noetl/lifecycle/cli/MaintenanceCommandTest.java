package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noetl.lifecycle.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code plan} and {@code apply --once} on files of resources, against a real PostgreSQL and no cluster. */
class MaintenanceCommandTest extends CommandTest {
    private static final Instant NOW = CommandFixtures.NOW;
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = CommandFixtures.database("cli_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void setUp() {
        CommandFixtures.metricTable(db);
        int[][] daysAndRows = {{18, 100}, {19, 250}, {20, 10}, {21, 5}};
        for (int[] d : daysAndRows) {
            db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric "
                    + "FOR VALUES FROM ('2026-11-%02d 00:00+00') TO ('2026-11-%02d 00:00+00')", d[0], d[0], d[0] + 1),
                    String.format("INSERT INTO noetl.metric (metric_name, metric_value, created_at) SELECT 'cpu', g, "
                            + "'2026-11-%02d 12:00+00'::timestamptz FROM generate_series(1, %d) g", d[0], d[1]));
        }
    }

    private MaintenanceCommand command() {
        return CommandFixtures.command(out, err);
    }

    private String file(String policySpec) throws Exception {
        String yaml = CommandFixtures.secret(db.url()) + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: unrelated
                ---
                """ + CommandFixtures.metricPolicy(policySpec);
        return write("resources.yaml", yaml);
    }

    private List<String> partitions() {
        return db.partitions("noetl.metric");
    }

    private static final List<String> BEFORE = List.of("metric_2026_11_18", "metric_2026_11_19", "metric_2026_11_20",
            "metric_2026_11_21");

    @Test
    void planShowsTheTwoExpiredPartitionsWithTheirExactRowsAndChangesNothing() throws Exception {
        int status = run("plan", "-f", file("retention: 1d\npremake: 2"), "-o", "json");

        assertEquals(0, status, stderr());
        JsonNode policy = new ObjectMapper().readTree(stdout()).get("policies").get(0);
        assertEquals("Planned", policy.get("outcome").asText());
        List<String> drops = new ArrayList<>();
        for (JsonNode a : policy.get("actions")) {
            if ("DropPartition".equals(a.get("action").asText())) {
                drops.add(a.get("partition").asText() + "=" + a.get("rows").asLong());
                assertTrue(a.get("bytes").asLong() > 0, a.toString());
            }
        }
        // now - retention = 11-20 10:00: the partitions ending 11-19 and 11-20 have expired
        assertEquals(List.of("metric_2026_11_18=100", "metric_2026_11_19=250"), drops);
        assertTrue(stderr().contains("ignoring kind 'ConfigMap'"), stderr());
        assertEquals(BEFORE, partitions());
        assertEquals(365, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    @Test
    void planPrintsAReadableTable() throws Exception {
        assertEquals(0, run("plan", "-f", file("retention: 1d\npremake: 2")), stderr());

        String table = stdout();
        assertTrue(table.contains("MetricRetentionPolicy noetl-metrics  noetl.metric"), table);
        assertTrue(table.lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_19")
                && l.contains(" 250 ")), table);
        assertTrue(table.lines().anyMatch(l -> l.contains("CreatePartition") && l.contains("metric_2026_11_23")),
                table);
        assertFalse(table.contains(TestDatabase.USER + ":"), table);
        assertEquals(BEFORE, partitions());
    }

    @Test
    void applyOnceDropsTheExpiredPartitionsAndCreatesThoseAhead() throws Exception {
        int status = run("apply", "-f", file("retention: 1d\npremake: 2"), "--once");

        assertEquals(0, status, stderr() + stdout());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                partitions());
        assertTrue(stdout().contains("Applied"), stdout());
        assertTrue(stdout().lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_18")),
                stdout());
    }

    @Test
    void applyOnceOnADryRunPolicyOnlyPlans() throws Exception {
        assertEquals(0, run("apply", "-f", file("retention: 1d\ndryRun: true"), "--once"), stderr());

        assertTrue(stdout().contains("Planned (DryRun"), stdout());
        assertEquals(BEFORE, partitions());
    }

    @Test
    void anInvalidSpecExitsNonZeroNamingTheFieldBeforeTouchingTheDatabase() throws Exception {
        int status = run("apply", "-f", file("interval: 2d"), "--once");

        assertEquals(MaintenanceCommand.INVALID_INPUT, status);
        assertTrue(stderr().contains("MetricRetentionPolicy noetl-metrics: InvalidSpec: spec.interval"), stderr());
        assertEquals(BEFORE, partitions());
    }

    @Test
    void unparsableYamlExitsNonZero() throws Exception {
        Path path = dir.resolve("broken.yaml");
        Files.writeString(path, "kind: MetricRetentionPolicy\nspec: [unclosed\n");

        assertEquals(MaintenanceCommand.INVALID_INPUT, run("plan", "-f", path.toString()));
        assertTrue(stderr().contains("is not valid YAML"), stderr());
    }

    @Test
    void aSecretThatIsNotInTheFileExitsNonZeroSayingSo() throws Exception {
        String yaml = Files.readString(Path.of(file("retention: 1d"))).replace("name: noetl-db\nstringData",
                "name: other-db\nstringData");
        Path path = dir.resolve("nosecret.yaml");
        Files.writeString(path, yaml);

        assertEquals(MaintenanceCommand.INVALID_INPUT, run("plan", "-f", path.toString()));
        assertTrue(stderr().contains("SecretNotFound"), stderr());
    }

    @Test
    void anUnreachableDatabaseExitsNonZeroWithTheReason() throws Exception {
        int status = run("plan", "-f", file("retention: 1d"), "--database-url",
                "jdbc:postgresql://127.0.0.1:1/nowhere", "--username", "u", "--password", "p4ssw0rd-not-shown");

        assertEquals(MaintenanceCommand.FAILED, status);
        assertTrue(stdout().contains("DatabaseUnreachable"), stdout());
        assertFalse(stdout().contains("p4ssw0rd-not-shown") || stderr().contains("p4ssw0rd-not-shown"));
    }

    @Test
    void theDatabaseUrlOptionReplacesTheSecret() throws Exception {
        int status = run("plan", "-f", file("retention: 1d"), "--database-url", db.url(), "--username",
                TestDatabase.USER, "--password", TestDatabase.PASSWORD);

        assertEquals(0, status, stderr() + stdout());
        assertTrue(stdout().contains("metric_2026_11_18"), stdout());
    }

    @Test
    void planOnAMissingEventTableWithBootstrapSaysApplyWouldCreateItAndCreatesNothing() throws Exception {
        Path path = dir.resolve("events.yaml");
        Files.writeString(path, """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: EventPartitionPlan
                metadata:
                  name: noetl-events
                  namespace: noetl
                spec:
                  window: Quarter
                  bootstrap: IfMissing
                """);

        int status = run("plan", "-f", path.toString(), "-o", "json", "--database-url", db.url(), "--username",
                TestDatabase.USER, "--password", TestDatabase.PASSWORD);

        assertEquals(0, status, stderr() + stdout());
        JsonNode policy = new ObjectMapper().readTree(stdout()).get("policies").get(0);
        assertEquals("EventPartitionPlan", policy.get("kind").asText());
        assertEquals("TableMissing", policy.get("reason").asText());
        assertEquals("Bootstrap", policy.get("actions").get(0).get("action").asText());
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'event'"));
    }

    @Test
    void planConnectionsRefuseEveryChange() throws Exception {
        var target = new io.noetl.lifecycle.postgres.DatabaseTarget(db.url(), TestDatabase.USER,
                TestDatabase.PASSWORD);
        try (var c = DatabaseConnections.postgres().open(target, true).getConnection();
                var s = c.createStatement()) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> s.execute("DROP TABLE noetl.metric_2026_11_18"));
            assertEquals("25006", e.getSQLState(), e.getMessage());
        }
        assertEquals(BEFORE, partitions());
    }

    @Test
    void applyWithoutOnceIsRefused() throws Exception {
        assertEquals(MaintenanceCommand.INVALID_INPUT, run("apply", "-f", file("retention: 1d")));
        assertTrue(stderr().contains("--once"), stderr());
        assertEquals(BEFORE, partitions());
    }
}
