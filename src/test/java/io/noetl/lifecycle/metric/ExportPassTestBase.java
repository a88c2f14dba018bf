package io.noetl.lifecycle.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.noetl.lifecycle.api.ExportVerify;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.export.prompb.TimeSeries;
import io.noetl.lifecycle.export.prompb.WriteRequest;
import io.noetl.lifecycle.metric.plan.ExportPlanner;
import io.noetl.lifecycle.metric.plan.ExportSettings;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.postgres.RetirementGate;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

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
 *
 * <p>The shapes of the metric table ({@link MetricShape}): {@link ExportPassLiveTest} runs every test on NoETL's live
 * {@code noetl.metric} ({@code created_at TIMESTAMP}, in UTC wall-clock time, the sample time and the key; registry
 * {@code kind}); {@link ExportPassSeedExampleTest} runs the tests of this class on the seed's example ({@code timestamp
 * TIMESTAMPTZ} sample times 250 ms before their {@code created_at TIMESTAMPTZ}; registry {@code component_type}). The
 * tests here cover what differs between the shapes: the sample-time column the export reads (each sample at its
 * millisecond), the registry's type column joined for {@code runtime_type}, the key's type in choosing the closed
 * partitions, counting a partition's rows again and retiring it. The rest run on the live shape alone, in
 * {@link ExportPassLiveTest}: the receiver's faults (stopped, 400, short counts, killed connections, time budget,
 * AckOnly, Prometheus) are the same on either shape, and the 1h tier's export reads the operator's own tier table,
 * whose rollup from each shape's sample-time column RollupRetirementTest and ExportRetirementTest check on both
 * shapes. Doubling them would add more than a minute to one of the slowest classes of the suite (the tier's and the
 * stopped receiver's tests take about 30 s each, waiting for VictoriaMetrics to answer for new series).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ExportPassTestBase {
    static final TableName METRIC = new TableName("noetl", "metric");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int SAMPLES_PER_SERIES = 150;
    static final String[] NAMES = {"noetl_jobs_total", "queue depth"};
    TestDatabase db;
    VictoriaMetricsServer vm;
    DatabasePools pools;
    DataSource ds;
    /** The samples the test inserted into the closed partitions, by series (labels as the receiver shows them). */
    final Map<Map<String, String>, TreeMap<Long, Double>> expected = new HashMap<>();
    final Map<String, Integer> samplesPerPartition = new HashMap<>();
    final List<HttpServer> standIns = new ArrayList<>();
    int run;

    /** The shape of the metric table and its registry this class runs on. */
    abstract MetricShape shape();

    @BeforeAll
    void start() {
        OsTool.VICTORIA_METRICS.assumePresent("to run the export tests against a real receiver");
        db = TestDatabase.createWithRealClock("export_it_" + shape().name().toLowerCase());
        vm = VictoriaMetricsServer.start();
    }

    @AfterAll
    void stop() {
        Teardown.close(vm, db);
    }

    @BeforeEach
    void seed() throws Exception {
        run++;
        // one instance for the class's tests (PER_CLASS, for shape() in @BeforeAll): each test's state starts afresh
        expected.clear();
        samplesPerPartition.clear();
        standIns.clear();
        timing = TIMING;
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("export", db.target());
        try (Connection c = ds.getConnection()) {
            shape().create(c, METRIC.toString());
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, " + shape().registryTypeColumn() + ", status) VALUES "
                + "(1, 'cpu-01', 'worker_pool', 'ready'), (2, 'server-a', 'server_api', 'ready')");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // bounds in UTC: wall-clock ones on the live shape's TIMESTAMP key
        String zone = shape() == MetricShape.LIVE ? "" : "+00";
        for (int back = 4; back >= 0; back--) {
            LocalDate day = today.minusDays(back);
            db.execute(String.format("CREATE TABLE noetl.%s PARTITION OF noetl.metric FOR VALUES FROM ('%s 00:00%s') "
                    + "TO ('%s 00:00%s')", partition(day), day, zone, day.plusDays(1), zone));
        }
        // every test writes the same series, each in an hour of its own of each day, so that what an earlier test
        // sent is not in the range this one counts and reads back (and the receiver knows the series already: a new
        // series takes VictoriaMetrics up to about 10 s to answer queries)
        String[] names = NAMES;
        for (int back = 4; back >= 2; back--) {
            LocalDate day = today.minusDays(back);
            Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant().plus(run, ChronoUnit.HOURS);
            int n = 0;
            List<MetricShape.Row> rows = new ArrayList<>();
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
                    // stored 250 ms after the sample was taken where the shape has both times (the seed's example)
                    rows.add(new MetricShape.Row(runtime, name, s % 2 == 0 ? "counter" : "gauge", value, labels, at,
                            shape() == MetricShape.LIVE ? at : at.plusMillis(250)));
                    n++;
                }
            }
            insert(rows);
            samplesPerPartition.put(partition(day), n);
        }
        // today's rows: the open partition is never exported
        insert(List.of(new MetricShape.Row(1, names[0], "counter", 1, "{}", Instant.now())));
    }

    /** Writes rows as {@link #shape()} has them ({@code expires_at} a day after each was stored). */
    void insert(List<MetricShape.Row> rows) throws SQLException {
        try (Connection c = db.connect()) {
            shape().insert(c, METRIC.toString(), ZoneOffset.UTC, rows);
        }
    }

    @AfterEach
    void release() {
        standIns.forEach(s -> s.stop(0));
        pools.release("export");
    }

    static String partition(LocalDate day) {
        return String.format("metric_%04d_%02d_%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth());
    }

    static String partition(int daysBack) {
        return partition(LocalDate.now(ZoneOffset.UTC).minusDays(daysBack));
    }

    static MetricExport export(URI url, int batch) {
        MetricExport e = new MetricExport(url.toString());
        e.setBatchSamples(batch);
        return e;
    }

    MetricPolicySettings settings(MetricExport export, String retention) throws Exception {
        return MetricPolicySettings.builder().retention(parse(retention)).retentionAction(RetentionAction.Drop)
                .premake(1).export(ExportSettings.from(export)).build();
    }

    static Duration parse(String d) {
        return io.noetl.lifecycle.plan.DurationSpec.parse(d);
    }

    /**
     * Waits shorter than the operator's (0.1 s doubling, rather than 0.5 s), as many counts (VictoriaMetrics needs up to
     * about 10 s before a new series answers queries), and one count only where the test wants a short count.
     */
    static final ExportPass.Timing TIMING = new ExportPass.Timing(5, Duration.ofMillis(100), 8,
            Duration.ofMillis(100), ExportPass.PASS_BUDGET);
    ExportPass.Timing timing = TIMING;

    /** The export of a pass. */
    static ExportPass.Outcome exportOf(MaintenancePass.Outcome pass) {
        return MetricHistoryPass.Outcome.of(pass).export().orElseThrow();
    }

    MaintenancePass.Outcome pass(MetricPolicySettings settings) throws Exception {
        return new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()), Clock.systemUTC(),
                Duration.ofSeconds(30)).preceded(new MetricHistoryPass(settings, ExportPass.noSecrets("this pass"),
                        timing)).run(settings, Optional.empty(), UnaryOperator.identity(), Instant.now(), true);
    }

    /**
     * What VictoriaMetrics holds of the series in this test's hours, by series: timestamps (ms) to values, duplicates
     * counted.
     */
    Map<Map<String, String>, List<long[]>> received(String selector) throws Exception {
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

    String selector() {
        return "{__name__=~\"noetl_jobs_total|queue_depth|odd\"}";
    }

    long ledgerLong(String column, String partition) {
        return db.queryLong("SELECT " + column + " FROM noetl.metric_export_ledger WHERE raw_partition = ?", partition);
    }

    static List<Reason> reasons(MaintenancePass.Outcome o) {
        return o.findings().stream().map(Finding::reason).toList();
    }

    void assertReceivedExactly() throws Exception {
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
        Instant five = LocalDate.now(ZoneOffset.UTC).minusDays(3).atTime(5, 0).toInstant(ZoneOffset.UTC);
        insert(List.of(new MetricShape.Row(1, "noetl_jobs_total", "counter", 1, "[1, 2]", five),
                new MetricShape.Row(1, "odd", "gauge", 1, "{\"__name__\": \"x\"}", five),
                new MetricShape.Row(1, "odd", "gauge", Double.NaN, "{}", five)));

        MaintenancePass.Outcome o = pass(settings(export(vm.writeUrl(), 100), "30d"));

        ExportPass.Outcome export = exportOf(o);
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
            assertTrue(export.confirmed(p));
            // refused rows hold their partition past retention under the default rule (refusedRows: Hold)
            assertEquals(!p.equals(partition(3)), export.retirable(p), p);
        }
        assertEquals(3, ledgerLong("rows_refused", partition(3)));
        assertTrue(db.queryStrings("SELECT last_refusal FROM noetl.metric_export_ledger WHERE raw_partition = ?",
                partition(3)).get(0).contains("NaN"));
        assertEquals(Optional.of(partition(1)), export.watermark().map(ExportPlanner.Closed::name));
        assertEquals(Duration.ZERO, export.lag());
        // a second pass sends nothing again
        MaintenancePass.Outcome again = pass(settings(export(vm.writeUrl(), 100), "30d"));
        assertEquals(List.of(), exportOf(again).sent());
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
        insert(List.of(new MetricShape.Row(1, "noetl_jobs_total", "counter", 4242, "{\"pool\": \"p0\", \"shard\": 0, "
                + "\"ok\": true}", late)));
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
     * Samples another writer sends to the receiver, of the operator's metric names and in the same time range but in
     * a series of its own, do not make up for samples of the operator's series the receiver lost (issue 23, 15): each
     * series the operator sent must hold at least as many samples at the receiver as were sent of it. Here the
     * receiver loses the oldest day's samples of one series (the stand-in drops them from the writes it forwards)
     * while another writer has sent as many samples of the same name, at the same times, under other labels.
     */
    @Test
    void anotherWritersSeriesDoNotMakeUpForSamplesTheReceiverLost() throws Exception {
        Instant dayFrom = LocalDate.now(ZoneOffset.UTC).minusDays(4).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant dayTo = dayFrom.plus(1, ChronoUnit.DAYS);
        Map<String, String> lostSeries = expected.keySet().stream().filter(k -> "p2".equals(k.get("pool")))
                .findFirst().orElseThrow();
        URI front = standIn(exchange -> {
            if (exchange.getRequestURI().getPath().endsWith("/write")) {
                WriteRequest w = WriteRequest.parseFrom(unsnappy(readAll(exchange.getRequestBody())));
                WriteRequest.Builder fewer = w.toBuilder().clearTimeseries();
                for (TimeSeries ts : w.getTimeseriesList()) {
                    boolean lost = ts.getLabelsList().stream().anyMatch(l -> l.getName().equals("pool")
                            && l.getValue().equals("p2"));
                    fewer.addTimeseries(ts.toBuilder().clearSamples().addAllSamples(ts.getSamplesList().stream()
                            .filter(x -> !lost || x.getTimestamp() < dayFrom.toEpochMilli()
                                    || x.getTimestamp() >= dayTo.toEpochMilli()).toList()));
                }
                forward(exchange, snappy(fewer.build().toByteArray()));
            } else {
                forward(exchange, readAll(exchange.getRequestBody()));
            }
        });
        // the other writer: the lost series' samples of that day, under a label set the operator never sends
        TimeSeries.Builder other = TimeSeries.newBuilder()
                .addLabels(io.noetl.lifecycle.export.prompb.Label.newBuilder().setName("__name__")
                        .setValue(lostSeries.get("__name__")))
                .addLabels(io.noetl.lifecycle.export.prompb.Label.newBuilder().setName("pool").setValue("other"));
        expected.get(lostSeries).subMap(dayFrom.toEpochMilli(), dayTo.toEpochMilli()).forEach((t, v) -> other
                .addSamples(io.noetl.lifecycle.export.prompb.Sample.newBuilder().setTimestamp(t).setValue(v)));
        assertEquals(SAMPLES_PER_SERIES, other.getSamplesCount());
        HttpResponse<String> written = HTTP.send(HttpRequest.newBuilder(vm.writeUrl())
                .header("Content-Encoding", "snappy").header("Content-Type", "application/x-protobuf")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(snappy(WriteRequest.newBuilder().addTimeseries(other)
                        .build().toByteArray()))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, written.statusCode(), written.body());
        vm.flush();

        timing = new ExportPass.Timing(5, Duration.ofMillis(100), 1, Duration.ZERO, ExportPass.PASS_BUDGET);
        MetricExport spec = export(front, 100);
        spec.setQueryUrl(URI.create("http://127.0.0.1:" + vm.port() + "/api/v1/query").toString());
        pass(settings(spec, "2d"));
        vm.flush();
        // counted again once everything the receiver took is searchable
        MaintenancePass.Outcome o = pass(settings(spec, "2d"));

        List<Finding> unverified = o.findings().stream().filter(f -> f.reason() == Reason.EXPORT_UNVERIFIED).toList();
        assertEquals(1, unverified.size(), () -> o.findings().toString());
        assertTrue(unverified.get(0).message().startsWith(partition(4) + " is kept"), unverified.get(0).message());
        assertTrue(unverified.get(0).message().contains("holds 450 of the 600 samples sent"), unverified.get(0)
                .message());
        assertTrue(unverified.get(0).message().contains(lostSeries.get("__name__") + " holds 0 of 150"),
                unverified.get(0).message());
        assertEquals(0, ledgerLong("count(verified_at)", partition(4)));
        assertTrue(db.partitions("noetl.metric").contains(partition(4)), "kept: a series of it is not at the receiver");
        assertFalse(db.partitions("noetl.metric").contains(partition(3)), "its neighbour, all at the receiver, went");
    }

    /**
     * A partition holding a row its export refused (a NaN value here) is kept past retention once its other samples
     * are confirmed, and reported, under the default rule ({@code refusedRows: Hold}); {@code Accept} lets it go
     * (issue 23, 15).
     */
    @Test
    void aPartitionWithARowTheExportRefusedIsKeptUnlessTheRuleAcceptsIt() throws Exception {
        Instant at = LocalDate.now(ZoneOffset.UTC).minusDays(4).atStartOfDay(ZoneOffset.UTC).toInstant()
                .plus(run, ChronoUnit.HOURS).plusSeconds(1800).plusMillis(1);
        insert(List.of(new MetricShape.Row(1, "noetl_jobs_total", "counter", Double.NaN, "{\"pool\": \"p0\", "
                + "\"shard\": 0, \"ok\": true}", at)));

        MaintenancePass.Outcome held = pass(settings(export(vm.writeUrl(), 100), "2d"));

        List<Finding> refused = held.findings().stream().filter(f -> f.reason() == Reason.EXPORT_REFUSED_ROWS)
                .toList();
        assertEquals(1, refused.size(), () -> held.findings().toString());
        String message = refused.get(0).message();
        assertTrue(message.contains(partition(4) + " (1 row;") && message.contains("metric_id")
                && message.contains("NaN") && message.contains("refusedRows: Accept"), message);
        assertTrue(db.partitions("noetl.metric").contains(partition(4)), "kept: a row of it is at no receiver");
        assertFalse(db.partitions("noetl.metric").contains(partition(3)), "its neighbour, without refusals, went");
        ExportPass.Outcome export = exportOf(held);
        assertTrue(export.confirmed(partition(4)), "what was sent of it is confirmed");
        assertFalse(export.retirable(partition(4)));
        assertEquals(1, ledgerLong("rows_refused", partition(4)));
        // the executor holds to the same rule under the retirement's lock, for a plan that did not (a tier's)
        MetricPolicySettings settings = settings(export(vm.writeUrl(), 100), "2d");
        MaintenancePass.Outcome underLock = new MaintenancePass(ds, db.target(), METRIC, LockPolicy.from(
                StandaloneConfig.INSTANCE.ddl()), Clock.systemUTC()).gatedBy(RetirementGate.Source.of(List.of(export.gate(METRIC))))
                .run(Optional.empty(), snapshot -> io.noetl.lifecycle.partition.plan.PartitionPlanner.plan(
                        PolicyPass.plannerPolicy(settings, snapshot, Instant.now()), snapshot),
                        settings::retentionCutoffSql, true);
        assertEquals(List.of(Reason.EXPORT_REFUSED_ROWS), underLock.keptFindings().stream().map(Finding::reason)
                .toList(), () -> underLock.keptFindings().toString());
        assertTrue(underLock.keptFindings().get(0).message().contains(partition(4) + " (1 row;"));
        assertTrue(db.partitions("noetl.metric").contains(partition(4)));

        MetricExport accepting = export(vm.writeUrl(), 100);
        accepting.setRefusedRows(io.noetl.lifecycle.api.RefusedRows.Accept);
        MaintenancePass.Outcome accepted = pass(settings(accepting, "2d"));
        assertFalse(reasons(accepted).contains(Reason.EXPORT_REFUSED_ROWS), () -> accepted.findings().toString());
        assertFalse(db.partitions("noetl.metric").contains(partition(4)), () -> accepted.findings().toString());
    }

    /** The tier sent is gated as the raw table is otherwise: its partitions past the tier's retention wait for it. */

    /** A receiver that acknowledges every batch but keeps only part of it: the count falls short. */

    /** {@code verify: AckOnly}: the acknowledgements confirm, no count is asked (the stand-in has no query API). */

    @Test
    void aDryRunPlansTheExportsAndSendsNothing() throws Exception {
        MetricPolicySettings settings = settings(export(vm.writeUrl(), 100), "2d");
        MaintenancePass.Outcome o = new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()),
                Clock.systemUTC(), Duration.ofSeconds(30)).preceded(new MetricHistoryPass(settings)).run(settings,
                        Optional.empty(), UnaryOperator.identity(), Instant.now(), false);
        Plan reported = o.reportedPlan();
        assertEquals(List.of(partition(4), partition(3), partition(2), partition(1)), reported.actions().stream()
                .filter(a -> a.kind().equals("ExportPartition")).map(a -> a.partition()).toList());
        assertTrue(received(selector()).isEmpty());
        assertTrue(o.plan().actions().stream().noneMatch(a -> a.retires()), "no retirement planned before export");
    }

    // the stand-in in front of VictoriaMetrics

    @FunctionalInterface
    interface Handler {
        void handle(com.sun.net.httpserver.HttpExchange exchange) throws Exception;
    }

    URI standIn(Handler handler) throws IOException {
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

    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Sends the request on to VictoriaMetrics and its answer back; no answer (it is stopped) becomes a closed socket. */
    void forward(com.sun.net.httpserver.HttpExchange exchange, byte[] body) throws Exception {
        forward(exchange, body, () -> {
        });
    }

    /** As {@link #forward(com.sun.net.httpserver.HttpExchange, byte[])}, running {@code beforeAnswer} in between. */
    void forward(com.sun.net.httpserver.HttpExchange exchange, byte[] body, Runnable beforeAnswer)
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

    static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    static byte[] unsnappy(byte[] compressed) {
        SnappyDecompressor d = new SnappyDecompressor();
        byte[] out = new byte[SnappyDecompressor.getUncompressedLength(compressed, 0)];
        d.decompress(compressed, 0, compressed.length, out, 0, out.length);
        return out;
    }

    static byte[] snappy(byte[] raw) {
        SnappyCompressor c = new SnappyCompressor();
        byte[] out = new byte[c.maxCompressedLength(raw.length)];
        int n = c.compress(raw, 0, raw.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }
}
