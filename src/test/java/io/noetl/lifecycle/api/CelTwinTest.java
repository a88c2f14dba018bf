package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.registry.plan.RuntimeComponentSettings;
import io.noetl.lifecycle.support.ApiServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every CEL rule ({@code x-kubernetes-validations}) in {@code crds/} has a twin in code that reports InvalidSpec, so
 * that on a server older than 1.25, where the rules are taken out of the CRDs (no CEL there), the same specs are
 * still refused. For each rule the test has a spec that breaks it; that spec must pass the rest of the schema (what
 * such a server still checks) and be rejected by the operator's own validation. A rule added without a case here
 * fails the test.
 */
class CelTwinTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A spec that breaks the rule; for a transition rule ({@code oldSelf}), the spec it changes from too. */
    private record Breach(String spec, String from) {
    }

    private static final Map<String, Breach> BREACHES = Map.of(
            "MetricRetentionPolicy: self.retentionAction != 'Detach' || !self.table.startsWith(self.archiveSchema + '.')",
            new Breach("{table: noetl.metric, retentionAction: Detach, archiveSchema: noetl}", null),
            "MetricRetentionPolicy: self.bootstrap != 'IfMissing' || self.partitionKey == 'created_at'",
            new Breach("{bootstrap: IfMissing, partitionKey: ts}", null),
            "EventPartitionPlan: self.retentionAction != 'Detach' || !self.table.startsWith(self.archiveSchema + '.')",
            new Breach("{table: noetl.event, retentionAction: Detach, archiveSchema: noetl}", null),
            "EventPartitionPlan: self.bootstrap != 'IfMissing' || self.partitionKey == 'execution_id'",
            new Breach("{bootstrap: IfMissing, partitionKey: id}", null),
            "EventPartitionPlan: !has(self.protect) || !(self.defaultPartition in self.protect)",
            new Breach("{defaultPartition: event_default, protect: [event_default]}", null),
            "RuntimeComponent: self.componentType == oldSelf.componentType && (has(self.name) ? self.name : '') == "
                    + "(has(oldSelf.name) ? oldSelf.name : '')",
            new Breach("{componentType: worker_pool, name: w-2}", "{componentType: worker_pool, name: w-1}"));

    @Test
    void everyCelRuleInTheCrdsHasACodeTwin() throws Exception {
        Map<String, JSONSchemaProps> specSchemas = new LinkedHashMap<>();
        List<String> rules = new ArrayList<>();
        for (CustomResourceDefinition crd : ApiServer.crds(true)) {
            String kind = crd.getSpec().getNames().getKind();
            JSONSchemaProps spec = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema()
                    .getProperties().get("spec");
            specSchemas.put(kind, spec);
            for (ValidationRule r : spec.getXKubernetesValidations() == null ? List.<ValidationRule>of()
                    : spec.getXKubernetesValidations()) {
                rules.add(kind + ": " + r.getRule());
            }
        }
        assertEquals(new TreeSet<>(BREACHES.keySet()), new TreeSet<>(rules),
                "each CEL rule needs a breaching spec here and a twin in code");

        for (String rule : rules) {
            String kind = rule.substring(0, rule.indexOf(':'));
            Breach b = BREACHES.get(rule);
            JsonNode spec = YAML.readTree(b.spec());
            // the stripped schema (what a 1.20 server checks) lets it through: only the twin can stop it
            JSONSchemaProps stripped = JSON.convertValue(specSchemas.get(kind), JSONSchemaProps.class);
            assertTrue(ApiServer.stripCel(stripped) > 0 || kind.equals("none"), rule);
            assertEquals(0, JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
                    .getSchema(JSON.valueToTree(stripped)).validate(spec).size(), rule + ": the schema refuses it");
            InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> validate(kind, spec, b.from()),
                    rule + ": no code twin");
            assertTrue(e.getMessage().startsWith("spec."), e.getMessage());
        }
    }

    /** The operator's validation of {@code spec}; for a transition, after {@code from} registered. */
    private static void validate(String kind, JsonNode spec, String from) throws Exception {
        switch (kind) {
            case "MetricRetentionPolicy" -> MetricPolicySettings.from(JSON.treeToValue(spec,
                    MetricRetentionPolicySpec.class));
            case "EventPartitionPlan" -> EventPlanSettings.from(JSON.treeToValue(spec, EventPartitionPlanSpec.class));
            default -> {
                RuntimeComponentSettings before = RuntimeComponentSettings.from(JSON.treeToValue(YAML.readTree(from),
                        RuntimeComponentSpec.class), "w");
                before.keepsRegistryKey(before.declaration().key()); // the unchanged spec passes
                RuntimeComponentSettings.from(JSON.treeToValue(spec, RuntimeComponentSpec.class), "w")
                        .keepsRegistryKey(before.declaration().key());
            }
        }
    }
}
