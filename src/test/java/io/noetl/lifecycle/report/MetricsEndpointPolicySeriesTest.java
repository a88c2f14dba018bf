package io.noetl.lifecycle.report;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.MetricsScrape;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #27: the series on {@code /q/metrics} grow with the number of MetricRetentionPolicies by exactly the per-policy
 * gauges docs/monitoring.md documents, and by nothing else: the durations are the kind's histograms, the counters the
 * kind's, the conditions counted per state. The real kube-apiserver, the operator as deploy/ runs it, real PostgreSQL;
 * each policy keeps its own plain partitioned table (a stand-in for NoETL's, which only one policy could keep), on a
 * direct connection: which series a policy adds does not depend on the path to its database.
 */
@QuarkusTest
@WithApiServer("series")
class MetricsEndpointPolicySeriesTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    /** docs/monitoring.md, "Per resource": a policy without rollups or an export has these and no more. */
    private static final Set<String> PER_POLICY = Set.of("lifecycle_partitions", "lifecycle_partitions_bytes",
            "lifecycle_coverage_ahead_seconds", "lifecycle_last_success_timestamp_seconds");
    private static TestDatabase db;

    ApiServerContext kube;

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("series_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void theSeriesGrowByTheDocumentedGaugesPerPolicyAndNothingElse() {
        TestClockProducer.CLOCK.set(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "CREATE SCHEMA noetl");
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "series-db", db);
        int few = 3;
        int more = 5;
        policies(0, few);
        List<String> before = series();
        policies(few, few + more);
        List<String> after = series();

        assertEquals(before.size() + more * PER_POLICY.size(), after.size(), () -> "added: " + added(before, after));
        for (int i = few; i < few + more; i++) {
            String name = "name=\"p" + i + "\"";
            assertEquals(PER_POLICY, after.stream().filter(l -> l.contains(name)).map(l -> l.substring(0,
                    l.indexOf('{'))).collect(Collectors.toSet()), "policy p" + i + "'s own series");
            assertEquals(PER_POLICY.size(), after.stream().filter(l -> l.contains(name)).count());
        }
        // the durations are one histogram for the kind, with the same buckets however many policies
        long histogram = before.stream().filter(l -> l.startsWith("lifecycle_maintenance_duration_seconds")).count();
        assertEquals(16, histogram, "12 buckets, +Inf, _count, _sum and _max (docs/monitoring.md): " + before);
        assertEquals(histogram, after.stream().filter(l -> l.startsWith("lifecycle_maintenance_duration_seconds"))
                .count());
        assertTrue(after.stream().filter(l -> l.startsWith("lifecycle_maintenance_duration_seconds"))
                .noneMatch(l -> l.contains("name=")), "no resource label on the histogram");
        // every policy counted once in its condition state, in one series per state
        String scope = "{kind=\"MetricRetentionPolicy\",namespace=\"" + kube.namespace() + "\"";
        assertEquals(few + more, MetricsScrape.sample(MetricsScrape.scrape(metricsUrl), "lifecycle_conditions" + scope
                + ",reason=\"Maintained\",status=\"True\",type=\"Ready\"}"));
        // how many series do not grow with the policies (docs/monitoring.md)
        System.out.println("series on /q/metrics (lifecycle_ and operator_sdk_): " + after.size() + " with "
                + (few + more) + " policies, of which " + (after.size() - (few + more) * PER_POLICY.size())
                + " do not grow with them; sample lines in all: " + MetricsScrape.scrape(metricsUrl).lines()
                        .filter(l -> !l.startsWith("#") && !l.isBlank()).count());
    }

    /** Policies p{from} .. p{to - 1}, each on its own table, and waits until each has been maintained. */
    private void policies(int from, int to) {
        for (int i = from; i < to; i++) {
            db.execute("CREATE TABLE noetl.m" + i + " (metric_id bigserial, runtime_id bigint NOT NULL, metric_name "
                    + "text NOT NULL, metric_value double precision NOT NULL, created_at timestamptz NOT NULL, "
                    + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
            String table = "noetl.m" + i;
            KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                    kube.namespace(), "p" + i, "series-db", s -> {
                        s.setTable(table);
                        s.setPremake(1);
                    });
        }
        for (int i = from; i < to; i++) {
            KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), "p" + i,
                    MetricRetentionPolicy::getStatus, condition("Ready", "True", "Maintained"));
        }
    }

    /** The operator's and the framework's sample lines of one scrape. */
    private List<String> series() {
        return MetricsScrape.scrape(metricsUrl).lines().filter(l -> l.startsWith("lifecycle_")
                || l.startsWith("operator_sdk_")).map(l -> l.substring(0, l.lastIndexOf(' '))).toList();
    }

    private static String added(List<String> before, List<String> after) {
        List<String> added = after.stream().filter(l -> !before.contains(l)).toList();
        return added.size() + " series, the first " + added.subList(0, Math.min(30, added.size()));
    }
}
