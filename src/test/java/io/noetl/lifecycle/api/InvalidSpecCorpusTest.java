package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.registry.plan.RuntimeComponentSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A corpus of invalid specs. Each must be rejected at apply time by the generated CRD schema (checked here
 * against crds/ with a JSON-schema validator; CEL rules are not evaluated by it) or, failing that, by the
 * reconciler's own validation, which runs before any connection is made and reports InvalidSpec.
 * Valid controls prove the checks are not rejecting everything.
 */
class InvalidSpecCorpusTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Case(String kind, String spec) {
    }

    private static final List<Case> INVALID = new ArrayList<>();

    private static void mrp(String spec) {
        INVALID.add(new Case("MetricRetentionPolicy", spec));
    }

    private static void epp(String spec) {
        INVALID.add(new Case("EventPartitionPlan", spec));
    }

    private static void rtc(String spec) {
        INVALID.add(new Case("RuntimeComponent", spec));
    }

    static {
        // durations: zero, negative, unknown units, no unit, fractions, too short
        mrp("retention: 0d");
        mrp("retention: -1d");
        mrp("retention: 1y");
        mrp("retention: 1mo");
        mrp("retention: ''");
        mrp("retention: 1.5h");
        mrp("retention: d1");
        mrp("retention: 1 d");
        mrp("maintenanceInterval: 0s");
        mrp("maintenanceInterval: 5s");
        mrp("maintenanceInterval: 10x");
        epp("retention: '7'");
        epp("retention: -90d");
        epp("maintenanceInterval: 1ms");
        // intervals and windows
        mrp("interval: 2d");
        mrp("interval: 1w");
        mrp("interval: daily");
        mrp("interval: 1M");
        epp("window: Week");
        epp("window: quarter");
        // counts out of range
        mrp("premake: -1");
        mrp("premake: 1001");
        epp("ahead: -1");
        epp("ahead: 101");
        mrp("maxRetirementsPerPass: -1");
        epp("maxRetirementsPerPass: -31");
        mrp("maxRetirementsPerPass: all");
        // the grace: a duration or zero
        mrp("retentionChangeGrace: -1h");
        mrp("retentionChangeGrace: 1y");
        mrp("retentionChangeGrace: '00'");
        epp("retentionChangeGrace: soon");
        // identifiers with quotes, semicolons, dots in the wrong place, unicode tricks, lengths
        mrp("table: 'noetl.metric;drop table noetl.runtime'");
        mrp("table: 'noetl.\"metric\"'");
        mrp("table: a.b.c");
        mrp("table: 1metric");
        mrp("table: 'noetl.'");
        mrp("table: .metric");
        mrp("table: metric name");
        mrp("table: noetl.métric");
        mrp("table: noetl.ｍetric");
        mrp("table: noetl.a_table_name_that_is_far_too_long_for_suffixes");
        mrp("partitionKey: 'created_at; --'");
        mrp("partitionKey: created-at");
        mrp("partitionKey: ''");
        mrp("archiveSchema: arch ive");
        mrp("archiveSchema: \"x'y\"");
        epp("table: \"noetl.event'--\"");
        epp("defaultPartition: event default");
        epp("protect: ['a;b']");
        epp("protect: ['event_2026.q1']");
        // enums
        mrp("retentionAction: Delete");
        mrp("bootstrap: Always");
        epp("retentionAction: drop");
        // time
        mrp("timeZone: Mars/Olympus");
        mrp("timeZone: ../etc/passwd");
        epp("idLayout: {epoch: '2024-01-01'}");
        epp("idLayout: {epoch: yesterday}");
        epp("idLayout: {epoch: '2024-13-01T00:00:00Z'}");
        epp("idLayout: {timestampShift: -1}");
        epp("idLayout: {timestampShift: 41}");
        epp("idLayout: {timestampShift: 64}");
        // references
        mrp("database: {secretRef: {name: Bad_Name}}");
        epp("database: {secretRef: {name: 'db;x'}}");
        // cross-field rules (CEL in the schema, repeated by the reconciler)
        mrp("{retentionAction: Detach, archiveSchema: noetl}");
        mrp("{bootstrap: IfMissing, partitionKey: ts}");
        // rollup tiers: out of order, not multiples, not outliving the raw rows, bad fields, duplicates
        mrp("rollups: [{resolution: 5m, retention: 30d}, {resolution: 1m, retention: 7d}]");
        mrp("rollups: [{resolution: 2m, retention: 7d}, {resolution: 5m, retention: 30d}]");
        mrp("rollups: [{resolution: 5m, retention: 5m}]");
        mrp("{retention: 30d, rollups: [{resolution: 5m, retention: 7d}]}");
        mrp("rollups: [{resolution: 0m, retention: 7d}]");
        mrp("rollups: [{resolution: 1mo, retention: 7d}]");
        mrp("rollups: [{retention: 7d}]");
        mrp("rollups: [{resolution: 5m}]");
        mrp("rollups: [{resolution: 5m, retention: 7d, partitionInterval: 2d}]");
        mrp("rollups: [{resolution: 5m, retention: 7d, table: 'noetl.bad name'}]");
        mrp("rollups: [{resolution: 5m, retention: 7d, table: noetl.metric}]");
        mrp("rollups: [{resolution: 1m, retention: 7d, table: noetl.t}, {resolution: 5m, retention: 30d, table: noetl.t}]");
        mrp("rollups: [{resolution: 1m, retention: 7d, table: noetl.a_table_name_that_is_much_too_long_for_partitions}]");
        mrp("rollupGrace: 5 minutes");
        mrp("seriesTable: 'bad name'");
        // the export's transport: a CA for plain http, a Secret key that is none, a flag that is no boolean
        mrp("export: {url: 'http://vm:8428/api/v1/write', caSecretRef: {name: vm-ca}}");
        mrp("export: {url: 'https://vm:8428/api/v1/write', caSecretRef: {name: vm-ca, key: 'a/b'}}");
        mrp("export: {url: 'https://vm:8428/api/v1/write', caSecretRef: {key: ca.crt}}");
        mrp("export: {url: 'http://vm:8428/api/v1/write', allowPlainHttpCredentials: sure}");
        epp("{retentionAction: Detach, archiveSchema: noetl}");
        epp("{bootstrap: IfMissing, partitionKey: id}");
        epp("{protect: [event_default]}");
        // runtime components: type enum, name, capacity, URL shape, durations, policy
        rtc("componentType: database");
        rtc("name: w1");
        rtc("{componentType: worker_pool, name: 'w 1'}");
        rtc("{componentType: worker_pool, name: \"w1';--\"}");
        rtc("{componentType: worker_pool, name: " + "w".repeat(129) + "}");
        rtc("{componentType: worker_pool, capacity: -1}");
        rtc("{componentType: worker_pool, baseUrl: 'ftp://host/x'}");
        rtc("{componentType: worker_pool, baseUrl: 'not a url'}");
        rtc("{componentType: worker_pool, heartbeatTimeout: 0s}");
        rtc("{componentType: worker_pool, markOfflineAfter: -1m}");
        rtc("{componentType: worker_pool, deletionPolicy: Purge}");
        rtc("{componentType: worker_pool, precedence: Git}");
        // a row NoETL's servers would take for one of their leases (issue 28)
        rtc("{componentType: server_api, runtime: {type: server_control, owner_instance: me}}");
    }

    private static final List<Case> VALID = List.of(
            new Case("MetricRetentionPolicy", "{}"),
            new Case("MetricRetentionPolicy", "{interval: 1h, premake: 48, retention: 36h, timeZone: Europe/Berlin, "
                    + "retentionAction: Detach, archiveSchema: archive, table: public.metrics_v2}"),
            new Case("MetricRetentionPolicy", "{maxRetirementsPerPass: 0, retentionChangeGrace: '0'}"),
            new Case("MetricRetentionPolicy", "{rollupGrace: 0s, seriesTable: metrics.series, rollups: [{resolution: "
                    + "1m, retention: 7d}, {resolution: 5m, retention: 30d, partitionInterval: 1d}, {resolution: 1h, "
                    + "retention: 365d, table: history.metric_hourly}]}"),
            new Case("MetricRetentionPolicy", "{maxRetirementsPerPass: 500, retentionChangeGrace: 0s}"),
            new Case("MetricRetentionPolicy", "{export: {url: 'https://vm:8428/api/v1/write', secretRef: {name: "
                    + "vm-write}, caSecretRef: {name: vm-ca, key: tls.ca}}}"),
            new Case("MetricRetentionPolicy", "{export: {url: 'http://vm:8428/api/v1/write', secretRef: {name: "
                    + "vm-write}, allowPlainHttpCredentials: true}}"),
            new Case("EventPartitionPlan", "{maxRetirementsPerPass: 1, retentionChangeGrace: 2d12h}"),
            new Case("EventPartitionPlan", "{window: HalfYear, ahead: 1, retention: 52w, protect: [event_2026_gke], "
                    + "idLayout: {epoch: '2020-01-01T00:00:00Z', timestampShift: 22}}"),
            new Case("RuntimeComponent", "{componentType: server_api, baseUrl: 'http://noetl.svc:8082/api', "
                    + "capacity: 0, labels: {tier: core}, capabilities: {http: true}, heartbeatTimeout: 90s}"),
            new Case("RuntimeComponent", "{componentType: broker, precedence: Declaration, runtime: {type: nats}}"));

    @Test
    void everyInvalidSpecIsRejectedBeforeAnySqlRuns() throws IOException {
        assertTrue(INVALID.size() >= 50, "the corpus has " + INVALID.size() + " specs");
        Map<String, Integer> rejectedBy = new LinkedHashMap<>(Map.of("schema", 0, "reconciler", 0));
        for (Case c : INVALID) {
            JsonNode spec = YAML.readTree(c.spec().startsWith("{") ? c.spec() : "{" + c.spec() + "}");
            if (!schemaErrors(c.kind(), spec).isEmpty()) {
                rejectedBy.merge("schema", 1, Integer::sum);
                continue;
            }
            try {
                validate(c.kind(), spec);
                fail(c.kind() + " spec " + c.spec() + " passed both the schema and the reconciler");
            } catch (InvalidSpecException | IllegalArgumentException expected) {
                rejectedBy.merge("reconciler", 1, Integer::sum);
            }
        }
        System.out.println("invalid specs rejected: " + rejectedBy);
        assertEquals(INVALID.size(), rejectedBy.values().stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void validControlsPassBoth() throws Exception {
        for (Case c : VALID) {
            JsonNode spec = YAML.readTree(c.spec());
            assertEquals(Set.of(), schemaErrors(c.kind(), spec), c.spec());
            validate(c.kind(), spec);
        }
    }

    /** The reconciler's validation: what it runs before resolving a database. */
    private static void validate(String kind, JsonNode spec) throws InvalidSpecException, IOException {
        if (kind.equals("MetricRetentionPolicy")) {
            MetricPolicySettings.from(JSON.treeToValue(spec, MetricRetentionPolicySpec.class));
        } else if (kind.equals("EventPartitionPlan")) {
            EventPlanSettings.from(JSON.treeToValue(spec, EventPartitionPlanSpec.class));
        } else {
            RuntimeComponentSettings.from(JSON.treeToValue(spec, RuntimeComponentSpec.class), "worker-1");
        }
    }

    private static Set<ValidationMessage> schemaErrors(String kind, JsonNode spec) throws IOException {
        String file = switch (kind) {
            case "MetricRetentionPolicy" -> "metricretentionpolicies";
            case "EventPartitionPlan" -> "eventpartitionplans";
            default -> "runtimecomponents";
        };
        JsonNode crd = YAML.readTree(Path.of("crds", file + ".lifecycle.noetl.io-v1.yml").toFile());
        JsonNode specSchema = crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(specSchema);
        return schema.validate(spec);
    }
}
