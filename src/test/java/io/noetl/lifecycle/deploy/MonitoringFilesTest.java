package io.noetl.lifecycle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.noetl.lifecycle.support.OsTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring: alert rules promtool accepts and whose unit tests pass, the same rules in the PrometheusRule, a
 * dashboard on real series, every series documented.
 */
class MonitoringFilesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path DIR = Path.of("deploy", "monitoring");
    /** The series OperatorMetrics exposes, as Prometheus names them. */
    private static final Set<String> SERIES = Set.of("lifecycle_partitions", "lifecycle_partitions_bytes",
            "lifecycle_coverage_ahead_seconds", "lifecycle_last_success_timestamp_seconds",
            "lifecycle_rollup_lag_seconds", "lifecycle_export_lag_seconds", "lifecycle_partition_interval_seconds",
            "lifecycle_default_partition_rows", "lifecycle_gaps", "lifecycle_clock_skew_seconds", "lifecycle_conditions",
            "lifecycle_partitions_created_total", "lifecycle_partitions_dropped_total",
            "lifecycle_partitions_detached_total", "lifecycle_rows_moved_total", "lifecycle_maintenance_failures_total",
            "lifecycle_maintenance_duration_seconds_bucket", "lifecycle_rollup_duration_seconds_bucket",
            "lifecycle_rollup_failures_total", "lifecycle_export_samples_total", "lifecycle_export_bytes_total",
            "lifecycle_export_batches_retried_total", "lifecycle_export_rows_refused_total",
            "lifecycle_export_failures_total", "lifecycle_export_duration_seconds_bucket",
            "lifecycle_runtime_components", "lifecycle_runtime_component_failures_total");
    /**
     * The connection budget's series, per database server, which io.noetl.lifecycle.postgres registers (not
     * OperatorMetrics); docs/monitoring.md lists them with the rest.
     */
    private static final Set<String> CONNECTION_SERIES = Set.of("lifecycle_connections",
            "lifecycle_connections_limit", "lifecycle_connections_waiting", "lifecycle_connection_wait_seconds_bucket");
    /** The series labelled per resource (namespace, name, table): the only ones an alert or panel may show by name. */
    private static final Set<String> PER_RESOURCE = Set.of("lifecycle_partitions", "lifecycle_partitions_bytes",
            "lifecycle_coverage_ahead_seconds", "lifecycle_last_success_timestamp_seconds",
            "lifecycle_rollup_lag_seconds", "lifecycle_export_lag_seconds", "lifecycle_partition_interval_seconds");
    /** Labels of the RuntimeComponent series: aggregates, never one component's name. */
    private static final Set<String> COMPONENT_LABELS = Set.of("namespace", "type", "phase", "reason");

    @Test
    void alertRulesPassPromtool() throws Exception {
        String out = promtool("check", "rules", DIR.resolve("rules.yaml").toString());
        assertTrue(out.contains("SUCCESS: 10 rules found"), out);
    }

    /** rules-test.yaml: each alert fires on the documented series with its labels and text, and only then. */
    @Test
    void alertRulesPassTheirPromtoolUnitTests() throws Exception {
        String out = promtool("test", "rules", DIR.resolve("rules-test.yaml").toString());
        assertTrue(out.contains("SUCCESS"), out);
        // every alert of rules.yaml has a test that expects it to fire
        JsonNode tests = YAML.readTree(DIR.resolve("rules-test.yaml").toFile()).get("tests");
        Set<String> fired = new java.util.HashSet<>();
        tests.forEach(t -> t.get("alert_rule_test").forEach(a -> {
            if (!a.get("exp_alerts").isEmpty()) {
                fired.add(a.get("alertname").asText());
            }
        }));
        Set<String> alerts = new java.util.HashSet<>();
        YAML.readTree(DIR.resolve("rules.yaml").toFile()).get("groups").forEach(g -> g.get("rules")
                .forEach(r -> alerts.add(r.get("alert").asText())));
        assertEquals(alerts, fired);
    }

    private static String promtool(String... args) throws Exception {
        OsTool.PROMTOOL.assumePresent("to check the alert rules");
        List<String> command = new ArrayList<>(List.of(OsTool.PROMTOOL.require().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void thePrometheusRuleCarriesExactlyTheCheckedRules() throws IOException {
        JsonNode rules = YAML.readTree(DIR.resolve("rules.yaml").toFile());
        JsonNode resource = YAML.readTree(DIR.resolve("prometheus-rule.yaml").toFile());
        assertEquals("PrometheusRule", resource.get("kind").asText());
        assertEquals(rules.get("groups"), resource.get("spec").get("groups"));
    }

    @Test
    void alertsAndDashboardUseOnlySeriesTheOperatorExposes() throws IOException {
        List<String> expressions = expressions();
        assertTrue(expressions.size() >= 20);
        Pattern series = Pattern.compile("lifecycle_[a-z_]+");
        for (String expr : expressions) {
            Matcher m = series.matcher(expr);
            assertTrue(m.find(), expr);
            m.reset();
            while (m.find()) {
                assertTrue(SERIES.contains(m.group()) || CONNECTION_SERIES.contains(m.group()),
                        "unknown series " + m.group() + " in " + expr);
            }
            assertFalse(expr.contains("password"));
        }
    }

    /** Only the per-resource gauges carry name and table: no alert or panel groups anything else by them. */
    @Test
    void onlyThePerResourceGaugesAreShownByResource() throws IOException {
        Pattern by = Pattern.compile("(?:by|on) \\(([a-z_, ]*)\\)");
        Pattern series = Pattern.compile("lifecycle_[a-z_]+");
        for (String expr : expressions()) {
            Matcher grouping = by.matcher(expr);
            boolean perResource = series.matcher(expr).results().map(r -> r.group()).allMatch(PER_RESOURCE::contains);
            while (grouping.find()) {
                for (String label : grouping.group(1).split(",\\s*")) {
                    assertTrue(perResource || !Set.of("name", "table").contains(label.strip()), expr);
                }
            }
        }
    }

    @Test
    void everySeriesIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("docs", "monitoring.md"));
        for (String s : concat(SERIES, CONNECTION_SERIES)) {
            String name = s.replaceAll("_bucket$", "");
            assertTrue(doc.contains("`" + name), "docs/monitoring.md does not list " + name);
        }
    }

    private static Set<String> concat(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }

    /** Every alert's expression and every panel's query. */
    private static List<String> expressions() throws IOException {
        List<String> expressions = new ArrayList<>();
        YAML.readTree(DIR.resolve("rules.yaml").toFile()).get("groups").forEach(g -> g.get("rules")
                .forEach(r -> expressions.add(r.get("expr").asText())));
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DIR.resolve("grafana-dashboard.json")));
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText())));
        return expressions;
    }

    @Test
    void runtimeComponentAlertsAndPanelsUseOnlyAggregateLabels() throws IOException {
        List<String> texts = new ArrayList<>();
        YAML.readTree(DIR.resolve("rules.yaml").toFile()).get("groups").forEach(g -> g.get("rules").forEach(r -> {
            if (r.get("expr").asText().contains("lifecycle_runtime_")) {
                texts.add(r.get("expr").asText());
                r.get("annotations").forEach(a -> texts.add(a.asText()));
            }
        }));
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DIR.resolve("grafana-dashboard.json")));
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(t -> {
            if (t.get("expr").asText().contains("lifecycle_runtime_")) {
                texts.add(t.get("expr").asText());
                texts.add(t.get("legendFormat").asText());
            }
        }));
        assertTrue(texts.size() >= 6, texts.toString());
        Pattern label = Pattern.compile("\\$labels\\.([a-z_]+)|\\{\\{([a-z_]+)\\}\\}|by \\(([a-z_, ]+)\\)");
        for (String text : texts) {
            Matcher m = label.matcher(text);
            while (m.find()) {
                String found = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
                for (String l : found.split(",\\s*")) {
                    assertTrue(COMPONENT_LABELS.contains(l.strip()), "label " + l + " in " + text);
                }
            }
        }
    }
}
