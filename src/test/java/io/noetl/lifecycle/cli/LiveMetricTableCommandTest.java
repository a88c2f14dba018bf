package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noetl.lifecycle.support.LiveMetricData;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped sample on the table NoETL really has, as a new user would run it: a database loaded with NoETL's live
 * DDL ({@code noetl.metric} with {@code created_at TIMESTAMP} and no {@code timestamp} column, the registry with
 * {@code kind}), two closed days of rows (69,120 samples, 12 series, gauges crossing zero and counters with resets),
 * {@code config/samples/metricretentionpolicy.yaml} exactly as it is in the repository plus an {@code export} block
 * pointing at a real VictoriaMetrics on loopback, and {@code apply --once} three times. Every closed partition is then
 * rolled into each tier, equal to the aggregates {@link LiveMetricData} computes with plain loops; the receiver holds
 * exactly the rows' samples, named by the registry's {@code name} and {@code kind}; the expired partitions are gone.
 *
 * <p>The database's clock is a stand-in ({@link TestDatabase}) set to {@link #NOW}, as is the command's.
 */
class LiveMetricTableCommandTest extends CommandTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant FIRST_DAY = Instant.parse("2026-11-19T00:00:00Z");
    private static TestDatabase db;
    private static VictoriaMetricsServer vm;
    private static LiveMetricData data;

    @BeforeAll
    static void start() throws Exception {
        OsTool.VICTORIA_METRICS.assumePresent("to run the shipped sample's export on NoETL's live table");
        db = TestDatabase.create("cli_live_it");
        db.setServerTime(NOW);
        vm = VictoriaMetricsServer.start();
        data = new LiveMetricData(FIRST_DAY, 2);
        try (Connection c = db.connect()) {
            MetricShape.loadLive(c);
            for (int d = 19; d <= 20; d++) {
                // as NoETL makes them: noetl.create_metric_partition(date)
                db.execute("SELECT noetl.create_metric_partition(date '2026-11-" + d + "')");
            }
            data.load(c, MetricShape.LIVE, "noetl.metric", ZoneOffset.UTC);
        }
        assertEquals(69_120, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    @AfterAll
    static void stop() {
        Teardown.close(vm, db);
    }

    /** The Secret for the test database, then the shipped sample as it is, with an export block appended to spec. */
    private String file() throws Exception {
        String sample = Files.readString(Path.of("config/samples/metricretentionpolicy.yaml"));
        String yaml = CommandFixtures.secret(db.url()) + "---\n"
                + sample.stripTrailing() + "\n  export:\n    url: " + vm.writeUrl() + "\n";
        return write("noetl.yaml", yaml);
    }

    @Test
    void theShippedSampleRollsUpExportsAndRetiresOnNoetlsTable() throws Exception {
        String file = file();
        for (int pass = 1; pass <= 3; pass++) {
            out.reset();
            err.reset();
            int code = CommandFixtures.command(out, err, NOW).run(List.of("apply", "-f", file, "--once", "-o", "json"));
            String report = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, "pass " + pass + ": " + report + err);
            JsonNode policy = new ObjectMapper().readTree(report).get("policies").get(0);
            assertEquals("Applied", policy.get("outcome").asText(), report);
            for (JsonNode f : policy.get("findings")) {
                String reason = f.get("reason").asText();
                assertTrue(!reason.endsWith("Failed") && !reason.equals("InvalidSpec"), "pass " + pass + ": " + f);
            }
            assertTrue(policy.get("metricColumns").asText().startsWith("sample time created_at (timestamp, read in "
                    + "UTC)"), policy.get("metricColumns").asText());
        }
        // the expired days are gone; the rest stays
        List<String> left = db.partitions("noetl.metric");
        assertTrue(!left.contains("metric_2026_11_19") && !left.contains("metric_2026_11_20"), left.toString());
        assertTrue(left.contains("metric_2026_11_22") && left.contains("metric_2026_11_29"), left.toString());
        // every closed raw partition rolled into each tier, equal to the reference
        assertEquals(6, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger WHERE raw_partition IN "
                + "('metric_2026_11_19', 'metric_2026_11_20')"));
        try (Connection c = db.connect()) {
            for (String tier : List.of("1m", "5m", "1h")) {
                assertEquals(List.of(), data.compareTier(c, "noetl.metric_rollup_" + tier, "noetl.metric_series",
                        io.noetl.lifecycle.metric.rollup.Resolution.parse(tier).width()));
            }
        }
        // the receiver holds exactly the rows' samples, each once, with the registry's names
        vm.flush();
        List<String> lines = vm.export("{__name__=~\"live_.*\"}");
        assertEquals(data.expectedExport(), LiveMetricData.exported(lines));
        for (String line : lines) {
            JsonNode metric = new ObjectMapper().readTree(line).get("metric");
            int series = Integer.parseInt(metric.get("series").asText());
            assertEquals("live-worker-" + (1 + series % 3), metric.get("runtime_name").asText(), line);
            assertEquals("worker_pool", metric.get("runtime_type").asText(), line);
        }
        // and the history reader answers from the tiers for the dropped days
        assertEquals(LiveMetricData.SERIES / 2 * 24L, db.queryLong("SELECT count(*) FROM noetl.metric_history("
                + "'live_temperature', NULL, '2026-11-19 00:00+00', '2026-11-20 00:00+00') WHERE tier = '1m' "
                + "AND bucket_start >= '2026-11-19 00:00+00'") / 60);
        assertEquals(Duration.ofDays(2).toSeconds() / 30 * LiveMetricData.SERIES, data.samples().size());
    }
}
