package io.noetl.lifecycle.metric;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.noetl.lifecycle.api.ApiGroup;
import io.noetl.lifecycle.api.CaSecretRef;
import io.noetl.lifecycle.api.ExportSecretRef;
import io.noetl.lifecycle.api.ExportStatus;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.MetricsScrape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestCertificates;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The export gate of {@code spec.export}, end to end: the operator as deploy/ runs it on a real kube-apiserver, a real
 * PostgreSQL, and a real VictoriaMetrics single-node (Debian's {@code victoria-metrics}, started for this class on
 * loopback with its own storage) as the remote-write receiver. An expired raw partition is dropped only once the
 * receiver holds its samples; a receiver that cannot be reached, or a Secret that is missing or holds the wrong token,
 * makes the policy Degraded {@code ExportFailed} and drops nothing; with rollups too, a raw partition goes only once
 * both ledgers are done.
 *
 * <p>What is real: the API server, the operator (its reconciler, informers, status writes by server-side apply, its
 * Prometheus endpoint), PostgreSQL, VictoriaMetrics (writes through {@code /api/v1/write}, the operator's counts
 * through {@code /api/v1/query}, the test's reading back through {@code /api/v1/export}). What stands in:
 * <ul>
 * <li>the clocks: the operator's is the injected test clock and the server's the test database's shadow of
 * {@code now()} (PostgreSQL's own clock cannot be moved), both at {@link #NOW}; the samples' times are real past
 * days for VictoriaMetrics (it keeps 100 years);</li>
 * <li>VictoriaMetrics is flushed ({@code /internal/force_flush}) every 200 ms: a new series takes it up to about
 * 10 s to answer queries (FINDINGS.md b.4), and the operator's counts would then wait up to 15 s per partition; the
 * flush makes what was acknowledged searchable at once, and the counts must still reach what was sent;</li>
 * <li>the receiver "down" is a loopback port nothing listens on;</li>
 * <li>the authenticating receiver is a JDK {@code HttpServer} in front of VictoriaMetrics that answers 401 unless
 * {@code Authorization: Bearer <token>} matches, and forwards to VictoriaMetrics when it does: VictoriaMetrics
 * single-node ignores the header (its own {@code -httpAuth.*} flags are basic authentication only), so without the
 * stand-in nothing would show that the operator sends the Secret's token, to the write and to the query API alike;
 * the same stand-in as a JDK {@code HttpsServer}, with a certificate for 127.0.0.1 that a CA made in the test issued
 * ({@link TestCertificates}), is the receiver behind TLS of a private CA: VictoriaMetrics' own {@code -tls} flags would
 * serve it as well, but the stand-in also shows that no request (no token) reaches the receiver before the
 * certificate is trusted;</li>
 * <li>that a partition was dropped only after its export was confirmed is seen by an event trigger on
 * {@code sql_drop} in the test database, which records, in the dropping transaction, what both ledgers said of the
 * partition at that moment.</li>
 * </ul>
 * Each test writes its own metric name, so that what an earlier test sent is not in what this one reads back or what
 * the operator counts.
 *
 * <p>The shapes of the metric table ({@link MetricShape}), in one class (each {@code @QuarkusTest} class with its own
 * test resource restarts Quarkus): every test runs on NoETL's live {@code noetl.metric}; the two whose paths differ
 * between the shapes (the sample-time column read by the export and the rollup, the registry's {@code kind} or
 * {@code component_type} joined for the labels, the partition key's type in the closing and retirement of partitions),
 * {@link #expiredPartitionsAreDroppedOnlyOnceTheReceiverHoldsTheirSamples} and
 * {@link #withRollupsToo_aRawPartitionGoesOnlyOnceBothLedgersAreDone}, run on the seed's example too, after the live
 * one, each shape from a fresh {@code noetl} schema, with metric and policy names of its own. The unreachable receiver
 * and the Secret's token are the receiver's side, the same on either shape, and run on the live shape alone: doubling
 * them would add about 20 s to the slowest classes of the suite.
 */
@QuarkusTest
@WithApiServer("export")
class ExportRetirementTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "e2e-token-4f1c";
    /** Closed partitions: 11-17 .. 11-20 (11-21 is open); with retention 2d, 11-17 and 11-18 expire. */
    private static final List<Integer> CLOSED_DAYS = List.of(17, 18, 19, 20);
    private static final int SAMPLES_PER_SERIES_AND_DAY = 72;
    private static TestDatabase db;
    private static VictoriaMetricsServer vm;
    private static ScheduledExecutorService flusher;

    ApiServerContext kube;

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    /** What the test inserted into the closed partitions, by series as the receiver labels them: ms to value. */
    private final Map<Map<String, String>, TreeMap<Long, Double>> expected = new HashMap<>();
    private final Map<String, Long> rowsPerPartition = new LinkedHashMap<>();
    private final List<HttpServer> standIns = new ArrayList<>();

    @BeforeAll
    static void start() {
        OsTool.VICTORIA_METRICS.assumePresent("to run the export end-to-end tests");
        db = TestDatabase.create("export_e2e");
        // what both ledgers say of each raw partition as it is dropped, written by the dropping transaction itself
        db.execute("CREATE TABLE public.dropped (name text, at timestamptz, exports jsonb, tiers bigint)",
                "CREATE FUNCTION public.record_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$\n"
                        + "DECLARE o record; e jsonb; t bigint;\n"
                        + "BEGIN\n"
                        + "  FOR o IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table' "
                        + "AND schema_name = 'noetl' AND object_name LIKE 'metric\\_2%' LOOP\n"
                        + "    e := NULL; t := NULL;\n"
                        + "    IF to_regclass('noetl.metric_export_ledger') IS NOT NULL THEN\n"
                        + "      EXECUTE 'SELECT jsonb_agg(jsonb_build_object(''target'', target, ''verified'', "
                        + "verified_at IS NOT NULL, ''sent'', samples_sent, ''counted'', verified_samples)) FROM "
                        + "noetl.metric_export_ledger WHERE raw_partition = $1' INTO e USING o.object_name;\n"
                        + "    END IF;\n"
                        + "    IF to_regclass('noetl.metric_rollup_ledger') IS NOT NULL THEN\n"
                        + "      EXECUTE 'SELECT count(*) FROM noetl.metric_rollup_ledger WHERE raw_partition = $1' "
                        + "INTO t USING o.object_name;\n"
                        + "    END IF;\n"
                        + "    INSERT INTO public.dropped VALUES (o.object_name, clock_timestamp(), e, t);\n"
                        + "  END LOOP;\n"
                        + "END $$",
                "CREATE EVENT TRIGGER record_drop ON sql_drop EXECUTE FUNCTION public.record_drop()");
        vm = VictoriaMetricsServer.start();
        flusher = vm.flushEvery200ms();
    }

    @AfterAll
    static void stop() {
        Teardown.close(Teardown.stopping(flusher), vm, db);
    }

    /**
     * The metric table of {@code shape} with daily partitions 11-17 to 11-21 (wall-clock UTC bounds on the live
     * shape, whose key is {@code created_at TIMESTAMP}), no rows yet; the database Secret.
     */
    private void setUp(MetricShape shape) throws SQLException {
        expected.clear();
        rowsPerPartition.clear();
        TestClockProducer.CLOCK.set(NOW);
        db.setServerTime(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "TRUNCATE public.dropped");
        try (Connection c = db.connect()) {
            shape.create(c, "noetl.metric");
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, " + shape.registryTypeColumn() + ", status) VALUES "
                + "(1, 'w1', 'worker_pool', 'ready')");
        String zone = shape == MetricShape.LIVE ? "" : "+00";
        for (int d = 17; d <= 21; d++) {
            db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric "
                    + "FOR VALUES FROM ('2026-11-%02d 00:00%s') TO ('2026-11-%02d 00:00%s')", d, d, zone, d + 1, zone));
        }
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "export-db", db);
    }

    /** A name of its own for each shape (metric names, policy names). */
    private static String named(String base, MetricShape shape) {
        return base + (shape == MetricShape.LIVE ? "_live" : "_seed");
    }

    /** The sample time of a row as a {@code timestamptz}: the live shape's {@code created_at} is UTC wall clock. */
    private static String sampleTime(MetricShape shape) {
        return shape == MetricShape.LIVE ? "(created_at AT TIME ZONE 'UTC')" : "\"timestamp\"";
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), MetricRetentionPolicy.class, kube.namespace());
        kube.admin().secrets().inNamespace(kube.namespace()).withName("vm-token").delete();
        kube.admin().secrets().inNamespace(kube.namespace()).withName("vm-ca").delete();
        standIns.forEach(s -> s.stop(0));
    }

    /**
     * Rows of {@code metric} for two series: every 20 minutes of 11-17 .. 11-20 (the closed partitions, remembered in
     * {@link #expected}) and of 11-21 until 09:10 (the open one, never exported), values with fractions, each row's
     * {@code expires_at} a day after it was stored. On the seed's example the sample times are a few seconds before
     * the insert times, at odd milliseconds; on the live shape the sample time is the insert time, {@code created_at}.
     */
    private void seed(String metric, MetricShape shape) throws SQLException {
        List<MetricShape.Row> rows = new ArrayList<>();
        for (int d = 17; d <= 21; d++) {
            Instant day = Instant.parse(String.format("2026-11-%02dT00:00:00Z", d));
            int samples = d == 21 ? 28 : SAMPLES_PER_SERIES_AND_DAY;
            for (int s = 0; s < 2; s++) {
                Map<String, String> series = new TreeMap<>(Map.of("__name__", metric, "host", "h" + s,
                        "runtime_name", "w1", "runtime_type", "worker_pool"));
                for (int i = 0; i < samples; i++) {
                    Instant created = day.plusSeconds(600 + 1200L * i);
                    Instant at = shape == MetricShape.LIVE ? created : created.minusMillis(2500 - 11 * s - 3);
                    double value = s * 1000 + d + i * 0.25;
                    if (d != 21) {
                        expected.computeIfAbsent(series, k -> new TreeMap<>()).put(at.toEpochMilli(), value);
                        rowsPerPartition.merge(partition(d), 1L, Long::sum);
                    }
                    rows.add(new MetricShape.Row(1, metric, "gauge", value, "{\"host\": \"h" + s + "\"}", at,
                            created));
                }
            }
        }
        try (Connection c = db.connect()) {
            shape.insert(c, "noetl.metric", ZoneOffset.UTC, rows);
        }
    }

    private long closedRows() {
        return rowsPerPartition.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String partition(int day) {
        return String.format("metric_2026_11_%02d", day);
    }

    private static List<String> days(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(ExportRetirementTest::partition).toList();
    }

    private static MetricExport export(String url) {
        MetricExport e = new MetricExport(url);
        e.setBatchSamples(100);
        return e;
    }

    private MetricRetentionPolicy apply(String name, Consumer<MetricRetentionPolicySpec> customize) {
        return KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                kube.namespace(), name, "export-db", s -> {
                    s.setInterval("1d");
                    s.setPremake(2);
                    s.setRetention("2d");
                    customize.accept(s);
                });
    }

    private MetricRetentionPolicy await(String name, Predicate<LifecycleStatus> check) {
        return KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), name,
                MetricRetentionPolicy::getStatus, check);
    }

    private static Predicate<LifecycleStatus> export(Predicate<ExportStatus> check) {
        return s -> ((MetricRetentionPolicyStatus) s).getExport() != null
                && check.test(((MetricRetentionPolicyStatus) s).getExport());
    }

    /** Exported to {@code target}, everything closed confirmed, and nothing to report. */
    private static Predicate<LifecycleStatus> settled(String target) {
        return condition("Degraded", "False", "AsExpected").and(export(e -> target.equals(e.getTarget())
                && Integer.valueOf(0).equals(e.getPartitionsPending())));
    }

    private static String deadUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort() + "/api/v1/write";
        }
    }

    /** Everything VictoriaMetrics holds of {@code metric}, by series: "ms=value" in time order, duplicates kept. */
    private static Map<Map<String, String>, List<String>> received(String metric) throws Exception {
        vm.flush();
        Map<Map<String, String>, List<long[]>> samples = new HashMap<>();
        for (String line : vm.export("{__name__=\"" + metric + "\"}", Instant.parse("2026-11-01T00:00:00Z")
                .toEpochMilli(), Instant.parse("2026-12-01T00:00:00Z").toEpochMilli())) {
            JsonNode n = JSON.readTree(line);
            Map<String, String> labels = new TreeMap<>();
            n.get("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            List<long[]> list = samples.computeIfAbsent(labels, k -> new ArrayList<>());
            for (int i = 0; i < n.get("timestamps").size(); i++) {
                list.add(new long[] {n.get("timestamps").get(i).asLong(),
                        Double.doubleToLongBits(n.get("values").get(i).asDouble())});
            }
        }
        Map<Map<String, String>, List<String>> out = new HashMap<>();
        samples.forEach((labels, list) -> out.put(labels, list.stream().sorted((a, b) -> Long.compare(a[0], b[0]))
                .map(s -> s[0] + "=" + Double.longBitsToDouble(s[1])).toList()));
        return out;
    }

    /** VictoriaMetrics holds exactly the rows of the closed partitions: each once, at its millisecond, its value. */
    private void assertReceivedExactly(String metric) throws Exception {
        Map<Map<String, String>, List<String>> want = new HashMap<>();
        expected.forEach((labels, samples) -> want.put(labels, samples.entrySet().stream()
                .map(s -> s.getKey() + "=" + s.getValue()).toList()));
        assertEquals(want, received(metric), "what VictoriaMetrics holds of " + metric + ": the closed partitions' "
                + "rows, each once, and nothing of the open partition");
    }

    /** What the ledgers said of each partition as it was dropped, by name. */
    private Map<String, List<Object>> drops() {
        Map<String, List<Object>> out = new TreeMap<>();
        db.query("SELECT name, exports::text, tiers FROM public.dropped ORDER BY at").forEach(r -> out.put(
                (String) r.get(0), r.subList(1, 3)));
        return out;
    }

    /**
     * Each of {@code partitions}, and no other, was dropped while the export ledger showed it confirmed at
     * {@code target}, counted there at least as many samples as the test inserted into it and sent exactly that many;
     * with {@code tiers}, while the rollup ledger showed it rolled into that many tiers.
     */
    private void assertDroppedOnlyConfirmed(List<String> partitions, String target, Long tiers) throws Exception {
        Map<String, List<Object>> drops = drops();
        assertEquals(partitions, List.copyOf(drops.keySet()), "the partitions dropped");
        for (String p : partitions) {
            JsonNode exports = JSON.readTree(String.valueOf(drops.get(p).get(0)));
            JsonNode row = null;
            for (JsonNode e : exports) {
                if (target.equals(e.get("target").asText())) {
                    row = e;
                }
            }
            assertNotNull(row, () -> p + " was dropped without a ledger row for " + target + ": " + exports);
            assertTrue(row.get("verified").asBoolean(), () -> p + " was dropped unconfirmed: " + exports);
            assertEquals(rowsPerPartition.get(p).longValue(), row.get("sent").asLong(), p + ": samples sent");
            assertTrue(row.get("counted").asLong() >= rowsPerPartition.get(p), () -> p + ": the receiver's count "
                    + "when it was dropped: " + exports);
            if (tiers != null) {
                assertEquals(tiers, ((Number) drops.get(p).get(1)).longValue(), p + ": tiers rolled into when dropped");
            }
        }
    }

    private void assertExportStatus(ExportStatus e, String target) {
        assertEquals(target, e.getTarget());
        assertEquals("Query", e.getVerify());
        assertEquals("metric_2026_11_20", e.getWatermarkPartition());
        assertEquals("2026-11-21T00:00:00Z", e.getWatermark());
        assertEquals(closedRows(), e.getSamplesExported(), "every row of the closed partitions");
        assertEquals(0L, e.getSamplesInFlight());
        assertEquals(0L, e.getRowsRefused());
        assertEquals(4, e.getPartitionsExported());
        assertEquals(0, e.getPartitionsPending());
        assertEquals(0L, e.getLagSeconds());
        assertNull(e.getLastError());
    }

    /** The export counters count for the kind, every policy's exports together. */
    private static final String KIND = "{kind=\"MetricRetentionPolicy\"}";

    private String seriesLabels(String name) {
        return "{kind=\"MetricRetentionPolicy\",name=\"" + name + "\",namespace=\"" + kube.namespace()
                + "\",table=\"noetl.metric\"}";
    }

    @ParameterizedTest
    @EnumSource(MetricShape.class)
    void expiredPartitionsAreDroppedOnlyOnceTheReceiverHoldsTheirSamples(MetricShape shape) throws Exception {
        setUp(shape);
        String metric = named("e2e_retire", shape);
        String retire = named("retire", shape).replace('_', '-');
        seed(metric, shape);
        String url = vm.writeUrl().toString();
        double samplesBefore = MetricsScrape.sampleOrZero(MetricsScrape.scrape(metricsUrl),
                "lifecycle_export_samples_total" + KIND);
        apply(retire, s -> s.setExport(export(url)));
        MetricRetentionPolicy p = await(retire, settled(url));

        // 11-17 and 11-18 expired and went; 11-19 and 11-20 are closed and exported, but kept; 11-21 is open
        assertEquals(days(19, 23), db.partitions("noetl.metric"));
        assertDroppedOnlyConfirmed(days(17, 18), url, null);
        assertReceivedExactly(metric);
        assertEquals(CLOSED_DAYS.size() * 2L * SAMPLES_PER_SERIES_AND_DAY, closedRows());

        MetricRetentionPolicyStatus status = p.getStatus();
        assertExportStatus(status.getExport(), url);
        assertTrue(condition("Ready", "True", "Maintained").test(status), () -> status.getConditions().toString());
        assertTrue(status.getLastMaintenance().getDropped().containsAll(days(17, 18)),
                () -> String.valueOf(status.getLastMaintenance().getDropped()));

        // the stored spec holds what the test wrote in spec.export, and nothing the operator added
        GenericKubernetesResource stored = kube.admin().genericKubernetesResources(ApiGroup.GROUP + "/"
                + ApiGroup.VERSION, "MetricRetentionPolicy").inNamespace(kube.namespace()).withName(retire).get();
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) stored.getAdditionalProperties().get("spec");
        assertEquals(Map.of("url", url, "batchSamples", 100), spec.get("export"), "spec.export as written: no "
                + "verify, source, queryUrl or headers filled in");
        for (ManagedFieldsEntry m : stored.getMetadata().getManagedFields()) {
            if ("Apply".equals(m.getOperation())) {
                assertTrue(!JSON.writeValueAsString(m.getFieldsV1()).contains("f:spec"), () -> "the manager "
                        + m.getManager() + " applied spec fields: " + m.getFieldsV1());
            }
        }

        String scrape = MetricsScrape.scrape(metricsUrl);
        assertEquals((double) closedRows(), MetricsScrape.sample(scrape, "lifecycle_export_samples_total" + KIND)
                - samplesBefore, 0.0, "each sample sent once");
        assertEquals(0.0, MetricsScrape.sample(scrape, "lifecycle_export_lag_seconds" + seriesLabels(retire)), 0.0);
    }

    @Test
    void aReceiverThatCannotBeReachedDropsNothingUntilTheUrlPointsAtOneThatCan() throws Exception {
        setUp(MetricShape.LIVE);
        seed("e2e_down", MetricShape.LIVE);
        String dead = deadUrl();
        double failedBefore = MetricsScrape.sampleOrZero(MetricsScrape.scrape(metricsUrl),
                "lifecycle_export_failures_total" + KIND);
        apply("down", s -> s.setExport(export(dead)));
        MetricRetentionPolicy p = await("down", condition("Degraded", "True", "ExportFailed"));

        // the Degraded reason is the first finding: the export's own (ExportFailed) come before the plan's, whose
        // first is the ExportPending of the partitions kept; the message counts it among the "more findings"
        String message = p.getStatus().condition("Degraded").orElseThrow().getMessage();
        assertTrue(message.startsWith("metric_2026_11_17 was not exported: " + dead + " could not be reached: "
                + "ConnectException")
                && message.contains("(after 5 attempts)") && message.endsWith("(and 1 more findings)"), message);
        assertTrue(condition("Ready", "True", "Maintained").test(p.getStatus()), "the pass itself works");
        assertEquals(days(17, 23), db.partitions("noetl.metric"), "nothing dropped");
        // and a Warning Event, as for the rollups' failures (Events are written by their own thread, after the status)
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kube.admin().v1().events()
                .inNamespace(kube.namespace()).list().getItems().stream()
                .filter(ev -> "down".equals(ev.getInvolvedObject().getName()))
                .anyMatch(ev -> "ExportFailed".equals(ev.getReason()) && "Warning".equals(ev.getType())));
        assertEquals(Map.of(), drops());
        ExportStatus e = p.getStatus().getExport();
        assertEquals(dead, e.getTarget());
        assertTrue(e.getLastError() != null && e.getLastError().contains("could not be reached"), e.getLastError());
        assertEquals(4, e.getPartitionsPending());
        assertEquals(0L, e.getSamplesExported());
        assertNull(e.getWatermarkPartition());
        assertEquals(Duration.between(Instant.parse("2026-11-18T00:05:00Z"), NOW).toSeconds(), e.getLagSeconds(),
                "11-17 has waited since it closed, 11-18 00:05");
        assertTrue(MetricsScrape.sample(MetricsScrape.scrape(metricsUrl), "lifecycle_export_failures_total" + KIND)
                >= failedBefore + 1.0);
        assertEquals(Map.of(), received("e2e_down"));

        String url = vm.writeUrl().toString();
        apply("down", s -> s.setExport(export(url)));
        p = await("down", settled(url));
        assertEquals(days(19, 23), db.partitions("noetl.metric"));
        assertDroppedOnlyConfirmed(days(17, 18), url, null);
        assertReceivedExactly("e2e_down");
        assertExportStatus(p.getStatus().getExport(), url);
    }

    @ParameterizedTest
    @EnumSource(MetricShape.class)
    void withRollupsToo_aRawPartitionGoesOnlyOnceBothLedgersAreDone(MetricShape shape) throws Exception {
        setUp(shape);
        String metric = named("e2e_both", shape);
        String both = named("both", shape).replace('_', '-');
        seed(metric, shape);
        String dead = deadUrl();
        apply(both, s -> {
            s.setRollups(List.of(new RollupTier("1h", "30d")));
            s.setExport(export(dead));
        });
        MetricRetentionPolicy p = await(both, condition("Degraded", "True", "ExportFailed")
                .and(s -> ((MetricRetentionPolicyStatus) s).getRollupWatermark() != null));
        // the rollups ran: every closed partition is in the tier
        assertEquals("2026-11-21T00:00:00Z", p.getStatus().getRollupWatermark());
        assertEquals(days(17, 20), db.queryStrings("SELECT raw_partition FROM noetl.metric_rollup_ledger ORDER BY 1"));
        assertEquals(db.queryLong("SELECT count(*) FROM noetl.metric WHERE " + sampleTime(shape)
                + " < '2026-11-21 00:00+00'"),
                db.queryLong("SELECT sum(sample_count) FROM noetl.metric_rollup_1h"));
        // but the raw partitions wait for their export
        assertEquals(days(17, 23), db.partitions("noetl.metric"), "nothing dropped");
        assertEquals(Map.of(), drops());
        assertEquals(4, p.getStatus().getExport().getPartitionsPending());
        assertTrue(p.getStatus().getExport().getLastError().contains("could not be reached"));

        String url = vm.writeUrl().toString();
        apply(both, s -> {
            s.setRollups(List.of(new RollupTier("1h", "30d")));
            s.setExport(export(url));
        });
        p = await(both, settled(url));
        assertEquals(days(19, 23), db.partitions("noetl.metric"));
        assertDroppedOnlyConfirmed(days(17, 18), url, 1L);
        assertReceivedExactly(metric);
        assertExportStatus(p.getStatus().getExport(), url);
        assertEquals(0L, p.getStatus().getRollups().get(0).getLagSeconds());
    }

    @Test
    void theReceiversTokenComesFromTheSecretOfSecretRef() throws Exception {
        setUp(MetricShape.LIVE);
        seed("e2e_auth", MetricShape.LIVE);
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        String url = authenticatingStandIn(refused, accepted);
        MetricExport spec = export(url);
        spec.setSecretRef(new ExportSecretRef("vm-token"));
        // the stand-in is plain http on loopback: the token goes in clear only because the spec says so
        spec.setAllowPlainHttpCredentials(true);
        apply("auth", s -> s.setExport(spec));

        // no Secret: nothing is sent, and the message names the Secret
        MetricRetentionPolicy p = await("auth", condition("Degraded", "True", "ExportFailed"));
        String message = p.getStatus().condition("Degraded").orElseThrow().getMessage();
        assertTrue(message.contains("Secret " + kube.namespace() + "/vm-token (spec.export.secretRef) does not "
                + "exist"), message);
        assertTrue(p.getStatus().getExport().getLastError().contains("vm-token"));
        assertEquals(0, refused.get() + accepted.get(), "nothing sent without credentials");
        assertEquals(days(17, 23), db.partitions("noetl.metric"));

        // the wrong token: the receiver's 401, quoted; nothing dropped
        secret("not-" + TOKEN);
        p = await("auth", condition("Degraded", "True", "ExportFailed").and(export(e -> e.getLastError() != null
                && e.getLastError().contains("401"))));
        assertTrue(p.getStatus().getExport().getLastError().contains("stand-in: wrong or missing bearer token"),
                p.getStatus().getExport().getLastError());
        assertTrue(refused.get() > 0);
        assertEquals(0, accepted.get());
        assertEquals(days(17, 23), db.partitions("noetl.metric"));
        assertEquals(Map.of(), drops());

        // the right one: a change of the Secret wakes the policy, and the export and the counts go through
        secret(TOKEN);
        p = await("auth", settled(url));
        int refusedBefore = refused.get();
        assertEquals(days(19, 23), db.partitions("noetl.metric"));
        assertDroppedOnlyConfirmed(days(17, 18), url, null);
        assertReceivedExactly("e2e_auth");
        assertExportStatus(p.getStatus().getExport(), url);
        assertTrue(accepted.get() >= 8 + 4, "at least two batches and one count for each partition: " + accepted);
        assertEquals(refusedBefore, refused.get());
    }

    @Test
    void theTokenIsNeverSentInClearAndGoesOverTlsToAReceiverOfAPrivateCaGivenInASecret() throws Exception {
        setUp(MetricShape.LIVE);
        seed("e2e_tls", MetricShape.LIVE);
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        secret(TOKEN);
        String plain = authenticatingStandIn(refused, accepted);
        MetricExport inClear = export(plain);
        inClear.setSecretRef(new ExportSecretRef("vm-token"));
        apply("tls", s -> s.setExport(inClear));

        // plain http with the Secret's token: refused before anything is read or sent; partitions are still made
        // (before, the export went through, the token in clear: the policy settled)
        MetricRetentionPolicy p = await("tls", condition("Degraded", "True", "InsecureTransport").or(settled(plain)));
        assertEquals(0, refused.get() + accepted.get(), "nothing sent in clear");
        MetricRetentionPolicyStatus first = p.getStatus();
        assertTrue(condition("Degraded", "True", "InsecureTransport").test(first), () -> first.getConditions()
                .toString());
        String message = p.getStatus().condition("Degraded").orElseThrow().getMessage();
        assertTrue(message.startsWith("the credentials of export.secretRef (Secret vm-token) would be sent in clear "
                + "over plain http:// (url " + plain + ", queryUrl " + plain.replace("/write", "/query") + "): "
                + "nothing is exported"), message);
        assertTrue(message.contains("allowPlainHttpCredentials: true"), message);
        assertFalse(message.contains(TOKEN), message);
        assertTrue(condition("Ready", "True", "Maintained").test(p.getStatus()), "the pass itself works");
        assertEquals(days(17, 23), db.partitions("noetl.metric"), "created ahead, nothing dropped");
        assertTrue(p.getStatus().getExport().getLastError().startsWith("the credentials of export.secretRef"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kube.admin().v1().events()
                .inNamespace(kube.namespace()).list().getItems().stream()
                .filter(ev -> "tls".equals(ev.getInvolvedObject().getName()))
                .anyMatch(ev -> "InsecureTransport".equals(ev.getReason()) && "Warning".equals(ev.getType())));
        assertEquals(0, refused.get() + accepted.get(), "still nothing sent");

        // https, the receiver's certificate issued by a private CA the operator is not given: the handshake fails,
        // so nothing (no token) reaches the receiver
        TestCertificates.Authority ca = TestCertificates.authority("noetl-e2e-receiver-ca");
        String https = authenticatingStandIn(refused, accepted, ca.issue("receiver", List.of(), List.of("127.0.0.1")));
        MetricExport overTls = export(https);
        overTls.setSecretRef(new ExportSecretRef("vm-token"));
        apply("tls", s -> s.setExport(overTls));
        p = await("tls", condition("Degraded", "True", "ExportFailed").and(export(e -> https.equals(e.getTarget())
                && e.getLastError() != null && e.getLastError().contains("was not trusted (TLS)"))));
        assertTrue(p.getStatus().getExport().getLastError().contains("PKIX"), p.getStatus().getExport().getLastError());
        assertEquals(0, refused.get() + accepted.get(), "nothing reached the receiver");
        assertEquals(days(17, 23), db.partitions("noetl.metric"));

        // the CA from a Secret (caSecretRef): missing first, then created, which wakes the policy; the writes and the
        // counts go over TLS, and the confirmed partitions go
        overTls.setCaSecretRef(new CaSecretRef("vm-ca"));
        apply("tls", s -> s.setExport(overTls));
        p = await("tls", condition("Degraded", "True", "ExportFailed").and(export(e -> e.getLastError() != null
                && e.getLastError().contains("Secret " + kube.namespace() + "/vm-ca (spec.export.caSecretRef) does "
                        + "not exist"))));
        assertEquals(0, refused.get() + accepted.get());
        kube.admin().secrets().inNamespace(kube.namespace()).resource(new SecretBuilder().withNewMetadata()
                .withName("vm-ca").withNamespace(kube.namespace()).endMetadata()
                .withStringData(Map.of("ca.crt", ca.pem())).build()).create();
        p = await("tls", settled(https));
        assertEquals(days(19, 23), db.partitions("noetl.metric"));
        assertDroppedOnlyConfirmed(days(17, 18), https, null);
        assertReceivedExactly("e2e_tls");
        assertExportStatus(p.getStatus().getExport(), https);
        assertTrue(accepted.get() >= 8 + 4, "at least two batches and one count for each partition: " + accepted);
        assertEquals(0, refused.get());
    }

    private void secret(String token) {
        kube.admin().secrets().inNamespace(kube.namespace()).resource(new SecretBuilder().withNewMetadata()
                .withName("vm-token").withNamespace(kube.namespace()).endMetadata()
                .withStringData(Map.of("token", token)).build()).createOr(s -> s.update());
    }

    // the stand-in in front of VictoriaMetrics

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /**
     * A receiver that wants {@code Authorization: Bearer} {@link #TOKEN}: 401 otherwise; with it, the request goes to
     * VictoriaMetrics (writes and queries alike) and its answer comes back.
     */
    private String authenticatingStandIn(AtomicInteger refused, AtomicInteger accepted) throws IOException {
        return authenticatingStandIn(refused, accepted, null);
    }

    /** The same over https, presenting {@code certificate}; plain http when it is null. */
    private String authenticatingStandIn(AtomicInteger refused, AtomicInteger accepted,
            TestCertificates.Issued certificate) throws IOException {
        HttpServer server = certificate == null ? HttpServer.create(new InetSocketAddress(InetAddress
                .getLoopbackAddress(), 0), 0) : certificate.httpsServer();
        server.createContext("/", exchange -> {
            try {
                if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    refused.incrementAndGet();
                    respond(exchange, 401, "stand-in: wrong or missing bearer token");
                    return;
                }
                accepted.incrementAndGet();
                forward(exchange);
            } catch (Exception e) {
                respond(exchange, 502, "stand-in: " + e);
            } finally {
                exchange.close();
            }
        });
        server.start();
        standIns.add(server);
        return (certificate == null ? "http" : "https") + "://127.0.0.1:" + server.getAddress().getPort()
                + "/api/v1/write";
    }

    private static void forward(HttpExchange exchange) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + vm.port()
                + exchange.getRequestURI())).method(exchange.getRequestMethod(), HttpRequest.BodyPublishers
                        .ofByteArray(exchange.getRequestBody().readAllBytes()));
        for (String name : List.of("Content-Encoding", "Content-Type", "X-Prometheus-Remote-Write-Version")) {
            String v = exchange.getRequestHeaders().getFirst(name);
            if (v != null) {
                r.header(name, v);
            }
        }
        HttpResponse<byte[]> answer = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
        answer.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        if (answer.body().length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
