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

/**
 * {@code plan}, {@code check} and {@code apply} tell what the status tells: unmanaged partitions with their
 * reasons, gaps, rows in the default partition, conflicts; and {@code check}'s exit status in each state. Real
 * PostgreSQL, no cluster.
 */
class CommandFindingsTest extends CommandTest {
    private static final Instant NOW = CommandFixtures.NOW;
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = CommandFixtures.database("cli_findings");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    /** Daily partitions 11-18 to 11-21 (now is 11-21 10:00), nothing else: healthy with premake 0. */
    @BeforeEach
    void setUp() {
        CommandFixtures.metricTable(db);
        for (int day = 18; day <= 21; day++) {
            day(day);
        }
    }

    private static void day(int day) {
        db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric "
                + "FOR VALUES FROM ('2026-11-%02d 00:00+00') TO ('2026-11-%02d 00:00+00')", day, day, day + 1));
    }

    /**
     * The shape of a NoETL database the operator meets: partitions from an older layout (one unbounded, one whose
     * bounds are off the daily grid), a day missing in the middle, and a default partition holding 4 rows.
     */
    private static void untidy() {
        db.execute("DROP TABLE noetl.metric_2026_11_20",
                "CREATE TABLE noetl.metric_before PARTITION OF noetl.metric "
                        + "FOR VALUES FROM (MINVALUE) TO ('2026-11-01 06:00+00')",
                "CREATE TABLE noetl.metric_legacy PARTITION OF noetl.metric "
                        + "FOR VALUES FROM ('2026-11-01 06:00+00') TO ('2026-11-18 00:00+00')",
                "CREATE TABLE noetl.metric_default PARTITION OF noetl.metric DEFAULT",
                "INSERT INTO noetl.metric (metric_name, metric_value, created_at) SELECT 'cpu', g, "
                        + "'2027-03-01 12:00+00'::timestamptz FROM generate_series(1, 4) g");
    }

    private static String policy(String name, String spec) {
        return """
                ---
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: MetricRetentionPolicy
                metadata:
                  name: %s
                spec:
                  database:
                    secretRef:
                      name: noetl-db
                %s
                """.formatted(name, spec.indent(2).stripTrailing());
    }

    private String fileOf(String... policies) throws Exception {
        return write("resources.yaml", CommandFixtures.secret(db.url()) + String.join("", policies));
    }

    private String file(String spec) throws Exception {
        return fileOf(policy("noetl-metrics", spec));
    }

    private String all() {
        return stdout() + stderr();
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.get(field).asText()));
        return values;
    }

    @Test
    void planPrintsTheUnmanagedPartitionsTheGapAndTheRowsInTheDefaultPartition() throws Exception {
        untidy();

        assertEquals(MaintenanceCommand.DONE, run("plan", "-f", file("retention: 30d\npremake: 0")), all());

        String text = stdout();
        assertTrue(text.contains("6 partitions, covered until 2026-11-22T00:00:00Z, 4 rows in the default partition"
                + "  NeedsAttention"), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("RowsInDefaultPartition")
                && l.contains("4 rows are in the default partition")), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("PartitionGaps") && l.contains("1 range")), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("UnmanagedPartitions")
                && l.contains("2 partitions are not managed") && l.contains("offGrid: 1, unbounded: 1")), text);
        assertTrue(text.contains("  gaps: 1\n"), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("2026-11-20T00:00:00Z") && l.contains("2026-11-21T00:00:00Z")
                && !l.contains("Partition")), text);
        assertTrue(text.contains("  unmanaged partitions, never touched: 2\n"), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("metric_before") && l.contains("MINVALUE")
                && l.contains("2026-11-01T06:00:00Z") && l.endsWith("unbounded")), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("metric_legacy") && l.contains("2026-11-18T00:00:00Z")
                && l.endsWith("offGrid")), text);
        // the gap is also what the plan fills
        assertTrue(text.lines().anyMatch(l -> l.contains("CreatePartition") && l.contains("metric_2026_11_20")),
                text);
    }

    @Test
    void planAsJsonHoldsTheStatusFieldsAndTheFindings() throws Exception {
        untidy();

        assertEquals(MaintenanceCommand.DONE, run("plan", "-f", file("retention: 30d\npremake: 0"), "-o", "json"),
                all());

        JsonNode p = new ObjectMapper().readTree(stdout()).get("policies").get(0);
        assertEquals("NeedsAttention", p.get("state").asText());
        assertEquals(6, p.get("partitionCount").asInt());
        assertEquals("2026-11-22T00:00:00Z", p.get("coveredUntil").asText());
        assertEquals(4, p.get("defaultPartitionRows").asLong());
        assertEquals(1, p.get("gapCount").asInt());
        assertEquals("2026-11-20T00:00:00Z", p.get("gaps").get(0).get("from").asText());
        assertEquals("2026-11-21T00:00:00Z", p.get("gaps").get(0).get("to").asText());
        assertEquals(2, p.get("unmanagedCount").asInt());
        assertEquals(List.of("metric_before", "metric_legacy"), texts(p.get("unmanaged"), "name"));
        assertEquals(List.of("unbounded", "offGrid"), texts(p.get("unmanaged"), "reason"));
        assertEquals(List.of("RowsInDefaultPartition", "PartitionGaps", "UnmanagedPartitions"),
                texts(p.get("findings"), "reason"));
        assertEquals(List.of("CreatePartition"), texts(p.get("actions"), "action"));
    }

    @Test
    void applyPrintsTheFindingsLeftAfterItsPass() throws Exception {
        untidy();

        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file("retention: 30d\npremake: 0"), "--once", "-o",
                "json"), all());

        JsonNode p = new ObjectMapper().readTree(stdout()).get("policies").get(0);
        assertEquals("Applied", p.get("outcome").asText());
        // the pass filled the gap; the default partition's rows and the unmanaged partitions remain
        assertEquals(0, p.get("gapCount").asInt());
        assertEquals(List.of("RowsInDefaultPartition", "UnmanagedPartitions"), texts(p.get("findings"), "reason"));
        assertEquals("NeedsAttention", p.get("state").asText());
    }

    @Test
    void checkExitsZeroWhenHealthyWithNothingToDo() throws Exception {
        assertEquals(MaintenanceCommand.DONE, run("check", "-f", file("retention: 30d\npremake: 0")), all());

        assertTrue(stdout().contains("4 partitions, covered until 2026-11-22T00:00:00Z  Healthy"), stdout());
        assertTrue(stdout().contains("nothing to do"), stdout());
        assertFalse(stdout().contains("  findings:"), stdout());
    }

    @Test
    void checkExitsThreeWhenChangesArePending() throws Exception {
        assertEquals(MaintenanceCommand.CHANGES_PENDING, run("check", "-f", file("retention: 30d\npremake: 2")),
                all());

        assertTrue(stdout().contains("ChangesPending"), stdout());
        assertTrue(stdout().lines().anyMatch(l -> l.contains("CreatePartition") && l.contains("metric_2026_11_23")),
                stdout());
        assertEquals(4, db.partitions("noetl.metric").size());
    }

    @Test
    void checkExitsFourWhenFindingsNeedAttentionEvenWithChangesPending() throws Exception {
        untidy();

        assertEquals(MaintenanceCommand.NEEDS_ATTENTION, run("check", "-f", file("retention: 30d\npremake: 2"),
                "-o", "json"), all());

        JsonNode report = new ObjectMapper().readTree(stdout());
        assertEquals("check", report.get("command").asText());
        assertEquals("NeedsAttention", report.get("policies").get(0).get("state").asText());
    }

    @Test
    void checkExitsFourOnRowsInTheDefaultPartitionAlone() throws Exception {
        db.execute("CREATE TABLE noetl.metric_default PARTITION OF noetl.metric DEFAULT",
                "INSERT INTO noetl.metric (metric_name, metric_value, created_at) VALUES ('cpu', 1, '2027-01-01')");

        assertEquals(MaintenanceCommand.NEEDS_ATTENTION, run("check", "-f", file("retention: 30d\npremake: 0")),
                all());
        assertTrue(stdout().contains("RowsInDefaultPartition"), stdout());
    }

    @Test
    void planAndCheckReportTwoPoliciesOnOneTableAsAConflictOnEach() throws Exception {
        // alone, "first" would drop 11-18; sharing the table, it may not
        String file = fileOf(policy("first", "retention: 2d\npremake: 0"), policy("second", "retention: 40d\n"
                + "premake: 0"));

        assertEquals(MaintenanceCommand.NEEDS_ATTENTION, run("check", "-f", file, "-o", "json"), all());

        JsonNode policies = new ObjectMapper().readTree(stdout()).get("policies");
        for (int i = 0; i < 2; i++) {
            JsonNode finding = policies.get(i).get("findings").get(0);
            assertEquals("ConflictingPolicy", finding.get("reason").asText());
            assertTrue(finding.get("message").asText().contains(i == 0 ? "[second]" : "[first]"), finding.toString());
            assertEquals(List.of(), actions(policies.get(i)), "sharing the table, nothing is retired: " + policies);
        }
        // apply acts by the reconciler's rule (TableClaim): neither has a creation time, so by name "first" is the
        // first claimant and only creates; "second" changes nothing
        out.reset();
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file, "--once", "-o", "json"), all());
        JsonNode applied = new ObjectMapper().readTree(stdout()).get("policies");
        assertEquals("Applied", applied.get(0).get("outcome").asText(), applied.toString());
        assertEquals("ConflictingPolicy", applied.get(0).get("findings").get(0).get("reason").asText());
        assertEquals("Planned", applied.get(1).get("outcome").asText(), applied.toString());
        assertEquals("ConflictingPolicy", applied.get(1).get("reason").asText());
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_18"), db.partitions("noetl.metric")
                .toString());
    }

    @Test
    void twoSpellingsOfOneDatabaseAreOneDatabaseToTheClaim() throws Exception {
        // the same database through two Secrets: jdbc: with host and port, and postgresql:// with another name for
        // the host and the default port left out (issue 23, 4); alone, "first" would drop 11-18
        String host = "127.0.0.1".equals(TestDatabase.HOST) ? "localhost" : TestDatabase.HOST;
        String port = "5432".equals(TestDatabase.PORT) ? "" : ":" + TestDatabase.PORT;
        String other = "postgresql://" + host + port + "/" + db.name();
        assertFalse(other.equals(db.url()));
        String yaml = CommandFixtures.secret(db.url()) + "---\n"
                + CommandFixtures.secret(other).replace("name: noetl-db", "name: noetl-db-other")
                + policy("first", "retention: 2d\npremake: 0")
                + policy("second", "retention: 40d\npremake: 0").replace("name: noetl-db", "name: noetl-db-other");
        Path path = dir.resolve("spellings.yaml");
        Files.writeString(path, yaml);

        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", path.toString(), "--once", "-o", "json"), all());
        JsonNode applied = new ObjectMapper().readTree(stdout()).get("policies");
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_18"), "the first retired while sharing: "
                + db.partitions("noetl.metric"));
        assertEquals(List.of("ConflictingPolicy"), texts(applied.get(0).get("findings"), "reason"),
                applied.toString());
        assertEquals("ConflictingPolicy", applied.get(1).get("reason").asText(), applied.toString());
    }

    @Test
    void aTierTableThatIsAnotherPolicysTableIsTheSameConflict() throws Exception {
        // "first" rolls noetl.metric into noetl.metric_hist, which "second" keeps as its own raw table (issue 23, 4):
        // alone on noetl.metric_hist, "second" would drop 11-18 and 11-19 of the table "first" writes its history to.
        // A stand-in table (this class's minimal shape, not NoETL's live DDL), on a direct connection and without a
        // cluster: the claim is decided from the policies' table names and the database's identity alone, before
        // any column is read, so the table's shape does not enter into it (the rollup of "first" even fails here)
        db.execute("CREATE TABLE noetl.metric_hist (metric_id bigserial, metric_name text NOT NULL, "
                + "metric_value double precision NOT NULL, created_at timestamptz NOT NULL, "
                + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
        for (int day = 18; day <= 21; day++) {
            db.execute(String.format("CREATE TABLE noetl.metric_hist_2026_11_%02d PARTITION OF noetl.metric_hist "
                    + "FOR VALUES FROM ('2026-11-%02d 00:00+00') TO ('2026-11-%02d 00:00+00')", day, day, day + 1));
        }
        String file = fileOf(policy("first", """
                retention: 40d
                premake: 0
                rollups:
                  - resolution: 1h
                    retention: 365d
                    table: noetl.metric_hist"""),
                policy("second", "table: noetl.metric_hist\nretention: 1d\npremake: 0"));

        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file, "--once", "-o", "json"), all());
        JsonNode applied = new ObjectMapper().readTree(stdout()).get("policies");
        assertTrue(db.partitions("noetl.metric_hist").contains("metric_hist_2026_11_18"), "second retired a table "
                + "first rolls into: " + db.partitions("noetl.metric_hist") + "\n" + applied);
        assertTrue(texts(applied.get(0).get("findings"), "reason").contains("ConflictingPolicy"), applied.toString());
        assertEquals("ConflictingPolicy", applied.get(1).get("reason").asText(), applied.toString());
        assertTrue(applied.get(1).get("message").asText().contains("default/first")
                || applied.get(1).get("message").asText().contains("first"), applied.toString());
    }

    private static List<String> actions(JsonNode policy) {
        List<String> actions = new java.util.ArrayList<>();
        policy.get("actions").forEach(a -> actions.add(a.get("action").asText() + " " + a.get("partition").asText()));
        return actions;
    }

    @Test
    void planShowsTheRetirementsOverTheLimitAndCheckSaysTheyNeedAttention() throws Exception {
        // retention 1d on the 21st, 10:00: the 18th and the 19th have expired; one a pass
        String file = file("retention: 1d\npremake: 0\nmaxRetirementsPerPass: 1");
        assertEquals(MaintenanceCommand.DONE, run("plan", "-f", file), all());
        String text = stdout();
        assertTrue(text.lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_18")), text);
        assertFalse(text.lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_19")), text);
        assertTrue(text.contains("  retirements held back: 1\n"), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("metric_2026_11_19")
                && l.contains("spec.maxRetirementsPerPass") && l.endsWith("a later pass")), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("RetirementsDeferred")), text);

        out.reset();
        assertEquals(MaintenanceCommand.NEEDS_ATTENTION, run("check", "-f", file, "-o", "json"), all());
        JsonNode p = new ObjectMapper().readTree(stdout()).get("policies").get(0);
        assertEquals("1d", p.get("retention").get("inForce").asText());
        assertEquals(1, p.get("pendingRetirementCount").asInt());
        assertEquals("metric_2026_11_19", p.get("pendingRetirements").get(0).get("name").asText());
        assertEquals("maxRetirementsPerPass", p.get("pendingRetirements").get(0).get("heldBy").asText());
        assertEquals(List.of("RetirementsDeferred"), texts(p.get("findings"), "reason"));

        // apply retires one; the next apply the other
        out.reset();
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file, "--once"), all());
        assertEquals(List.of("metric_2026_11_19", "metric_2026_11_20", "metric_2026_11_21"),
                db.partitions("noetl.metric"));
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file, "--once"), all());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"), db.partitions("noetl.metric"));
    }

    @Test
    void aFileCarryingItsStatusHonoursAShortenedRetentionThatWaitsAndApplyRecordsIt() throws Exception {
        // as `kubectl get -o yaml` writes a policy whose retention was shortened from 30d to 1d at 09:30
        String withStatus = policy("noetl-metrics", "retention: 1d\npremake: 0") + """
                status:
                  retention:
                    inForce: 30d
                    shortenedTo: 1d
                    seenAt: "2026-11-21T09:30:00Z"
                    effectiveAt: "2026-11-21T10:30:00Z"
                """;
        String file = fileOf(withStatus);
        assertEquals(MaintenanceCommand.DONE, run("plan", "-f", file, "-o", "json"), all());
        JsonNode p = new ObjectMapper().readTree(stdout()).get("policies").get(0);
        assertEquals(List.of(), actions(p));
        assertEquals("30d", p.get("retention").get("inForce").asText());
        assertEquals("1d", p.get("retention").get("shortenedTo").asText());
        assertEquals(List.of("metric_2026_11_18", "metric_2026_11_19"), texts(p.get("pendingRetirements"), "name"));
        assertEquals(List.of("2026-11-21T10:30:00Z", "2026-11-21T10:30:00Z"), texts(p.get("pendingRetirements"),
                "at"));
        assertEquals("retentionChangeGrace", p.get("pendingRetirements").get(0).get("heldBy").asText());

        out.reset();
        assertEquals(MaintenanceCommand.DONE, run("plan", "-f", file), all());
        assertTrue(stdout().contains("  retention 30d in force; shortened to 1d at 2026-11-21T09:30:00Z, in force "
                + "from 2026-11-21T10:30:00Z (spec.retentionChangeGrace)"), stdout());
        assertTrue(stdout().lines().anyMatch(l -> l.contains("metric_2026_11_18")
                && l.contains("spec.retentionChangeGrace") && l.endsWith("2026-11-21T10:30:00Z")), stdout());

        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file, "--once"), all());
        assertEquals(4, db.partitions("noetl.metric").size());
        // the same spec without the status: the database remembers the shortening apply recorded, so it still waits
        out.reset();
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file("retention: 1d\npremake: 0"), "--once", "-o",
                "json"), all());
        assertEquals(4, db.partitions("noetl.metric").size());
        assertEquals("2026-11-21T10:30:00Z", new ObjectMapper().readTree(stdout()).get("policies").get(0)
                .get("retention").get("effectiveAt").asText(), stdout());
    }

    @Test
    void aShortenedRetentionWaitsItsGraceWhateverFileOrResourceCarriesIt() throws Exception {
        // a policy kept 30d; then a fresh file (a resource deleted and created again, renamed, or a CronJob's file
        // without status) says 1d: 11-18 and 11-19 expire only under 1d, so they wait the grace (issue 23, 6)
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file("retention: 30d\npremake: 0"), "--once"), all());
        out.reset();
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", fileOf(policy("renamed", "retention: 1d\npremake: 0")),
                "--once", "-o", "json"), all());
        assertEquals(4, db.partitions("noetl.metric").size(), "the shortening acted at once: " + all());
        JsonNode p = new ObjectMapper().readTree(stdout()).get("policies").get(0);
        assertEquals("30d", p.get("retention").get("inForce").asText(), stdout());
        assertEquals("2026-11-21T11:00:00Z", p.get("retention").get("effectiveAt").asText(), stdout());
        assertEquals(List.of("metric_2026_11_18", "metric_2026_11_19"), texts(p.get("pendingRetirements"), "name"));
        // plan and check read it too
        out.reset();
        assertEquals(MaintenanceCommand.NEEDS_ATTENTION, run("check", "-f", file("retention: 1d\npremake: 0"), "-o",
                "json"), all());
        assertEquals("retentionChangeGrace", new ObjectMapper().readTree(stdout()).get("policies").get(0)
                .get("pendingRetirements").get(0).get("heldBy").asText(), stdout());

        // set back before it takes effect: withdrawn; lengthened: in force at once
        out.reset();
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file("retention: 30d\npremake: 0"), "--once", "-o",
                "json"), all());
        assertTrue(new ObjectMapper().readTree(stdout()).get("policies").get(0).get("retention").get("effectiveAt")
                == null, stdout());
        out.reset();
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file("retention: 40d\npremake: 0"), "--once", "-o",
                "json"), all());
        assertEquals("40d", new ObjectMapper().readTree(stdout()).get("policies").get(0).get("retention")
                .get("inForce").asText(), stdout());

        // shortened again, seen at 10:00; at 11:00:01 (both clocks) it is in force and retires
        assertEquals(MaintenanceCommand.DONE, run("apply", "-f", file("retention: 1d\npremake: 0"), "--once"), all());
        assertEquals(4, db.partitions("noetl.metric").size());
        Instant later = NOW.plusSeconds(3601);
        db.setServerTime(later);
        try {
            assertEquals(MaintenanceCommand.DONE, CommandFixtures.command(out, err, later).run(List.of("apply", "-f",
                    file("retention: 1d\npremake: 0"), "--once")), all());
        } finally {
            db.setServerTime(NOW);
        }
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"), db.partitions("noetl.metric"));
    }

    @Test
    void checkExitsOneWhenTheDatabaseFails() throws Exception {
        assertEquals(MaintenanceCommand.FAILED, run("check", "-f", file("retention: 30d"), "--database-url",
                "jdbc:postgresql://127.0.0.1:1/nowhere", "--username", "u", "--password", "p"));
        assertTrue(stdout().contains("DatabaseUnreachable"), stdout());
    }

    @Test
    void checkRefusesOnce() throws Exception {
        assertEquals(MaintenanceCommand.INVALID_INPUT, run("check", "-f", file("retention: 30d"), "--once"));
        assertTrue(stderr().contains("--once belongs to apply"), stderr());
    }
}
