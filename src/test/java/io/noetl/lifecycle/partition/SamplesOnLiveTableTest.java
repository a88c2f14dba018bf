package io.noetl.lifecycle.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.LiveMetricData;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The files of {@code config/samples/} as they are in the repository, applied server-side (as Argo CD and Flux apply
 * them) to a real kube-apiserver, the operator running as deployed, PostgreSQL holding NoETL's live DDL and nine days
 * of its metric rows, and a real VictoriaMetrics as the receiver.
 *
 * <ol>
 * <li>{@code metricretentionpolicy-export.yaml} (raw rows kept 7 days, each closed day exported first): every closed
 * partition is exported and confirmed, VictoriaMetrics holds exactly the rows' samples, and the days past 7d go;</li>
 * <li>then, in its place, {@code kustomization.yaml}'s list ({@code metricretentionpolicy.yaml} with its three tiers,
 * {@code eventpartitionplan.yaml}, {@code runtimecomponent.yaml}): every closed partition left is rolled into each
 * tier, equal to the aggregates {@link LiveMetricData} computes, and, the shortened retention (7d to 1d) having waited
 * its grace of an hour (the clocks moved on), the days past 1d go; all three are Ready.</li>
 * </ol>
 * The stored specs are the ones applied, untouched by the operator.
 *
 * <p>What stands in, and why: {@code secret.yaml} is replaced by a Secret for the test database (the sample says to
 * replace it); the export sample's {@code spec.export.url}, an in-cluster Service name, is replaced by the loopback
 * receiver's, the one field changed; {@code noetl.event}, which {@code eventpartitionplan.yaml} expects to exist
 * ({@code bootstrap: Never}), is made by the seed-001 shape ({@link SeedSchema#ensureEventTable}), NoETL's event DDL
 * being outside this test; the clocks are the injected test clock and the database's stand-in {@code now()}, both at
 * {@link #NOW}; VictoriaMetrics is flushed every 200 ms (a new series otherwise answers queries after up to 10 s).
 */
@QuarkusTest
@WithApiServer("samples")
class SamplesOnLiveTableTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant FIRST_DAY = Instant.parse("2026-11-13T00:00:00Z");
    private static final Path SAMPLES = Path.of("config/samples");
    private static TestDatabase db;
    private static VictoriaMetricsServer vm;
    private static ScheduledExecutorService flusher;
    private static LiveMetricData data;

    ApiServerContext kube;

    @BeforeAll
    static void start() throws Exception {
        OsTool.VICTORIA_METRICS.assumePresent("to apply the shipped samples end to end");
        TestClockProducer.CLOCK.set(NOW);
        db = TestDatabase.create("samples_e2e");
        db.setServerTime(NOW);
        vm = VictoriaMetricsServer.start();
        flusher = vm.flushEvery200ms();
        // nine days of NoETL's rows, 11-13 .. 11-21, one sample every 10 minutes per series
        data = new LiveMetricData(FIRST_DAY, 9, 600);
        try (Connection c = db.connect()) {
            MetricShape.loadLive(c);
            for (int d = 13; d <= 21; d++) {
                db.execute("SELECT noetl.create_metric_partition(date '2026-11-" + d + "')");
            }
            data.load(c, MetricShape.LIVE, "noetl.metric", ZoneOffset.UTC);
            SeedSchema.ensureEventTable(c, new TableName("noetl", "event"), "event_default",
                    new SnowflakeLayout(Instant.parse("2024-01-01T00:00:00Z"), 23));
        }
    }

    @AfterAll
    static void stop() {
        Teardown.close(Teardown.stopping(flusher), vm, db);
    }

    /** Applies a YAML document server-side as a GitOps tool would; returns what the server stored. */
    private GenericKubernetesResource apply(String yaml) {
        GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        r.getMetadata().setNamespace(kube.namespace());
        return kube.admin().resource(r).patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager("argocd-controller").withForce(true).build());
    }

    private static String sample(String file) throws Exception {
        return Files.readString(SAMPLES.resolve(file));
    }

    private GenericKubernetesResource current(GenericKubernetesResource r) {
        return kube.admin().genericKubernetesResources(r.getApiVersion(), r.getKind()).inNamespace(kube.namespace())
                .withName(r.getMetadata().getName()).get();
    }

    private static JsonNode status(GenericKubernetesResource r) {
        return new ObjectMapper().valueToTree(r.getAdditionalProperties().get("status"));
    }

    private static String condition(GenericKubernetesResource r, String type) {
        JsonNode status = status(r);
        if (status == null || status.get("conditions") == null) {
            return "";
        }
        for (JsonNode c : status.get("conditions")) {
            if (type.equals(c.get("type").asText())) {
                return c.get("status").asText() + " " + c.path("reason").asText() + " " + c.path("message").asText();
            }
        }
        return "";
    }

    private void assertSpecUnchanged(GenericKubernetesResource stored) {
        GenericKubernetesResource now = current(stored);
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.valueToTree(stored.getAdditionalProperties().get("spec")),
                json.valueToTree(now.getAdditionalProperties().get("spec")), stored.getKind() + " spec changed");
        assertEquals(1L, now.getMetadata().getGeneration(), stored.getKind() + " generation");
    }

    @Test
    void theShippedSamplesKeepNoetlsMetricsOnItsOwnTable() throws Exception {
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "noetl-db", db);

        // 1. the export sample, its receiver URL pointed at the loopback VictoriaMetrics
        String exportYaml = sample("metricretentionpolicy-export.yaml").replace(
                "http://victoria-metrics.monitoring:8428/api/v1/write", vm.writeUrl().toString());
        assertTrue(exportYaml.contains(vm.writeUrl().toString()), "the export sample names its receiver URL");
        GenericKubernetesResource exporting = apply(exportYaml);
        // 11-13 and 11-14 are past 7d at 11-22T10:00; every closed day is exported and confirmed
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<String> left = db.partitions("noetl.metric");
            assertTrue(!left.contains("metric_2026_11_13") && !left.contains("metric_2026_11_14"), left.toString());
            assertEquals(9L, db.queryLong("SELECT count(*) FROM noetl.metric_export_ledger WHERE verified_at IS NOT "
                    + "NULL AND raw_partition BETWEEN 'metric_2026_11_13' AND 'metric_2026_11_21'"));
        });
        assertEquals(data.expectedExport(), LiveMetricData.exported(vm.export("{__name__=~\"live_.*\"}")));
        assertSpecUnchanged(exporting);
        // the pass writes its status after its retirements and ledger rows: awaited, as the checks below are
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            String ready = condition(current(exporting), "Ready");
            assertTrue(ready.startsWith("True"), ready);
        });
        kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName(
                exporting.getMetadata().getName()).delete();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> kube.admin().resources(
                MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName(exporting.getMetadata().getName())
                .get() == null);

        // 2. the kustomization's list instead: the rollup sample, the event plan, the runtime component
        List<String> files = new ArrayList<>();
        for (String line : sample("kustomization.yaml").lines().toList()) {
            String item = line.strip();
            if (item.startsWith("- ") && item.endsWith(".yaml") || item.startsWith("- ") && item.contains(".yaml ")) {
                String file = item.substring(2).split("\\s")[0];
                if (!file.equals("secret.yaml")) {
                    files.add(file);
                }
            }
        }
        assertEquals(List.of("metricretentionpolicy.yaml", "eventpartitionplan.yaml", "runtimecomponent.yaml"), files);
        Map<String, GenericKubernetesResource> stored = new LinkedHashMap<>();
        for (String file : files) {
            stored.put(file, apply(sample(file)));
        }
        // the table was kept 7d by the export sample and is now kept 1d: a shortened retention, which waits
        // spec.retentionChangeGrace (1h by default) whichever resource carries it (the database remembers it)
        GenericKubernetesResource rollupPolicy = stored.get("metricretentionpolicy.yaml");
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertEquals("1d", status(current(rollupPolicy)).path("retention").path("shortenedTo").asText(),
                        String.valueOf(status(current(rollupPolicy)))));
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_15"), "nothing retired during the grace");
        TestClockProducer.CLOCK.advance(Duration.ofMinutes(61));
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (GenericKubernetesResource r : stored.values()) {
                assertTrue(condition(current(r), "Ready").startsWith("True"), r.getKind() + ": "
                        + condition(current(r), "Ready"));
            }
            List<String> left = db.partitions("noetl.metric");
            for (int d = 15; d <= 20; d++) {
                assertTrue(!left.contains("metric_2026_11_" + d), "11-" + d + " past 1d: " + left);
            }
            assertTrue(left.contains("metric_2026_11_21"), left.toString());
        });
        // every closed raw partition left (11-15 .. 11-21) rolled into each tier, equal to the reference
        LiveMetricData rolled = data.from(Instant.parse("2026-11-15T00:00:00Z"));
        try (Connection c = db.connect()) {
            for (String tier : List.of("1m", "5m", "1h")) {
                assertEquals(List.of(), rolled.compareTier(c, "noetl.metric_rollup_" + tier, "noetl.metric_series",
                        io.noetl.lifecycle.metric.rollup.Resolution.parse(tier).width()));
            }
        }
        assertEquals(1L, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE kind = 'worker_pool' "
                + "AND name = 'worker-cpu-01'"));
        stored.values().forEach(this::assertSpecUnchanged);
    }
}
