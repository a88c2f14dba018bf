package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code plan} shows and {@code apply --once} runs the export too, by the same pass as the reconciler: real
 * PostgreSQL, a real VictoriaMetrics on loopback, no cluster. The command's clock and the database's {@code now()}
 * are the fixtures' 2026-11-21T10:00Z (a stand-in for the server's clock; see CommandFixtures).
 *
 * <p>Every test runs on both shapes of the metric table ({@link MetricShape}): {@link ExportCommandLiveTest} on
 * NoETL's live {@code noetl.metric} (sample time = {@code created_at TIMESTAMP}, registry {@code kind}), and
 * {@link ExportCommandSeedExampleTest} on the seed's example ({@code timestamp TIMESTAMPTZ}, registry
 * {@code component_type}); each has its own database and receiver (metric names need not differ).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ExportCommandTestBase extends CommandTest {
    private TestDatabase db;
    private VictoriaMetricsServer vm;

    /** The shape of the metric table and its registry this class runs on. */
    abstract MetricShape shape();

    @BeforeAll
    void start() {
        OsTool.VICTORIA_METRICS.assumePresent("to run the command line's export against a real receiver");
        db = CommandFixtures.database("cli_export_" + shape().name().toLowerCase());
        vm = VictoriaMetricsServer.start();
    }

    @AfterAll
    void stop() {
        Teardown.close(vm, db);
    }

    /**
     * The metric table of {@link #shape()}, 11-18 to 11-21, one sample every 30 minutes (UTC; on the live shape
     * {@code created_at} is that wall-clock time, the policy's {@code timeZone} being UTC), each row's
     * {@code expires_at} a day after it, as NoETL's default had it when the row was written.
     */
    @BeforeEach
    void setUp() throws Exception {
        // one instance for the class's tests (PER_CLASS, for shape() in @BeforeAll): each test's output starts empty
        out.reset();
        err.reset();
        CommandFixtures.seedMetrics(db, "cli_cpu", shape());
    }

    private String file(String exportExtra) throws Exception {
        String yaml = CommandFixtures.secret(db.url()) + "---\n" + CommandFixtures.metricPolicy(
                "retention: 1d\npremake: 2\nexport:\n  url: " + vm.writeUrl() + "\n") + exportExtra;
        return write("resources.yaml", yaml);
    }

    @Test
    void planShowsTheExportsAndSendsNothing() throws Exception {
        assertEquals(0, run("plan", "-f", file("")), out + " " + err);
        String table = stdout();
        for (String day : List.of("18", "19", "20")) {
            assertTrue(table.lines().anyMatch(l -> l.contains("ExportPartition") && l.contains("metric_2026_11_" + day)),
                    table);
        }
        assertTrue(table.lines().noneMatch(l -> l.contains("DropPartition")), "nothing retired before its export: "
                + table);
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'metric_export_ledger'"));
        vm.flush();
        assertEquals(List.of(), vm.export("{__name__=\"cli_cpu\"}"));
    }

    @Test
    void applyOnceExportsConfirmsThenRetires() throws Exception {
        assertEquals(0, run("apply", "-f", file(""), "--once"), out + " " + err);
        String table = stdout();
        assertTrue(table.lines().anyMatch(l -> l.contains("ExportPartition") && l.contains("metric_2026_11_19")), table);
        assertTrue(table.lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_19")), table);
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                db.partitions("noetl.metric"));
        assertEquals(3, db.queryLong("SELECT count(verified_at) FROM noetl.metric_export_ledger"));
        vm.flush();
        List<Long> values = new ArrayList<>();
        for (String line : vm.export("{__name__=\"cli_cpu\"}")) {
            JsonNode n = new ObjectMapper().readTree(line);
            assertEquals("0", n.get("metric").get("core").asText());
            assertEquals("w", n.get("metric").get("runtime_name").asText());
            assertEquals("worker_pool", n.get("metric").get("runtime_type").asText(), "the registry's "
                    + shape().registryTypeColumn());
            n.get("values").forEach(v -> values.add(v.asLong()));
        }
        values.sort(Long::compare);
        assertEquals(java.util.stream.LongStream.range(0, 3 * 48).boxed().toList(), values,
                "the three closed days' samples, each once");
    }

    @Test
    void aSecretTheFileLacksStopsTheExportAndRetiresNothing() throws Exception {
        int code = run("apply", "-f", file("    secretRef: {name: vm-write}\n    allowPlainHttpCredentials: true\n"),
                "--once");
        String all = stdout() + err;
        assertTrue(all.contains("ExportFailed") && all.contains("vm-write"), all);
        assertTrue(code != 0 || all.contains("ExportPending"), all);
        assertEquals(6, db.partitions("noetl.metric").size(), "created ahead, nothing dropped: "
                + db.partitions("noetl.metric"));
    }

    @Test
    void credentialsOverPlainHttpAreAFindingAndNothingIsSentOrRetired() throws Exception {
        // the Secret is in the file: only the transport stands in the way
        String secret = "---\napiVersion: v1\nkind: Secret\nmetadata: {name: vm-write}\n"
                + "stringData: {token: cli-token-77}\n";
        String path = file("    secretRef: {name: vm-write}\n");
        Files.writeString(Path.of(path), Files.readString(Path.of(path)) + secret);
        assertEquals(4, run("check", "-f", path), out + " " + err);
        assertTrue(stdout().contains("InsecureTransport"), stdout());
        assertTrue(stdout().lines().noneMatch(l -> l.contains("ExportPartition")), "no export planned: " + stdout());
        out.reset();
        run("apply", "-f", path, "--once");
        String all = stdout() + err;
        assertTrue(all.contains("InsecureTransport") && all.contains("allowPlainHttpCredentials"), all);
        assertTrue(!all.contains("cli-token-77"), all);
        assertEquals(6, db.partitions("noetl.metric").size(), "created ahead, nothing dropped: "
                + db.partitions("noetl.metric"));
        // the class's receiver holds what other tests sent: the ledger says what this run sent, nothing
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_export_ledger"), "nothing sent");
    }
}
