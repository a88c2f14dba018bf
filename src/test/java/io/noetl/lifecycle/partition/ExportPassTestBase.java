package io.noetl.lifecycle.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.noetl.lifecycle.api.ExportVerify;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.export.prompb.TimeSeries;
import io.noetl.lifecycle.export.prompb.WriteRequest;
import io.noetl.lifecycle.partition.plan.ExportSettings;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The export of closed raw partitions by a policy's pass ({@link PolicyPass} with {@code spec.export}), on the real
 * PostgreSQL and into a real VictoriaMetrics single-node (Debian's {@code victoria-metrics}, started on loopback with
 * its own storage). Where a fault cannot be had from the real receiver (a 400, a receiver that acknowledges but keeps
 * fewer samples, an acknowledgement followed by the operator's connections dying) a JDK {@code HttpServer} stands in
 * front of it, forwarding the operator's requests to VictoriaMetrics and doing the one wrong thing the test names.
 *
 * <p>Each test seeds three closed daily partitions (four days ago to two days ago, rows with sample times a little
 * before their insert times) and today's, with rows the test itself expects by series; then checks what
 * VictoriaMetrics' {@code /api/v1/export} returns against those expectations, sample by sample.
 */
class ExportPassTest {
    private static final TableName METRIC = new TableName("noetl", "metric");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SAMPLES_PER_SERIES = 150;
    private static final String[] NAMES = {"noetl_jobs_total", "queue depth"};
    private static TestDatabase db;
    private static VictoriaMetricsServer vm;
    private DatabasePools pools;
    private DataSource ds;
    /** The samples the test inserted into the closed partitions, by series (labels as the receiver shows them). */
    private final Map<Map<String, String>, TreeMap<Long, Double>> expected = new HashMap<>();
    private final Map<String, Integer> samplesPerPartition = new HashMap<>();
    private final List<HttpServer> standIns = new ArrayList<>();
    private static int run;

    @BeforeAll
    static void start() {
        Assumptions.assumeTrue(VictoriaMetricsServer.available(), "VictoriaMetrics is absent: install Debian's "
                + "victoria-metrics (.ci/run does) to run the export tests against a real receiver");
        db = TestDatabase.createWithRealClock("export_it");
        vm = VictoriaMetricsServer.start();
    }

    @AfterAll
    static void stop() {
        if (vm != null) {
            vm.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @BeforeEach
    void seed() throws Exception {
        run++;
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("export", db.target());
        try (Connection c = ds.getConnection()) {
            SeedSchema.ensureMetricTable(c, METRIC);
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, component_type, status) VALUES "
                + "(1, 'cpu-01', 'worker_pool', 'ready'), (2, 'server-a', 'server_api', 'ready')");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int back = 4; back >= 0; back--) {
            LocalDate day = today.minusDays(back);
            db.execute(String.format("CREATE TABLE noetl.%s PARTITION OF noetl.metric FOR VALUES FROM ('%s 00:00+00') "
                    + "TO ('%s 00:00+00')", partition(day), day, day.plusDays(1)));
        }
        // every test writes the same series, each in an hour of its own of each day, so that what an earlier test
        // sent is not in the range this one counts and reads back (and the receiver knows the series already: a new
        // series takes VictoriaMetrics up to about 10 s to answer queries)
        String[] names = NAMES;
        for (int back = 4; back >= 2; back--) {
            LocalDate day = today.minusDays(back);
            Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant().plus(run, ChronoUnit.HOURS);
            int n = 0;
            StringBuilder values = new StringBuilder();
            for (int s = 0; s < 4; s++) {
                String name = names[s % 2];
                int runtime = 1 + s / 2;
                String labels = "{\"pool\": \"p" + s + "\", \"shard\": " + s + ", \"ok\": true}";
                Map<String, String> key = new TreeMap<>(Map.of("__name__", name.replace(' ', '_'), "pool", "p" + s,
                        "shard", String.valueOf(s), "ok", "true", "runtime_name", runtime == 1 ? "cpu-01" : "server-a",
                        "runtime_type", runtime == 1 ? "worker_pool" : "server_api"));
                for (int i = 0; i < SAMPLES_PER_SERIES; i++) {
                    Instant at = start.plusSeconds(10L * i).plusMillis(s * 7 + 3);
                    double value = s * 1000 + i * 1.5;
                    expected.computeIfAbsent(key, k -> new TreeMap<>()).put(at.toEpochMilli(), value);
                    if (values.length() > 0) {
                        values.append(", ");
                    }
                    values.append(String.format("(%d, '%s', '%s', %s, '%s', '%s', '%s')", runtime, name,
                            s % 2 == 0 ? "counter" : "gauge", value, labels, at, at.plusMillis(250)));
                    n++;
                }
            }
            db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, labels, "
                    + "\"timestamp\", created_at) VALUES " + values);
            samplesPerPartition.put(partition(day), n);
        }
        // today's rows: the open partition is never exported
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, labels) VALUES "
                + "(1, '" + names[0] + "', 'counter', 1, '{}')");
    }

    @AfterEach
    void release() {
        standIns.forEach(s -> s.stop(0));
        pools.release("export");
    }

    private static String partition(LocalDate day) {
        return String.format("metric_%04d_%02d_%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth());
    }

    private static String partition(int daysBack) {
        return partition(LocalDate.now(ZoneOffset.UTC).minusDays(daysBack));
    }

    private static MetricExport export(URI url, int batch) {
        MetricExport e = new MetricExport(url.toString());
        e.setBatchSamples(batch);
        return e;
    }

    private MetricPolicySettings settings(MetricExport export, String retention) throws Exception {
        return MetricPolicySettings.builder().retention(parse(retention)).retentionAction(RetentionAction.Drop)
                .premake(1).export(ExportSettings.from(export)).build();
    }

    private static Duration parse(String d) {
        return io.noetl.lifecycle.plan.DurationSpec.parse(d);
    }

    /**
     * Waits shorter than the operator's (0.1 s doubling, rather than 0.5 s), as many counts (VictoriaMetrics needs up to
     * about 10 s before a new series answers queries), and one count only where the test wants a short count.
     */
    private static final ExportPass.Timing TIMING = new ExportPass.Timing(5, Duration.ofMillis(100), 8,
            Duration.ofMillis(100), ExportPass.PASS_BUDGET);
    private ExportPass.Timing timing = TIMING;

    private MaintenancePass.Outcome pass(MetricPolicySettings settings) throws Exception {
        return new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()), Clock.systemUTC(),
                Duration.ofSeconds(30)).withExportTiming(timing).run(settings, Optional.empty(),
                        UnaryOperator.identity(), Instant.now(), true);
    }

    /**
     * What VictoriaMetrics holds of the series in this test's hours, by series: timestamps (ms) to values, duplicates
     * counted.
     */
    private static Map<Map<String, String>, List<long[]>> received(String selector) throws Exception {
        vm.flush();
        Map<Map<String, String>, List<long[]>> out = new HashMap<>();
        LocalDate first = LocalDate.now(ZoneOffset.UTC).minusDays(4);
        List<String> lines = new ArrayList<>();
        for (int back = 4; back >= 1; back--) {
            Instant hour = first.plusDays(4 - back).atStartOfDay(ZoneOffset.UTC).toInstant().plus(run, ChronoUnit.HOURS);
            lines.addAll(vm.export(selector, hour.toEpochMilli(), hour.plus(1, ChronoUnit.HOURS).toEpochMilli() - 1));
        }
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            Map<String, String> labels = new TreeMap<>();
            n.get("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            List<long[]> samples = out.computeIfAbsent(labels, k -> new ArrayList<>()); // one line per series and day
            for (int i = 0; i < n.get("timestamps").size(); i++) {
                samples.add(new long[] {n.get("timestamps").get(i).asLong(),
                        Double.doubleToLongBits(n.get("values").get(i).asDouble())});
            }
        }
        return out;
    }

    private String selector() {
        return "{__name__=~\"noetl_jobs_total|queue_depth|odd\"}";
    }

    private long ledgerLong(String column, String partition) {
        return db.queryLong("SELECT " + column + " FROM noetl.metric_export_ledger WHERE raw_partition = ?", partition);
    }

    private static List<Reason> reasons(MaintenancePass.Outcome o) {
        return o.findings().stream().map(Finding::reason).toList();
    }

    private void assertReceivedExactly() throws Exception {
        Map<Map<String, String>, List<long[]>> got = received(selector());
        assertEquals(expected.keySet(), got.keySet(), "the series the receiver holds");
        for (Map.Entry<Map<String, String>, TreeMap<Long, Double>> e : expected.entrySet()) {
            List<long[]> samples = got.get(e.getKey());
            samples.sort((a, b) -> Long.compare(a[0], b[0]));
            List<String> want = e.getValue().entrySet().stream().map(s -> s.getKey() + "=" + s.getValue()).toList();
            List<String> have = samples.stream().map(s -> s[0] + "=" + Double.longBitsToDouble(s[1])).toList();
            assertEquals(want, have, "the samples of " + e.getKey());
        }
    }

    @Test
    void everyClosedPartitionIsSentInBatchesAndTheReceiverHoldsExactlyItsSamples() throws Exception {
        // three rows that cannot be sent (labels not an object, a reserved label, a NaN value), counted and reported
        // rather than dropped silently
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(3);
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, labels, \"timestamp\", "
                + "created_at) VALUES (1, 'noetl_jobs_total', 'counter', 1, '[1, 2]', '" + day
                + " 05:00+00', '" + day + " 05:00+00'), (1, 'odd', 'gauge', 1, '{\"__name__\": \"x\"}', '"
                + day + " 05:00+00', '" + day + " 05:00+00'), (1, 'odd', 'gauge', 'NaN', '{}', '" + day + " 05:00+00', '"
                + day + " 05:00+00')");

        MaintenancePass.Outcome o = pass(settings(export(vm.writeUrl(), 100), "30d"));

        ExportPass.Outcome export = o.export().orElseThrow();
        assertEquals(List.of(), o.findings(), () -> o.findings().toString());
        assertEquals(List.of(partition(4), partition(3), partition(2), partition(1)), export.sent().stream()
                .map(ExportPass.Sent::partition).toList(), "oldest first (yesterday's, empty, too); today's open "
                        + "partition is not sent");
        assertTrue(export.sent().stream().allMatch(ExportPass.Sent::done));
        assertTrue(export.sent().get(0).batches() >= 6, "600 samples in batches of about 100: " + export.sent());
        assertReceivedExactly();
        for (int back = 4; back >= 2; back--) {
            String p = partition(back);
            assertEquals(samplesPerPartition.get(p), (int) ledgerLong("samples_sent", p), p);
            assertEquals(1, ledgerLong("count(verified_at)", p), p + " confirmed by the receiver's count");
            assertTrue(ledgerLong("verified_samples", p) >= samplesPerPartition.get(p));
            assertTrue(export.retirable(p));
        }
        assertEquals(3, ledgerLong("rows_refused", partition(3)));
        assertTrue(db.queryStrings("SELECT last_refusal FROM noetl.metric_export_ledger WHERE raw_partition = ?",
                partition(3)).get(0).contains("NaN"));
        assertEquals(Optional.of(partition(1)), export.watermark().map(ExportPass.Closed::name));
        assertEquals(Duration.ZERO, export.lag());
        // a second pass sends nothing again
        MaintenancePass.Outcome again = pass(settings(export(vm.writeUrl(), 100), "30d"));
        assertEquals(List.of(), again.export().orElseThrow().sent());
        assertReceivedExactly();
    }

    @Test
    void aPartitionGoesOnlyAfterItsSamplesAreConfirmedAndAStoppedReceiverDropsNothing() throws Exception {
        vm.stop();
        try {
            MaintenancePass.Outcome down = pass(settings(export(vm.writeUrl(), 200), "2d"));
            assertTrue(reasons(down).contains(Reason.EXPORT_FAILED), () -> down.findings().toString());
            assertTrue(reasons(down).contains(Reason.EXPORT_PENDING), () -> down.findings().toString());
            assertTrue(down.findings().stream().anyMatch(f -> f.message().contains("could not be reached")),
                    () -> down.findings().toString());
            assertEquals(5, db.partitions("noetl.metric").stream().filter(p -> p.compareTo(partition(4)) >= 0
                    && p.compareTo(partition(0)) <= 0).count(), "nothing dropped while the receiver is down");
        } finally {
            vm.restart();
        }
        MaintenancePass.Outcome up = pass(settings(export(vm.writeUrl(), 200), "2d"));
        assertFalse(reasons(up).contains(Reason.EXPORT_FAILED), () -> up.findings().toString());
        // confirmed and retired in the same pass: the two expired partitions go, the third is not expired yet
        List<String> dropped = up.result().orElseThrow().applied().stream().filter(a -> a.retires())
                .map(a -> a.partition()).toList();
        assertEquals(List.of(partition(4), partition(3)), dropped);
        assertFalse(db.partitions("noetl.metric").contains(partition(4)));
        assertTrue(db.partitions("noetl.metric").contains(partition(2)));
        assertReceivedExactly();
    }

    /**
     * The receiver stopped in the middle of a partition (after its third batch): the export stops with
     * {@code ExportFailed}, what was acknowledged stays in the ledger, and when the receiver is back the next pass
     * resumes after it: every sample arrives exactly once.
     */
    @Test
    void aReceiverStoppedMidExportResumesWhenItReturns() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        URI front = standIn(exchange -> {
            if (requests.incrementAndGet() == 4) {
                vm.stop();
            }
            forward(exchange, readAll(exchange.getRequestBody()));
        });
        MaintenancePass.Outcome stopped;
        try {
            stopped = pass(settings(export(front, 100), "2d"));
        } finally {
            vm.restart();
        }
        assertTrue(reasons(stopped).contains(Reason.EXPORT_FAILED), () -> stopped.findings().toString());
        assertEquals(300, ledgerLong("samples_sent", partition(4)), "three batches acknowledged before the stop");
        assertEquals(0, ledgerLong("count(done_at)", partition(4)));
        assertTrue(db.partitions("noetl.metric").contains(partition(4)), "nothing dropped");

        MaintenancePass.Outcome resumed = pass(settings(export(front, 100), "2d"));
        assertFalse(reasons(resumed).contains(Reason.EXPORT_FAILED), () -> resumed.findings().toString());
        assertReceivedExactly();
        assertFalse(db.partitions("noetl.metric").contains(partition(4)));
    }

    /**
     * The receiver acknowledged a batch, and before the ledger could record it every connection of the operator to
     * PostgreSQL was killed (the reader's and the ledger's): the pass fails, and the next resumes from the last
     * recorded batch, so that one batch, and only one, is sent twice. VictoriaMetrics keeps both copies of a sample
     * (no deduplication is configured), which is how the test sees that it was only one.
     */
    @Test
    void connectionsKilledAfterAnAcknowledgementResendOneBatchAtMost() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        URI front = standIn(exchange -> forward(exchange, readAll(exchange.getRequestBody()), () -> {
            // VictoriaMetrics has acknowledged the third batch; the operator has not heard it yet
            if (requests.incrementAndGet() == 3) {
                db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                        + "AND pid <> pg_backend_pid()");
            }
        }));
        try {
            MaintenancePass.Outcome killed = pass(settings(export(front, 100), "30d"));
            assertTrue(reasons(killed).contains(Reason.EXPORT_FAILED), () -> killed.findings().toString());
        } catch (io.noetl.lifecycle.reconcile.ReconcileException e) {
            // the pass's own connection died too: the reconciler reports this pass as failed
        }
        assertEquals(200, ledgerLong("samples_sent", partition(4)), "the third acknowledgement was not recorded");

        MaintenancePass.Outcome resumed = pass(settings(export(front, 100), "30d"));
        assertEquals(List.of(), resumed.findings(), () -> resumed.findings().toString());
        Map<Map<String, String>, List<long[]>> got = received(selector());
        long total = got.values().stream().mapToLong(List::size).sum();
        long want = expected.values().stream().mapToLong(TreeMap::size).sum();
        assertTrue(total > want && total <= want + 100, "one batch (100 samples) sent twice: " + total + " vs " + want);
        for (Map.Entry<Map<String, String>, TreeMap<Long, Double>> e : expected.entrySet()) {
            assertEquals(e.getValue().keySet(), new java.util.TreeSet<>(got.get(e.getKey()).stream().map(s -> s[0])
                    .toList()), "every sample of " + e.getKey() + " is there");
        }
    }

    /**
     * A pass whose export time runs out stops at a batch boundary and says so (the reconciler books the next pass
     * soon); the passes after it go on where it stopped, and the receiver ends up with every sample once.
     */
    @Test
    void aPassOutOfExportTimeStopsAtABatchAndTheNextGoesOn() throws Exception {
        timing = new ExportPass.Timing(5, Duration.ofMillis(100), 8, Duration.ofMillis(100), Duration.ZERO);
        MaintenancePass.Outcome first = pass(settings(export(vm.writeUrl(), 100), "30d"));
        ExportPass.Outcome e = first.export().orElseThrow();
        assertTrue(e.outOfTime());
        assertEquals(List.of(partition(4)), e.sent().stream().map(ExportPass.Sent::partition).toList());
        assertEquals(100, e.sent().get(0).samples(), "one batch, then the time is up");
        assertEquals(100, ledgerLong("samples_sent", partition(4)));
        int passes = 1;
        while (pass(settings(export(vm.writeUrl(), 100), "30d")).export().orElseThrow().outOfTime()) {
            passes++;
            assertTrue(passes < 40, "1,800 samples in batches of 100 take about 18 passes");
        }
        assertTrue(passes >= 17, "one batch a pass: " + passes);
        assertReceivedExactly();
    }

    /**
     * A row written into a partition after its export (an explicit old {@code created_at}) is not lost: before the
     * partition may go its rows are counted again, and one with more rows than were sent is kept and sent again.
     */
    @Test
    void aRowWrittenAfterTheExportKeepsThePartitionUntilItIsSentToo() throws Exception {
        pass(settings(export(vm.writeUrl(), 100), "30d"));
        assertEquals(1, ledgerLong("count(verified_at)", partition(4)));
        Instant late = LocalDate.now(ZoneOffset.UTC).minusDays(4).atStartOfDay(ZoneOffset.UTC).toInstant()
                .plus(run, ChronoUnit.HOURS).plusSeconds(1800).plusMillis(1);
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, labels, \"timestamp\", "
                + "created_at) VALUES (1, 'noetl_jobs_total', 'counter', 4242, '{\"pool\": \"p0\", \"shard\": 0, "
                + "\"ok\": true}', '" + late + "', '" + late + "')");
        expected.get(new TreeMap<>(Map.of("__name__", "noetl_jobs_total", "pool", "p0", "shard", "0", "ok", "true",
                "runtime_name", "cpu-01", "runtime_type", "worker_pool"))).put(late.toEpochMilli(), 4242.0);

        MaintenancePass.Outcome kept = pass(settings(export(vm.writeUrl(), 100), "2d"));
        assertTrue(kept.findings().stream().anyMatch(f -> f.reason() == Reason.EXPORT_PENDING
                && f.message().contains(partition(4) + " holds 601 rows, 1 more than its export sent")),
                () -> kept.findings().toString());
        assertTrue(db.partitions("noetl.metric").contains(partition(4)), "kept");
        assertFalse(db.partitions("noetl.metric").contains(partition(3)), "its neighbour, unchanged, went");

        MaintenancePass.Outcome again = pass(settings(export(vm.writeUrl(), 100), "2d"));
        assertFalse(db.partitions("noetl.metric").contains(partition(4)), () -> again.findings().toString());
        Map<Map<String, String>, List<long[]>> got = received(selector());
        for (Map.Entry<Map<String, String>, TreeMap<Long, Double>> e : expected.entrySet()) {
            assertTrue(got.get(e.getKey()).stream().map(x -> x[0]).collect(java.util.stream.Collectors.toSet())
                    .containsAll(e.getValue().keySet()), "every sample of " + e.getKey() + ", the late one too");
        }
    }

    /**
     * {@code source: 1h}: the 1h tier is sent instead of the raw rows, each bucket as the series
     * {@code <name>:<stat>_1h} at the bucket's start, each tier partition once every raw partition that could still
     * add to it (the one holding its upper bound included) is rolled up; the raw partitions go by the rollups' gate
     * alone, and the receiver holds exactly the statistics the test computes from the rows it wrote.
     */
    @Test
    void aTierIsSentBucketByBucketOnceNoRawPartitionCanAddToIt() throws Exception {
        io.noetl.lifecycle.api.MetricRetentionPolicySpec spec = new io.noetl.lifecycle.api.MetricRetentionPolicySpec();
        spec.setRetention("2d");
        spec.setPremake(1);
        io.noetl.lifecycle.api.RollupTier hourly = new io.noetl.lifecycle.api.RollupTier("1h", "30d");
        hourly.setPartitionInterval("1d");
        spec.setRollups(List.of(hourly));
        MetricExport e = export(vm.writeUrl(), 100);
        e.setSource("1h");
        spec.setExport(e);

        MaintenancePass.Outcome o = pass(MetricPolicySettings.from(spec));

        assertEquals(List.of(), o.findings(), () -> o.findings().toString());
        ExportPass.Outcome export = o.export().orElseThrow();
        List<String> tierDays = List.of(4, 3, 2).stream().map(d -> "metric_rollup_1h_" + partition(d).substring(
                "metric_".length())).toList();
        assertEquals(tierDays, export.sent().stream().map(ExportPass.Sent::partition).toList(),
                "the tier's partitions of the three days with rows; yesterday's has none");
        assertEquals(3, db.queryLong("SELECT count(verified_at) FROM noetl.metric_export_ledger WHERE raw_table = "
                + "'noetl.metric_rollup_1h'"));
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_export_ledger WHERE raw_table = 'noetl.metric'"),
                "no raw row is sent");
        assertFalse(db.partitions("noetl.metric").contains(partition(4)), "raw partitions go by the rollups' gate");

        Map<Map<String, String>, List<long[]>> got = received("{__name__=~\"(noetl_jobs_total|queue_depth):.+_1h\"}");
        Map<Map<String, String>, List<String>> want = new HashMap<>();
        for (Map.Entry<Map<String, String>, TreeMap<Long, Double>> series : expected.entrySet()) {
            String name = series.getKey().get("__name__");
            boolean counter = name.equals("noetl_jobs_total");
            // the test's samples: each day's 150 of a series fall in one hour, the test's own
            Map<Long, List<Double>> byHour = new TreeMap<>();
            series.getValue().forEach((t, v) -> byHour.computeIfAbsent(t - Math.floorMod(t, 3_600_000L),
                    k -> new ArrayList<>()).add(v));
            for (String stat : counter ? List.of("avg", "min", "max", "sum", "count", "last", "increase")
                    : List.of("avg", "min", "max", "sum", "count", "last")) {
                Map<String, String> labels = new TreeMap<>(series.getKey());
                labels.put("__name__", name + ":" + stat + "_1h");
                List<String> samples = new ArrayList<>();
                byHour.forEach((hour, values) -> {
                    double sum = values.stream().mapToDouble(Double::doubleValue).sum();
                    double v = switch (stat) {
                        case "avg" -> sum / values.size();
                        case "min" -> values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                        case "max" -> values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                        case "sum" -> sum;
                        case "count" -> values.size();
                        case "last" -> values.get(values.size() - 1);
                        default -> values.get(values.size() - 1) - values.get(0); // increase: no reset in them
                    };
                    samples.add(hour + "=" + v);
                });
                want.put(labels, samples);
            }
        }
        assertEquals(want.keySet(), got.keySet(), "the series the receiver holds");
        for (Map.Entry<Map<String, String>, List<String>> w : want.entrySet()) {
            List<long[]> samples = got.get(w.getKey());
            samples.sort((a, b) -> Long.compare(a[0], b[0]));
            assertEquals(w.getValue(), samples.stream().map(x -> x[0] + "=" + Double.longBitsToDouble(x[1])).toList(),
                    "the samples of " + w.getKey());
        }
    }

    /** The tier sent is gated as the raw table is otherwise: its partitions past the tier's retention wait for it. */
    @Test
    void aTierPartitionPastItsRetentionWaitsForItsExport() throws Exception {
        io.noetl.lifecycle.api.MetricRetentionPolicySpec spec = new io.noetl.lifecycle.api.MetricRetentionPolicySpec();
        spec.setRetention("2d");
        spec.setPremake(1);
        io.noetl.lifecycle.api.RollupTier hourly = new io.noetl.lifecycle.api.RollupTier("1h", "30d");
        hourly.setPartitionInterval("1d");
        spec.setRollups(List.of(hourly));
        spec.setExport(export(URI.create("http://127.0.0.1:1/api/v1/write"), 100));
        spec.getExport().setSource("1h");
        String oldest = "metric_rollup_1h_" + partition(4).substring("metric_".length());

        MaintenancePass.Outcome down = pass(MetricPolicySettings.from(spec));
        assertTrue(reasons(down).contains(Reason.EXPORT_FAILED), () -> down.findings().toString());
        assertTrue(db.partitions("noetl.metric_rollup_1h").contains(oldest));
        // the tier's retention shortened to 3 days (a tier's takes effect at once): its oldest partition expires
        hourly.setRetention("3d");
        MaintenancePass.Outcome again = pass(MetricPolicySettings.from(spec));
        assertTrue(again.findings().stream().anyMatch(f -> f.reason() == Reason.EXPORT_PENDING
                && f.message().contains(oldest)), () -> again.findings().toString());
        assertTrue(db.partitions("noetl.metric_rollup_1h").contains(oldest), "kept while it is not exported");

        spec.getExport().setUrl(vm.writeUrl().toString());
        pass(MetricPolicySettings.from(spec)); // exported and confirmed
        pass(MetricPolicySettings.from(spec)); // the tier's maintenance retires it
        assertFalse(db.partitions("noetl.metric_rollup_1h").contains(oldest), db.partitions("noetl.metric_rollup_1h")
                .toString());
    }

    @Test
    void aBadRequestStopsThePartitionsExportWithTheReceiversMessage() throws Exception {
        URI front = standIn(exchange -> {
            readAll(exchange.getRequestBody());
            respond(exchange, 400, "cannot parse sample: out of range (test stand-in)");
        });
        MaintenancePass.Outcome o = pass(settings(export(front, 100), "2d"));
        List<Finding> failed = o.findings().stream().filter(f -> f.reason() == Reason.EXPORT_FAILED).toList();
        assertEquals(3, failed.size(), "each closed partition's export with samples stops: " + o.findings());
        assertTrue(failed.get(0).message().contains("400") && failed.get(0).message().contains(
                "cannot parse sample: out of range"), failed.get(0).message());
        assertEquals(0, ledgerLong("count(*)", partition(4)));
        assertTrue(db.partitions("noetl.metric").containsAll(List.of(partition(4), partition(3))), "nothing dropped");
    }

    /** A receiver that acknowledges every batch but keeps only part of it: the count falls short. */
    @Test
    void aReceiverShortOfSamplesKeepsThePartitionAsUnverified() throws Exception {
        URI front = standIn(exchange -> {
            if (exchange.getRequestURI().getPath().endsWith("/write")) {
                WriteRequest w = WriteRequest.parseFrom(unsnappy(readAll(exchange.getRequestBody())));
                WriteRequest.Builder fewer = w.toBuilder().clearTimeseries();
                for (TimeSeries ts : w.getTimeseriesList()) {
                    fewer.addTimeseries(ts.toBuilder().clearSamples().addAllSamples(ts.getSamplesList().subList(0,
                            ts.getSamplesCount() - ts.getSamplesCount() / 10)));
                }
                forward(exchange, snappy(fewer.build().toByteArray()));
            } else {
                forward(exchange, readAll(exchange.getRequestBody()));
            }
        });
        timing = new ExportPass.Timing(5, Duration.ofMillis(100), 1, Duration.ZERO, ExportPass.PASS_BUDGET);
        MetricExport spec = export(front, 100);
        spec.setQueryUrl(URI.create("http://127.0.0.1:" + vm.port() + "/api/v1/query").toString());
        pass(settings(spec, "2d"));
        vm.flush();
        // counted again once everything the receiver took is searchable: still short
        MaintenancePass.Outcome o = pass(settings(spec, "2d"));
        List<Finding> short_ = o.findings().stream().filter(f -> f.reason() == Reason.EXPORT_UNVERIFIED).toList();
        assertEquals(3, short_.size(), () -> o.findings().toString()); // yesterday's is empty: nothing to count
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("holds (\\d+) of the 600 samples sent")
                .matcher(short_.get(0).message());
        assertTrue(m.find(), short_.get(0).message());
        long held = Long.parseLong(m.group(1));
        assertTrue(held > 400 && held < 600, "the stand-in kept about nine in ten: " + held);
        assertTrue(db.partitions("noetl.metric").containsAll(List.of(partition(4), partition(3))), "nothing dropped");
        assertEquals(0, ledgerLong("count(verified_at)", partition(4)));
        assertTrue(o.findings().stream().anyMatch(f -> f.reason() == Reason.EXPORT_PENDING));
    }

    /** {@code verify: AckOnly}: the acknowledgements confirm, no count is asked (the stand-in has no query API). */
    @Test
    void ackOnlyConfirmsWithTheLastAcknowledgement() throws Exception {
        AtomicInteger queries = new AtomicInteger();
        URI front = standIn(exchange -> {
            if (!exchange.getRequestURI().getPath().endsWith("/write")) {
                queries.incrementAndGet();
            }
            forward(exchange, readAll(exchange.getRequestBody()));
        });
        MetricExport spec = export(front, 1000);
        spec.setVerify(ExportVerify.AckOnly);
        MaintenancePass.Outcome o = pass(settings(spec, "2d"));
        assertEquals(List.of(), o.findings().stream().filter(f -> f.reason() != Reason.EXPORT_PENDING).toList());
        assertEquals(0, queries.get());
        assertFalse(db.partitions("noetl.metric").contains(partition(4)));
        assertReceivedExactly();
    }

    @Test
    void aDryRunPlansTheExportsAndSendsNothing() throws Exception {
        MetricPolicySettings settings = settings(export(vm.writeUrl(), 100), "2d");
        MaintenancePass.Outcome o = new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()),
                Clock.systemUTC(), Duration.ofSeconds(30)).run(settings, Optional.empty(), UnaryOperator.identity(),
                        Instant.now(), false);
        Plan reported = o.reportedPlan();
        assertEquals(List.of(partition(4), partition(3), partition(2), partition(1)), reported.actions().stream()
                .filter(a -> a.kind().equals("ExportPartition")).map(a -> a.partition()).toList());
        assertTrue(received(selector()).isEmpty());
        assertTrue(o.plan().actions().stream().noneMatch(a -> a.retires()), "no retirement planned before export");
    }

    /**
     * The same export into a real Prometheus 2.42 (Debian's {@code prometheus}) with its remote-write receiver on,
     * which already holds a sample of now (as any Prometheus that scrapes does) and has an out-of-order window of 10
     * days, so that samples up to four days old are accepted (docs/export.md): it holds exactly the rows, the
     * operator's count through its query API confirms them, and the expired partitions go.
     */
    @Test
    void aPrometheusWithAnOutOfOrderWindowReceivesConfirmsAndLetsThePartitionsGo() throws Exception {
        Assumptions.assumeTrue(io.noetl.lifecycle.support.PrometheusServer.available(), "Prometheus is absent: "
                + "install Debian's prometheus (.ci/run does) to export into a real Prometheus");
        try (io.noetl.lifecycle.support.PrometheusServer prometheus = io.noetl.lifecycle.support.PrometheusServer
                .start(Duration.ofDays(10))) {
            new io.noetl.lifecycle.export.RemoteWriteClient(prometheus.writeUrl(), Map.of(), 1, Duration.ZERO,
                    Duration.ofSeconds(10)).send(io.noetl.lifecycle.export.RemoteWriteFrame.of(List.of(
                            new io.noetl.lifecycle.export.RemoteWriteFrame.Series("noetl_test_now", Map.of(),
                                    List.of(new io.noetl.lifecycle.export.RemoteWriteFrame.Sample(
                                            Instant.now().toEpochMilli() - 1000, 1))))));
            MaintenancePass.Outcome o = pass(settings(export(prometheus.writeUrl(), 100), "2d"));
            assertEquals(List.of(), o.findings(), () -> o.findings().toString());
            assertFalse(db.partitions("noetl.metric").contains(partition(4)));
            assertFalse(db.partitions("noetl.metric").contains(partition(3)));
            Map<Map<String, String>, List<io.noetl.lifecycle.export.RemoteWriteFrame.Sample>> got = prometheus
                    .rawSamples("{__name__=~\"noetl_jobs_total|queue_depth\"}", Instant.now(), Duration.ofDays(5));
            assertEquals(expected.keySet(), got.keySet());
            for (Map.Entry<Map<String, String>, TreeMap<Long, Double>> e : expected.entrySet()) {
                assertEquals(e.getValue().entrySet().stream().map(x -> x.getKey() + "=" + x.getValue()).toList(),
                        got.get(e.getKey()).stream().map(x -> x.timestampMillis() + "=" + x.value()).toList(),
                        "the samples of " + e.getKey());
            }
        }
    }

    // the stand-in in front of VictoriaMetrics

    @FunctionalInterface
    interface Handler {
        void handle(com.sun.net.httpserver.HttpExchange exchange) throws Exception;
    }

    private URI standIn(Handler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try {
                handler.handle(exchange);
            } catch (Exception e) {
                respond(exchange, 502, "stand-in: " + e);
            } finally {
                exchange.close();
            }
        });
        server.start();
        standIns.add(server);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/write");
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Sends the request on to VictoriaMetrics and its answer back; no answer (it is stopped) becomes a closed socket. */
    private static void forward(com.sun.net.httpserver.HttpExchange exchange, byte[] body) throws Exception {
        forward(exchange, body, () -> {
        });
    }

    /** As {@link #forward(com.sun.net.httpserver.HttpExchange, byte[])}, running {@code beforeAnswer} in between. */
    private static void forward(com.sun.net.httpserver.HttpExchange exchange, byte[] body, Runnable beforeAnswer)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + vm.port()
                + exchange.getRequestURI())).method(exchange.getRequestMethod(), HttpRequest.BodyPublishers
                        .ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (Arrays.asList("content-encoding", "content-type", "x-prometheus-remote-write-version",
                    "authorization").contains(name.toLowerCase())) {
                values.forEach(v -> r.header(name, v));
            }
        });
        HttpResponse<byte[]> answer;
        try {
            answer = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            respond(exchange, 503, "stand-in: the receiver behind it is down");
            return;
        }
        beforeAnswer.run();
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        if (answer.body().length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        }
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    private static byte[] unsnappy(byte[] compressed) {
        SnappyDecompressor d = new SnappyDecompressor();
        byte[] out = new byte[SnappyDecompressor.getUncompressedLength(compressed, 0)];
        d.decompress(compressed, 0, compressed.length, out, 0, out.length);
        return out;
    }

    private static byte[] snappy(byte[] raw) {
        SnappyCompressor c = new SnappyCompressor();
        byte[] out = new byte[c.maxCompressedLength(raw.length)];
        int n = c.compress(raw, 0, raw.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }
}
