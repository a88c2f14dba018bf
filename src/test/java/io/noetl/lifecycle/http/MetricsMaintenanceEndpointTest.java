package io.noetl.lifecycle.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.RetentionRef;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.WithApiServer;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The seed's maintenance endpoints, enabled, against a real kube-apiserver and a real PostgreSQL. */
@QuarkusTest
@TestProfile(MetricsMaintenanceEndpointTest.Enabled.class)
@WithApiServer("endpoint")
class MetricsMaintenanceEndpointTest {
    private static final String TOKEN = "s3cret-token-for-tests";
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static TestDatabase db;

    /**
     * Endpoints on, token in the Secret {@code maintenance-token}; the operator's own loop stays off so the
     * endpoints' effects are theirs alone (a running reconciler would drop the same partitions first).
     */
    public static class Enabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lifecycle.http.enabled", "true",
                    "lifecycle.http.token-secret", "maintenance-token",
                    "lifecycle.operator.start", "false");
        }
    }

    ApiServerContext kube;

    @TestHTTPResource("/")
    URL base;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("endpoint_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void setUp() {
        TestClockProducer.CLOCK.set(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        createMetricTableWithDays(18, 19, 20, 21);
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "metrics-db", db);
        // the token Secret lives where the operator runs: the namespace of its kubeconfig
        kube.admin().secrets().inNamespace(kube.namespace()).resource(new SecretBuilder().withNewMetadata()
                .withName("maintenance-token").endMetadata().withStringData(Map.of("token", TOKEN)).build())
                .createOr(s -> s.update());
        policy("metrics", s -> {
        });
        policy("paused", s -> {
            s.setTable("noetl.other_metric");
            s.setSuspend(true);
        });
        policy("broken", s -> s.setTimeZone("Mars/Olympus_Mons"));
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), MetricRetentionPolicy.class, kube.namespace());
    }

    private void policy(String name, Consumer<MetricRetentionPolicySpec> customize) {
        KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(), kube.namespace(), name, "metrics-db", customize);
    }

    /** Daily partitions of noetl.metric for the given days of 2026-11, 100 rows each. */
    private void createMetricTableWithDays(int... days) {
        db.execute("CREATE SCHEMA noetl",
                "CREATE TABLE noetl.metric (metric_id bigserial, metric_name text NOT NULL, "
                        + "metric_value double precision NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
                        + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
        for (int d : days) {
            db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric "
                    + "FOR VALUES FROM ('2026-11-%02d 00:00+00') TO ('2026-11-%02d 00:00+00')", d, d, d + 1),
                    String.format("INSERT INTO noetl.metric (metric_name, metric_value, created_at) "
                            + "SELECT 'cpu', g, '2026-11-%02d 12:00+00'::timestamptz FROM generate_series(1, 100) g",
                            d));
        }
    }

    private HttpResponse<String> post(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.toURI().resolve(path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode policyIn(JsonNode report, String name) {
        for (JsonNode p : report.get("policies")) {
            if (kube.namespace().equals(p.get("namespace").asText()) && name.equals(p.get("name").asText())) {
                return p;
            }
        }
        throw new AssertionError(name + " is not in " + report);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private List<String> partitions() {
        return db.partitions("noetl.metric");
    }

    @Test
    void refusesACallWithoutTheToken() throws Exception {
        HttpResponse<String> response = post("api/metrics/cleanup", null);

        assertEquals(401, response.statusCode());
        assertEquals("MissingToken", json.readTree(response.body()).get("reason").asText());
        assertEquals(4, partitions().size());
    }

    @Test
    void refusesAWrongTokenWithoutEchoingEitherToken() throws Exception {
        HttpResponse<String> response = post("api/metrics/partitions/create?days_ahead=3", "not-" + TOKEN);

        assertEquals(401, response.statusCode());
        assertEquals("InvalidToken", json.readTree(response.body()).get("reason").asText());
        assertFalse(response.body().contains(TOKEN));
        assertEquals(4, partitions().size());
    }

    @Test
    void cleanupDropsExactlyTheExpiredPartitionsAndNamesThem() throws Exception {
        HttpResponse<String> response = post("api/metrics/cleanup", TOKEN);

        assertEquals(200, response.statusCode(), response.body());
        JsonNode report = json.readTree(response.body());
        JsonNode metrics = policyIn(report, "metrics");
        assertEquals("Applied", metrics.get("outcome").asText());
        // now - retention (1d) = 11-20 10:00: the partitions ending 11-19 and 11-20 have expired, with their rows
        assertEquals(List.of("metric_2026_11_18", "metric_2026_11_19"), texts(metrics.get("dropped")));
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"), partitions());
        assertNull(metrics.get("created"));
        // cleanup never creates
        assertEquals(2, partitions().size());

        JsonNode paused = policyIn(report, "paused");
        assertEquals("Skipped", paused.get("outcome").asText());
        assertEquals("Suspended", paused.get("reason").asText());
        JsonNode broken = policyIn(report, "broken");
        assertEquals("InvalidSpec", broken.get("reason").asText());
        assertTrue(broken.get("message").asText().contains("spec.timeZone"), broken.toString());

        // a second call finds nothing more to drop
        JsonNode again = policyIn(json.readTree(post("api/metrics/cleanup", TOKEN).body()), "metrics");
        assertEquals(List.of(), texts(again.get("dropped")));
    }

    @Test
    void createWithThreeDaysAheadMakesAndNamesThePartitionsUpToThreeDaysOut() throws Exception {
        HttpResponse<String> response = post("api/metrics/partitions/create?days_ahead=3", TOKEN);

        assertEquals(200, response.statusCode(), response.body());
        JsonNode metrics = policyIn(json.readTree(response.body()), "metrics");
        assertEquals("Applied", metrics.get("outcome").asText());
        assertEquals(List.of("metric_2026_11_22", "metric_2026_11_23", "metric_2026_11_24"),
                texts(metrics.get("created")));
        // creating never drops, though two partitions have expired
        assertEquals(List.of("metric_2026_11_18", "metric_2026_11_19", "metric_2026_11_20", "metric_2026_11_21",
                "metric_2026_11_22", "metric_2026_11_23", "metric_2026_11_24"), partitions());
        assertNull(metrics.get("dropped"));
    }

    @Test
    void createOnlyCreatesEvenForAPolicyWithRollups() throws Exception {
        // the columns a rollup reads, so that one would run: 11-18 to 11-20 are closed and due (issue 23, 12). A
        // stand-in table (this class's minimal shape with a timestamptz created_at, not NoETL's live DDL): what is
        // checked is which passes the call runs, not how a rollup reads NoETL's columns (the live-shape rollup tests
        // cover that); the real API server and PostgreSQL, direct connection
        db.execute("ALTER TABLE noetl.metric ADD COLUMN metric_type text NOT NULL DEFAULT 'gauge', "
                + "ADD COLUMN runtime_id bigint NOT NULL DEFAULT 1, ADD COLUMN labels jsonb");
        policy("metrics", s -> s.setRollups(List.of(new io.noetl.lifecycle.api.RollupTier("1h", "30d"))));

        HttpResponse<String> response = post("api/metrics/partitions/create?days_ahead=1", TOKEN);

        assertEquals(200, response.statusCode(), response.body());
        JsonNode metrics = policyIn(json.readTree(response.body()), "metrics");
        assertEquals(List.of("metric_2026_11_22"), texts(metrics.get("created")), metrics.toString());
        // no rollup ran: no tier table, no rollup ledger, no catalogue
        assertEquals(List.of(), db.queryStrings("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n "
                + "ON n.oid = c.relnamespace WHERE n.nspname = 'noetl' AND c.relkind IN ('r', 'p') "
                + "AND c.relname NOT LIKE 'metric\\_2026\\_%' AND c.relname NOT IN ('metric', 'lifecycle_retention') "
                + "ORDER BY 1"), metrics.toString());

        // the pass of cleanup (or the reconciler's) is where rollups run: the same policy rolls up there
        HttpResponse<String> cleanup = post("api/metrics/cleanup", TOKEN);
        assertEquals(200, cleanup.statusCode(), cleanup.body());
        assertTrue(db.queryStrings("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'noetl' AND c.relname = 'metric_rollup_1h'").size() == 1, cleanup.body());
    }

    @Test
    void refusesBadDaysAheadWithAReason() throws Exception {
        for (String query : List.of("", "?days_ahead=", "?days_ahead=three", "?days_ahead=-1",
                "?days_ahead=1001", "?days_ahead=2.5")) {
            HttpResponse<String> response = post("api/metrics/partitions/create" + query, TOKEN);
            assertEquals(400, response.statusCode(), query + ": " + response.body());
            JsonNode body = json.readTree(response.body());
            assertEquals("InvalidParameter", body.get("reason").asText());
            assertTrue(body.get("message").asText().contains("days_ahead"), body.toString());
        }
        assertEquals(4, partitions().size());
    }

    @Test
    void cleanupWaitsForAShortenedRetentionTheStatusSaysIsWaitingItsGrace() throws Exception {
        // as the operator would have recorded it: retention shortened from 30d to 1d at 09:30, in force from 10:30
        MetricRetentionPolicy p = kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace())
                .withName("metrics").get();
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setRetention(new RetentionRef("30d", "1d", "2026-11-21T09:30:00Z", "2026-11-21T10:30:00Z"));
        p.setStatus(status);
        kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).resource(p).updateStatus();

        JsonNode metrics = policyIn(json.readTree(post("api/metrics/cleanup", TOKEN).body()), "metrics");
        assertEquals("Applied", metrics.get("outcome").asText());
        assertEquals(List.of(), texts(metrics.get("dropped")));
        assertEquals("RetirementsDeferred", metrics.get("reason").asText());
        assertTrue(metrics.get("message").asText().contains("2026-11-21T10:30:00Z"), metrics.toString());
        assertEquals(4, partitions().size());

        // once it is in force the same call drops them
        TestClockProducer.CLOCK.set(Instant.parse("2026-11-21T10:30:00Z"));
        metrics = policyIn(json.readTree(post("api/metrics/cleanup", TOKEN).body()), "metrics");
        assertEquals(List.of("metric_2026_11_18", "metric_2026_11_19"), texts(metrics.get("dropped")));
        assertNull(metrics.get("reason"));
    }

    @Test
    void cleanupCallsWithinAMaintenanceIntervalShareMaxRetirementsPerPass() throws Exception {
        policy("metrics", s -> s.setMaxRetirementsPerPass(1));
        JsonNode metrics = policyIn(json.readTree(post("api/metrics/cleanup", TOKEN).body()), "metrics");
        assertEquals(List.of("metric_2026_11_18"), texts(metrics.get("dropped")));
        assertEquals("RetirementsDeferred", metrics.get("reason").asText());
        assertTrue(metrics.get("message").asText().contains("metric_2026_11_19"), metrics.toString());
        // a second call at once retires nothing: the bound is per maintenanceInterval (10m), not per call
        TestClockProducer.CLOCK.set(NOW.plusSeconds(60));
        metrics = policyIn(json.readTree(post("api/metrics/cleanup", TOKEN).body()), "metrics");
        assertEquals("Applied", metrics.get("outcome").asText());
        assertEquals(List.of(), texts(metrics.get("dropped")));
        assertEquals("RetirementsDeferred", metrics.get("reason").asText());
        assertTrue(metrics.get("message").asText().contains("2026-11-21T10:10:00Z"), metrics.toString());
        assertEquals(List.of("metric_2026_11_19", "metric_2026_11_20", "metric_2026_11_21"), partitions());
        // once the interval has passed since that retirement, the next call may retire again
        TestClockProducer.CLOCK.set(NOW.plusSeconds(600));
        metrics = policyIn(json.readTree(post("api/metrics/cleanup", TOKEN).body()), "metrics");
        assertEquals(List.of("metric_2026_11_19"), texts(metrics.get("dropped")));
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21"), partitions());
    }

    @Test
    void wrongTokensDoNotEachReadTheSecret() throws Exception {
        assertEquals(200, post("api/metrics/partitions/create?days_ahead=0", TOKEN).statusCode());
        long before = tokenReads();
        for (int i = 0; i < 20; i++) {
            assertEquals(401, post("api/metrics/cleanup", "wrong-" + i).statusCode());
        }
        assertEquals(200, post("api/metrics/partitions/create?days_ahead=0", TOKEN).statusCode());
        long reads = tokenReads() - before;
        assertTrue(reads <= 1, reads + " reads of the token Secret for 21 calls");
    }

    /** How many times the operator has read the token Secret from the API server (its audit log). */
    private long tokenReads() {
        return kube.server().requestsOf(kube.operator().user()).stream().filter(r -> "secrets".equals(r.resource())
                && "maintenance-token".equals(r.name()) && "get".equals(r.verb())).count();
    }

    @Test
    void theOperatorLoopIsOffInThisProfile() {
        // guards the test design: a policy with a status would mean the reconciler raced the endpoints
        var status = kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName("metrics").get()
                .getStatus();
        assertTrue(status == null || status.getObservedGeneration() == null, "the reconciler wrote a status");
    }

}
