package io.noetl.lifecycle.partition;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.noetl.lifecycle.api.ConditionStatus;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.MaintenanceRecord;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.cli.DatabaseConnections;
import io.noetl.lifecycle.cli.MaintenanceCommand;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #11: the reconciler, the HTTP endpoints and {@code apply --once}, given the same two MetricRetentionPolicies
 * on one table, act by the same rule ({@link TableClaim}): the first by creation time creates partitions and retires
 * none, the second changes nothing.
 *
 * <p>Everything is real: the operator (reconcilers on, leader election on, as its ServiceAccount bound to
 * {@code deploy/role.yaml}) runs against the real kube-apiserver of {@code @WithApiServer} in a fresh namespace of its
 * own, with the HTTP maintenance endpoints enabled behind the token of a Secret in that namespace; the table is in a
 * real PostgreSQL database this class creates and drops ({@link TestDatabase}); the command line is
 * {@link MaintenanceCommand} run in-process on a file holding the two policies as the API server returns them. No
 * stand-ins. All three read the one test clock ({@link TestClockProducer#CLOCK}, held at {@link #NOW}), so they plan
 * against the same now, and since the clock does not move, the scheduler never wakes the reconciler on its own while
 * the endpoints and the command run.
 *
 * <p>The table holds daily partitions of 2026-11-14 to 2026-11-21, 100 rows each. {@code first} (retention 3d,
 * premake 1) alone would drop the 14th to the 17th, {@code second} (retention 1d, premake 4, through another Secret
 * whose URL names the same database with {@code ?ApplicationName=other}) the 14th to the 19th. Each entry point
 * starts from that same table, and each must end with it plus the 22nd (first's premake, not second's 22nd to 25th),
 * every row still there.
 */
@QuarkusTest
@TestProfile(TableClaimEntryPointsTest.OperatorAndEndpoints.class)
@WithApiServer("claim")
class TableClaimEntryPointsTest {
    private static final String TOKEN = "claim-token-for-tests";
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final List<String> INITIAL = IntStream.rangeClosed(14, 21).mapToObj(TableClaimEntryPointsTest::day)
            .toList();
    private static final List<String> AFTER = IntStream.rangeClosed(14, 22).mapToObj(TableClaimEntryPointsTest::day)
            .toList();
    private static final long ROWS = 100L * INITIAL.size();
    /** How a held-back policy's message names the one that acts (TableClaim.conflict). */
    private static final Pattern ACTING = Pattern.compile("the first of them \\(([^)]+)\\) acts");
    private static TestDatabase db;

    /**
     * The endpoints on, their token in the Secret {@code claim-token} of the operator's namespace, and, unlike
     * MetricsMaintenanceEndpointTest's profile, the operator running.
     */
    public static class OperatorAndEndpoints implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lifecycle.http.enabled", "true", "lifecycle.http.token-secret", "claim-token");
        }
    }

    /**
     * Which policies an entry point let act, which it held back for ConflictingPolicy, and whom the held-back ones'
     * messages name as the one acting; as namespace/name.
     */
    record Decision(List<String> acting, List<String> heldBack, List<String> namedAsActing) {
    }

    ApiServerContext kube;

    @TestHTTPResource("/")
    URL base;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("claim_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), MetricRetentionPolicy.class, kube.namespace());
    }

    @Test
    void theReconcilerTheEndpointsAndApplyOnceLetTheSamePolicyActAndHoldTheSameOneBack() throws Exception {
        TestClockProducer.CLOCK.set(NOW);
        createMetricTable();
        String ns = kube.namespace();
        KubeFixtures.databaseSecret(kube.admin(), ns, "metrics-db", db);
        KubeFixtures.secret(kube.admin(), ns, "same-db", db.url() + "?ApplicationName=other", TestDatabase.USER,
                TestDatabase.PASSWORD);
        kube.admin().secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("claim-token")
                .endMetadata().withStringData(Map.of("token", TOKEN)).build()).createOr(s -> s.update());

        // first is suspended until second exists: alone, it would have the whole table and drop at once
        MetricRetentionPolicy first = apply("first", "metrics-db", s -> {
            s.setRetention("3d");
            s.setPremake(1);
            s.setSuspend(true);
        });
        // creationTimestamp has whole seconds: second is created in a later one, so creation time alone orders them
        Instant firstCreated = Instant.parse(first.getMetadata().getCreationTimestamp());
        while (Instant.now().getEpochSecond() <= firstCreated.getEpochSecond()) {
            Thread.sleep(50);
        }
        MetricRetentionPolicy second = apply("second", "same-db", s -> {
            s.setRetention("1d");
            s.setPremake(4);
        });
        assertTrue(Instant.parse(second.getMetadata().getCreationTimestamp()).isAfter(firstCreated),
                first.getMetadata().getCreationTimestamp() + " / " + second.getMetadata().getCreationTimestamp());
        Decision expected = new Decision(List.of(ns + "/first"), List.of(ns + "/second"), List.of(ns + "/first"));

        // 1. the reconciler
        await("second", condition("Ready", "False", "ConflictingPolicy"));
        MetricRetentionPolicy resumed = get("first");
        resumed.getSpec().setSuspend(false);
        long resumedGeneration = KubeFixtures.updateSpec(kube.admin(), resumed).getMetadata().getGeneration();
        first = await("first", s -> condition("Ready", "True", "Maintained").test(s)
                && condition("Degraded", "True", "ConflictingPolicy").test(s)
                && s.getObservedGeneration() != null && s.getObservedGeneration() == resumedGeneration
                && ((MetricRetentionPolicyStatus) s).getLastMaintenance() != null);
        second = await("second", condition("Ready", "False", "ConflictingPolicy"));
        // what the reconciler did, from its Events: the status shows only the last pass, and first may have had
        // another (second's pass wakes the other claimants of the table) that found nothing left to do
        org.awaitility.Awaitility.await().atMost(KubeFixtures.WAIT)
                .until(() -> !partitionsNamed("first", "CreatePartition").isEmpty());
        assertEquals(List.of(day(22)), partitionsNamed("first", "CreatePartition"),
                "first creates its premake (1), not second's (4)");
        assertEquals(List.of(), partitionsNamed("first", "DropPartition"));
        assertEquals(List.of(), partitionsNamed("first", "DetachPartition"));
        assertEquals(List.of(), partitionsNamed("second", "CreatePartition"));
        MaintenanceRecord pass = first.getStatus().getLastMaintenance();
        assertEquals(List.of(), pass.getDropped());
        assertEquals(List.of(), pass.getDetached());
        assertTrue(first.getStatus().condition("Degraded").orElseThrow().getMessage().contains(ns + "/second"));
        assertNull(second.getStatus().getLastMaintenance(), "second wrote to the table");
        assertTable("reconciler");
        Decision reconciler = reconcilerDecision(List.of(first, second));

        // 2. the HTTP endpoints, on the table as it was
        resetTable();
        JsonNode cleanup = post("api/metrics/cleanup");
        JsonNode firstCleanup = policyIn(cleanup, "first");
        assertEquals("Applied", firstCleanup.path("outcome").asText(), firstCleanup.toString());
        assertEquals("ConflictingPolicy", firstCleanup.path("reason").asText(), firstCleanup.toString());
        assertEquals(List.of(), texts(firstCleanup.get("dropped")));
        assertEquals(List.of(), texts(firstCleanup.get("detached")));
        JsonNode secondCleanup = policyIn(cleanup, "second");
        assertEquals("Skipped", secondCleanup.path("outcome").asText(), secondCleanup.toString());
        assertEquals("ConflictingPolicy", secondCleanup.path("reason").asText(), secondCleanup.toString());
        assertNull(secondCleanup.get("dropped"));
        assertEquals(INITIAL, partitions(), "cleanup dropped or created a partition");
        assertEquals(ROWS, db.queryLong("SELECT count(*) FROM noetl.metric"));

        JsonNode create = post("api/metrics/partitions/create?days_ahead=1");
        JsonNode firstCreate = policyIn(create, "first");
        assertEquals("Applied", firstCreate.path("outcome").asText(), firstCreate.toString());
        assertEquals("ConflictingPolicy", firstCreate.path("reason").asText(), firstCreate.toString());
        assertEquals(List.of(day(22)), texts(firstCreate.get("created")));
        JsonNode secondCreate = policyIn(create, "second");
        assertEquals("Skipped", secondCreate.path("outcome").asText(), secondCreate.toString());
        assertEquals("ConflictingPolicy", secondCreate.path("reason").asText(), secondCreate.toString());
        assertNull(secondCreate.get("created"));
        assertTable("HTTP endpoints");
        Decision httpCleanup = reportDecision(cleanup, "Skipped");
        Decision httpCreate = reportDecision(create, "Skipped");

        // 3. apply --once, on the table as it was, given both policies as the API server has them (second first in
        // the file, so the file's order cannot be what decides)
        resetTable();
        Path file = Files.createTempFile("claim-policies", ".yaml");
        try {
            Files.writeString(file, asFileDocument(get("second")) + "---\n" + asFileDocument(get("first")));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            MaintenanceCommand command = new MaintenanceCommand(new TargetResolver(StandaloneConfig.INSTANCE),
                    DatabaseConnections.postgres(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()),
                    StandaloneConfig.INSTANCE.clock().maxSkew(),
                    TestClockProducer.CLOCK, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = command.run(List.of("apply", "-f", file.toString(), "--once", "-o", "json", "--database-url",
                    db.url(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD));
            String stdout = out.toString(StandardCharsets.UTF_8);
            assertEquals(MaintenanceCommand.DONE, exit, stdout + err.toString(StandardCharsets.UTF_8));
            JsonNode report = json.readTree(stdout);
            JsonNode firstApply = policyIn(report, "first");
            assertEquals("Applied", firstApply.path("outcome").asText(), firstApply.toString());
            assertEquals(List.of("CreatePartition " + day(22)), actions(firstApply), stdout);
            assertTrue(reasons(firstApply.get("findings")).contains("ConflictingPolicy"), firstApply.toString());
            JsonNode secondApply = policyIn(report, "second");
            assertEquals("Planned", secondApply.path("outcome").asText(), secondApply.toString());
            assertEquals("ConflictingPolicy", secondApply.path("reason").asText(), secondApply.toString());
            // what second shows as planned is narrowed as well: creations only, none of them applied
            assertFalse(actions(secondApply).isEmpty(), secondApply.toString());
            assertTrue(actions(secondApply).stream().allMatch(a -> a.startsWith("CreatePartition ")),
                    secondApply.toString());
            assertTable("apply --once");
            Decision cli = reportDecision(report, "Planned");

            // 4. the same rule everywhere: the same policy acts, the same one is held back and names it
            assertEquals(expected, reconciler, "reconciler");
            assertEquals(expected, httpCleanup, "POST /api/metrics/cleanup");
            assertEquals(expected, httpCreate, "POST /api/metrics/partitions/create");
            assertEquals(expected, cli, "apply --once");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String day(int day) {
        return String.format("metric_2026_11_%02d", day);
    }

    /** noetl.metric with a daily partition for each of {@link #INITIAL}, 100 rows each. */
    private static void createMetricTable() {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "CREATE SCHEMA noetl",
                "CREATE TABLE noetl.metric (metric_id bigserial, metric_name text NOT NULL, "
                        + "metric_value double precision NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                        + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
        for (int d = 14; d <= 21; d++) {
            db.execute(String.format("CREATE TABLE noetl.%s PARTITION OF noetl.metric "
                    + "FOR VALUES FROM ('2026-11-%02d 00:00+00') TO ('2026-11-%02d 00:00+00')", day(d), d, d + 1),
                    String.format("INSERT INTO noetl.metric (metric_name, metric_value, created_at) "
                            + "SELECT 'cpu', g, '2026-11-%02d 12:00+00'::timestamptz FROM generate_series(1, 100) g",
                            d));
        }
        assertEquals(INITIAL, partitions());
    }

    /** The partitions the Events of reason {@code reason} about resource {@code name} name, in order, each once. */
    private List<String> partitionsNamed(String name, String reason) {
        return KubeFixtures.eventsAbout(kube.admin(), kube.namespace(), name, reason).stream()
                .flatMap(e -> Pattern.compile("metric_\\d{4}_\\d\\d_\\d\\d").matcher(e.getMessage()).results()
                        .map(java.util.regex.MatchResult::group))
                .distinct().sorted().toList();
    }

    /** Back to the table every entry point starts from: the partitions made since (empty, all in the future) go. */
    private static void resetTable() {
        for (String p : partitions()) {
            if (!INITIAL.contains(p)) {
                db.execute("DROP TABLE noetl." + p);
            }
        }
        assertEquals(INITIAL, partitions());
        assertEquals(ROWS, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    /** Nothing dropped or detached, every row kept, and only first's premake created. */
    private static void assertTable(String by) {
        assertEquals(AFTER, partitions(), by);
        assertEquals(ROWS, db.queryLong("SELECT count(*) FROM noetl.metric"), by);
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'archive'"), by);
    }

    private static List<String> partitions() {
        return db.partitions("noetl.metric");
    }

    private MetricRetentionPolicy apply(String name, String secret, Consumer<MetricRetentionPolicySpec> customize) {
        return KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                kube.namespace(), name, secret, customize);
    }

    private MetricRetentionPolicy get(String name) {
        return kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName(name).get();
    }

    private MetricRetentionPolicy await(String name, Predicate<LifecycleStatus> check) {
        return KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), name,
                MetricRetentionPolicy::getStatus, check);
    }

    /** The resource as the API server returns it, metadata.creationTimestamp included; no status, no managedFields. */
    private static String asFileDocument(MetricRetentionPolicy policy) {
        assertTrue(policy.getMetadata().getCreationTimestamp() != null);
        policy.getMetadata().setManagedFields(null);
        policy.setStatus(null);
        return Serialization.asYaml(policy).replaceFirst("^---\n", "");
    }

    private JsonNode post(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.toURI()
                .resolve(path)).header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return json.readTree(response.body());
    }

    private JsonNode policyIn(JsonNode report, String name) {
        for (JsonNode p : report.get("policies")) {
            if (kube.namespace().equals(p.path("namespace").asText()) && name.equals(p.path("name").asText())) {
                return p;
            }
        }
        throw new AssertionError(name + " is not in " + report);
    }

    private static List<String> texts(JsonNode array) {
        assertTrue(array != null && array.isArray(), String.valueOf(array));
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> actions(JsonNode policy) {
        List<String> out = new ArrayList<>();
        policy.path("actions").forEach(a -> out.add(a.path("action").asText() + " " + a.path("partition").asText()));
        return out;
    }

    private static List<String> reasons(JsonNode findings) {
        List<String> out = new ArrayList<>();
        findings.forEach(f -> out.add(f.path("reason").asText()));
        return out;
    }

    private static List<String> namedAsActing(String message) {
        Matcher m = ACTING.matcher(message == null ? "" : message);
        return m.find() ? List.of(m.group(1)) : List.of();
    }

    /** The reconciler lets a policy act when it maintained the table; it holds one back with Ready=False. */
    private static Decision reconcilerDecision(List<MetricRetentionPolicy> policies) {
        List<String> acting = new ArrayList<>();
        List<String> heldBack = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (MetricRetentionPolicy p : policies) {
            String id = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
            var ready = p.getStatus().condition("Ready").orElseThrow();
            if (ready.getStatus() == ConditionStatus.True && p.getStatus().getLastMaintenance() != null) {
                acting.add(id);
            } else if (ready.getStatus() == ConditionStatus.False && "ConflictingPolicy".equals(ready.getReason())) {
                heldBack.add(id);
                named.addAll(namedAsActing(ready.getMessage()));
            }
        }
        return new Decision(acting.stream().sorted().toList(), heldBack.stream().sorted().toList(), named);
    }

    /** An endpoint's or the command's report: Applied acts; {@code heldOutcome} with ConflictingPolicy is held back. */
    private static Decision reportDecision(JsonNode report, String heldOutcome) {
        List<String> acting = new ArrayList<>();
        List<String> heldBack = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (JsonNode p : report.get("policies")) {
            String id = p.path("namespace").asText() + "/" + p.path("name").asText();
            String outcome = p.path("outcome").asText();
            if ("Applied".equals(outcome)) {
                acting.add(id);
            } else if (heldOutcome.equals(outcome) && "ConflictingPolicy".equals(p.path("reason").asText())) {
                heldBack.add(id);
                named.addAll(namedAsActing(p.path("message").asText()));
            }
        }
        return new Decision(acting.stream().sorted().toList(), heldBack.stream().sorted().toList(), named);
    }
}
