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

/** deploy/monitoring: alert rules promtool accepts, the same rules in the PrometheusRule, a dashboard on real series. */
class MonitoringFilesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path DIR = Path.of("deploy", "monitoring");
    /** The series OperatorMetrics exposes, as Prometheus names them. */
    private static final Set<String> SERIES = Set.of("lifecycle_partitions", "lifecycle_partitions_bytes",
            "lifecycle_default_partition_rows", "lifecycle_coverage_ahead_seconds", "lifecycle_gaps",
            "lifecycle_last_success_timestamp_seconds", "lifecycle_clock_skew_seconds", "lifecycle_partitions_created_total",
            "lifecycle_partitions_dropped_total", "lifecycle_partitions_detached_total", "lifecycle_rows_moved_total",
            "lifecycle_maintenance_failures_total", "lifecycle_maintenance_duration_seconds_bucket",
            "lifecycle_runtime_components", "lifecycle_runtime_component_failures_total", "lifecycle_rollup_lag_seconds",
            "lifecycle_rollup_interval_seconds", "lifecycle_rollup_duration_seconds_bucket",
            "lifecycle_rollup_failures_total", "lifecycle_export_lag_seconds", "lifecycle_export_interval_seconds",
            "lifecycle_export_samples_total", "lifecycle_export_bytes_total", "lifecycle_export_failures_total");
    /** Labels of the RuntimeComponent series: aggregates, never one component's name. */
    private static final Set<String> COMPONENT_LABELS = Set.of("namespace", "type", "phase", "reason");

    @Test
    void alertRulesPassPromtool() throws Exception {
        OsTool.PROMTOOL.assumePresent("to check the alert rules");
        Process p = new ProcessBuilder(OsTool.PROMTOOL.require().toString(), "check", "rules", DIR.resolve("rules.yaml").toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("SUCCESS: 9 rules found"), out);
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
        List<String> expressions = new ArrayList<>();
        YAML.readTree(DIR.resolve("rules.yaml").toFile()).get("groups").forEach(g -> g.get("rules")
                .forEach(r -> expressions.add(r.get("expr").asText())));
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DIR.resolve("grafana-dashboard.json")));
        dashboard.get("panels").forEach(panel -> panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText())));
        assertTrue(expressions.size() >= 15);
        Pattern series = Pattern.compile("lifecycle_[a-z_]+");
        for (String expr : expressions) {
            Matcher m = series.matcher(expr);
            assertTrue(m.find(), expr);
            m.reset();
            while (m.find()) {
                assertTrue(SERIES.contains(m.group()), "unknown series " + m.group() + " in " + expr);
            }
            assertFalse(expr.contains("password"));
        }
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
