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
import io.noetl.lifecycle.metric.plan.ExportSettings;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.StandaloneConfig;
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
 * {@link ExportPassTestBase} on NoETL's live {@code noetl.metric}, with the tests of the receiver's faults, which are
 * the same on either shape of the table and so run on this one alone (see {@link ExportPassTestBase}).
 */
class ExportPassLiveTest extends ExportPassTestBase {
    @Override
    MetricShape shape() {
        return MetricShape.LIVE;
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
     * {@code source: 1h}: the 1h tier is sent instead of the raw rows, each bucket as the series
     * {@code <name>:<stat>_1h} at the bucket's start, each tier partition once every raw partition that could still
     * add to it (the one holding its upper bound included) is rolled up; the raw partitions go by the rollups' gate
     * alone, and the receiver holds exactly the statistics the test computes from the rows it wrote.
     */
    @Test
    void aTierIsSentBucketByBucketOnceNoRawPartitionCanAddToIt() throws Exception {
        io.noetl.lifecycle.api.MetricRetentionPolicySpec spec = hourlyTierSpec();
        MetricExport e = export(vm.writeUrl(), 100);
        e.setSource("1h");
        spec.setExport(e);

        MaintenancePass.Outcome o = pass(MetricPolicySettings.from(spec));

        assertEquals(List.of(), o.findings(), () -> o.findings().toString());
        ExportPass.Outcome export = exportOf(o);
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
        ExportPass.Outcome e = exportOf(first);
        assertTrue(e.outOfTime());
        assertEquals(List.of(partition(4)), e.sent().stream().map(ExportPass.Sent::partition).toList());
        assertEquals(100, e.sent().get(0).samples(), "one batch, then the time is up");
        assertEquals(100, ledgerLong("samples_sent", partition(4)));
        int passes = 1;
        while (exportOf(pass(settings(export(vm.writeUrl(), 100), "30d"))).outOfTime()) {
            passes++;
            assertTrue(passes < 40, "1,800 samples in batches of 100 take about 18 passes");
        }
        assertTrue(passes >= 17, "one batch a pass: " + passes);
        assertReceivedExactly();
    }

    @Test
    void aTierPartitionPastItsRetentionWaitsForItsExport() throws Exception {
        io.noetl.lifecycle.api.MetricRetentionPolicySpec spec = hourlyTierSpec();
        spec.setExport(export(URI.create("http://127.0.0.1:1/api/v1/write"), 100));
        spec.getExport().setSource("1h");
        String oldest = "metric_rollup_1h_" + partition(4).substring("metric_".length());

        MaintenancePass.Outcome down = pass(MetricPolicySettings.from(spec));
        assertTrue(reasons(down).contains(Reason.EXPORT_FAILED), () -> down.findings().toString());
        assertTrue(db.partitions("noetl.metric_rollup_1h").contains(oldest));
        // the tier's retention shortened to 3 days (a tier's takes effect at once): its oldest partition expires
        spec.getRollups().get(0).setRetention("3d");
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

    /**
     * A receiver that stores other labels than were sent holds another series: VictoriaMetrics drops the labels past
     * {@code -maxLabelsPerTimeseries} (30 by default) and answers 204. The count by series sees it (issue 23, 15);
     * the count of every sample of the partition's names did not, and let the partition go.
     */
    @Test
    void aReceiverThatDropsLabelsLeavesThePartitionUnverified() throws Exception {
        StringBuilder labels = new StringBuilder("{");
        for (int k = 0; k < 32; k++) {
            labels.append(k == 0 ? "" : ", ").append(String.format("\"k%02d\": \"v%d\"", k, k));
        }
        Instant at = LocalDate.now(ZoneOffset.UTC).minusDays(4).atStartOfDay(ZoneOffset.UTC).toInstant()
                .plus(run, ChronoUnit.HOURS).plusSeconds(1800);
        List<MetricShape.Row> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(new MetricShape.Row(1, "noetl_jobs_total", "counter", i, labels + "}", at.plusSeconds(i)));
        }
        insert(rows);
        timing = new ExportPass.Timing(5, Duration.ofMillis(100), 1, Duration.ZERO, ExportPass.PASS_BUDGET);
        pass(settings(export(vm.writeUrl(), 100), "2d"));
        vm.flush();
        MaintenancePass.Outcome o = pass(settings(export(vm.writeUrl(), 100), "2d"));

        List<Finding> unverified = o.findings().stream().filter(f -> f.reason() == Reason.EXPORT_UNVERIFIED).toList();
        assertEquals(1, unverified.size(), () -> o.findings().toString());
        assertTrue(unverified.get(0).message().contains("holds 600 of the 610 samples sent")
                && unverified.get(0).message().contains("noetl_jobs_total holds 0 of 10"), unverified.get(0).message());
        assertTrue(db.partitions("noetl.metric").contains(partition(4)));
        assertFalse(db.partitions("noetl.metric").contains(partition(3)));
    }

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

    /**
     * The same export into a real Prometheus 2.42 (Debian's {@code prometheus}) with its remote-write receiver on,
     * which already holds a sample of now (as any Prometheus that scrapes does) and has an out-of-order window of 10
     * days, so that samples up to four days old are accepted (docs/export.md): it holds exactly the rows, the
     * operator's count through its query API confirms them, and the expired partitions go.
     */
    @Test
    void aPrometheusWithAnOutOfOrderWindowReceivesConfirmsAndLetsThePartitionsGo() throws Exception {
        OsTool.PROMETHEUS.assumePresent("to export into a real Prometheus");
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

    /** Two days' retention, one partition ahead, and a 1h tier kept 30 days in daily partitions. */
    private static io.noetl.lifecycle.api.MetricRetentionPolicySpec hourlyTierSpec() {
        io.noetl.lifecycle.api.MetricRetentionPolicySpec spec = new io.noetl.lifecycle.api.MetricRetentionPolicySpec();
        spec.setRetention("2d");
        spec.setPremake(1);
        io.noetl.lifecycle.api.RollupTier hourly = new io.noetl.lifecycle.api.RollupTier("1h", "30d");
        hourly.setPartitionInterval("1d");
        spec.setRollups(List.of(hourly));
        return spec;
    }
}
