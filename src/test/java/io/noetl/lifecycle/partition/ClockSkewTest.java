package io.noetl.lifecycle.partition;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.MetricsScrape;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A wrong clock never drops live data. The operator's clock is put 30 days ahead of the database server's, 30 days
 * behind, and 10 seconds ahead (within lifecycle.clock.max-skew), on a database holding rows written today; real
 * kube-apiserver, the operator as deploy/ runs it, real PostgreSQL. The operator's clock is the injected test
 * clock; the server's is the test database's shadow of now() (a stand-in: PostgreSQL's own clock cannot be moved).
 */
@QuarkusTest
@WithApiServer("skew")
class ClockSkewTest {
    /** The database's "today". */
    private static final Instant SERVER = Instant.parse("2026-11-21T10:00:00Z");
    private static TestDatabase db;

    ApiServerContext kube;

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("skew_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void setUp() {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE",
                "CREATE SCHEMA noetl",
                "CREATE TABLE noetl.runtime (runtime_id bigint PRIMARY KEY, name text NOT NULL, "
                        + "component_type text NOT NULL, status text NOT NULL DEFAULT 'ready')",
                "INSERT INTO noetl.runtime VALUES (1, 'w1', 'worker_pool', 'ready')",
                "CREATE TABLE noetl.metric (metric_id bigserial, runtime_id bigint NOT NULL REFERENCES noetl.runtime, "
                        + "metric_name text NOT NULL, metric_value double precision NOT NULL, created_at timestamptz "
                        + "NOT NULL, PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
        for (int d = 14; d <= 21; d++) {
            db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric "
                    + "FOR VALUES FROM ('2026-11-%02d 00:00+00') TO ('2026-11-%02d 00:00+00')", d, d, d + 1));
        }
        // 1,000 rows written today, and a few on each earlier day
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_value, created_at) "
                + "SELECT 1, 'cpu', g, '2026-11-21 09:00+00'::timestamptz + g * interval '1 second' "
                + "FROM generate_series(1, 1000) g",
                "INSERT INTO noetl.metric (runtime_id, metric_name, metric_value, created_at) "
                + "SELECT 1, 'cpu', d, '2026-11-14 12:00+00'::timestamptz + d * interval '1 day' "
                + "FROM generate_series(0, 6) d");
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "skew-db", db);
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), MetricRetentionPolicy.class, kube.namespace());
    }

    private static List<String> days(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(d -> d <= 30 ? String.format("metric_2026_11_%02d", d)
                : String.format("metric_2026_12_%02d", d - 30)).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"P30D", "-P30D", "PT10S"})
    void retiresOnlyWhenTheClocksAgreeAndCreatesForTheServersTime(String offset) {
        Duration skew = Duration.parse(offset);
        // the database follows the test clock until told otherwise: set the operator's, then the server's
        TestClockProducer.CLOCK.set(SERVER.plus(skew));
        db.setServerTime(SERVER);
        String name = "skew-" + (skew.isNegative() ? "behind" : skew.toDays() > 0 ? "ahead" : "within");
        KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                kube.namespace(), name, "skew-db", s -> {
                    s.setInterval("1d");
                    s.setPremake(7);
                    s.setRetention("1d");
                });
        boolean tooFar = skew.abs().compareTo(Duration.ofSeconds(30)) > 0;
        Predicate<LifecycleStatus> passed = s -> ((MetricRetentionPolicyStatus) s).getLastMaintenance() != null
                && condition("Ready", "True", "Maintained").test(s)
                && (tooFar ? condition("Degraded", "True", "ClockSkew") : condition("Degraded", "False", "AsExpected"))
                        .test(s);
        MetricRetentionPolicy p = KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), name,
                MetricRetentionPolicy::getStatus, passed);

        List<String> partitions = db.partitions("noetl.metric");
        // the server's today plus premake 7, whatever the operator's clock says
        assertTrue(partitions.containsAll(days(22, 28)), partitions.toString());
        assertFalse(partitions.contains("metric_2026_11_29"), partitions.toString());
        assertFalse(partitions.stream().anyMatch(n -> n.startsWith("metric_2026_12") || n.startsWith("metric_2026_10")),
                "nothing is created for the operator's time: " + partitions);
        assertEquals(1000, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_21"), "today's rows are there");
        if (tooFar) {
            assertTrue(partitions.containsAll(days(14, 21)), "nothing is retired: " + partitions);
            assertEquals(1007, db.queryLong("SELECT count(*) FROM noetl.metric"));
            String message = p.getStatus().condition("Degraded").orElseThrow().getMessage();
            assertTrue(message.contains(SERVER.plus(skew).toString()) && message.contains(SERVER.toString()),
                    "both times are named: " + message);
            assertTrue(p.getStatus().getLastMaintenance().getDropped() == null
                    || p.getStatus().getLastMaintenance().getDropped().isEmpty());
            List<Event> events = kube.admin().v1().events().inNamespace(kube.namespace()).list().getItems().stream()
                    .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
            assertTrue(events.stream().anyMatch(e -> "ClockSkew".equals(e.getReason()) && "Warning".equals(e.getType())),
                    "a Warning Event: " + events.stream().map(Event::getReason).toList());
        } else {
            // within the allowed skew, retention works as ever: 11-14 .. 11-19 end before 11-20 10:00
            assertEquals(days(20, 28), partitions);
            assertEquals(1001, db.queryLong("SELECT count(*) FROM noetl.metric"));
        }
        // the only policy of its namespace: the namespace's widest skew is its own
        String scope = "{kind=\"MetricRetentionPolicy\",namespace=\"" + kube.namespace() + "\"";
        String metrics = MetricsScrape.scrape(metricsUrl);
        assertEquals((double) skew.toSeconds(), MetricsScrape.sample(metrics, "lifecycle_clock_skew_seconds" + scope
                + "}"), 1.0);
        // the resources in Degraded=True ClockSkew, which NoetlClockSkew alerts on
        assertEquals(tooFar ? 1.0 : 0.0, MetricsScrape.sampleOrZero(metrics, "lifecycle_conditions" + scope
                + ",reason=\"ClockSkew\",status=\"True\",type=\"Degraded\"}"));
    }
}
