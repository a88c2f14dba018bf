package io.noetl.lifecycle.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resources as a user keeps them in Git, applied the way GitOps tools apply them (server-side apply, field manager
 * {@value #MANAGER}), as raw YAML: only what is written here reaches the server, never a Java default. Every optional
 * field is set, to a value other than its default, so that a write of the operator that carried a default would show.
 * {@link #assertUntouched} then checks what the issue promises: the spec as the server first stored it, generation
 * still 1, and no {@code f:spec} owned by any other field manager.
 */
public final class DeclaredResources {
    public static final String MANAGER = "gitops";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeclaredResources() {
    }

    /** name → YAML; each names the Secret {@code secret}. Suspended and in dry run: they must never act. */
    public static Map<String, String> declared(String secret) {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("MetricRetentionPolicy/declared-metrics", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: MetricRetentionPolicy
                metadata: {name: declared-metrics}
                spec:
                  database: {secretRef: {name: %s}}
                  table: noetl.metric_other
                  partitionKey: created_at
                  interval: 1h
                  premake: 3
                  retention: 2d
                  retentionAction: Detach
                  archiveSchema: keep_here
                  timeZone: Europe/Berlin
                  bootstrap: IfMissing
                  maintenanceInterval: 45s
                  moveDefaultRows: false
                  maxRetirementsPerPass: 5
                  retentionChangeGrace: 2h
                  suspend: true
                  dryRun: true
                """.formatted(secret));
        docs.put("MetricRetentionPolicy/declared-bad-zone", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: MetricRetentionPolicy
                metadata: {name: declared-bad-zone}
                spec:
                  database: {secretRef: {name: %s}}
                  table: noetl.metric_zone
                  timeZone: Mars/Olympus_Mons
                """.formatted(secret));
        docs.put("EventPartitionPlan/declared-events", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: EventPartitionPlan
                metadata: {name: declared-events}
                spec:
                  database: {secretRef: {name: %s}}
                  table: noetl.event_other
                  partitionKey: execution_id
                  idLayout: {epoch: "2023-06-01T00:00:00Z", timestampShift: 22}
                  window: Month
                  ahead: 3
                  retention: 26w
                  retentionAction: Detach
                  archiveSchema: keep_here
                  defaultPartition: event_fallback
                  protect: [event_2026_gke]
                  moveDefaultRows: false
                  bootstrap: IfMissing
                  maintenanceInterval: 45s
                  maxRetirementsPerPass: 0
                  retentionChangeGrace: 0s
                  suspend: true
                  dryRun: true
                """.formatted(secret));
        docs.put("RuntimeComponent/declared-broker", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: RuntimeComponent
                metadata: {name: declared-broker}
                spec:
                  database: {secretRef: {name: %s}}
                  componentType: broker
                  name: broker-east-1
                  baseUrl: http://broker-east-1.noetl:9092
                  labels: {zone: east}
                  capabilities: {nats: true}
                  capacity: 3
                  runtime: {type: go, version: "1.22"}
                  heartbeatTimeout: 90s
                  markOfflineAfter: 10m
                  deletionPolicy: Retain
                  bootstrap: IfMissing
                  suspend: true
                  dryRun: true
                """.formatted(secret));
        return docs;
    }

    /** name → YAML of resources that act (not suspended, not dry run), with non-default fields where they can. */
    public static Map<String, String> live(String secret) {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("MetricRetentionPolicy/live-metrics", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: MetricRetentionPolicy
                metadata: {name: live-metrics}
                spec:
                  database: {secretRef: {name: %s}}
                  premake: 2
                  retention: 3d
                  retentionAction: Detach
                  archiveSchema: metric_archive
                  timeZone: Europe/Berlin
                  bootstrap: IfMissing
                  maintenanceInterval: 40s
                  moveDefaultRows: false
                  maxRetirementsPerPass: 7
                  retentionChangeGrace: 30m
                """.formatted(secret));
        docs.put("EventPartitionPlan/live-events", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: EventPartitionPlan
                metadata: {name: live-events}
                spec:
                  database: {secretRef: {name: %s}}
                  window: Month
                  ahead: 1
                  retention: 52w
                  retentionAction: Detach
                  protect: [event_2026_gke]
                  bootstrap: IfMissing
                  maintenanceInterval: 40s
                  maxRetirementsPerPass: 1
                  retentionChangeGrace: 1d
                """.formatted(secret));
        docs.put("RuntimeComponent/live-worker", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: RuntimeComponent
                metadata: {name: live-worker}
                spec:
                  database: {secretRef: {name: %s}}
                  componentType: worker_pool
                  baseUrl: http://live-worker.noetl:8080
                  labels: {pool: cpu}
                  capacity: 2
                  heartbeatTimeout: 30s
                  deletionPolicy: Retain
                  bootstrap: IfMissing
                """.formatted(secret));
        return docs;
    }

    /**
     * Applies each document server-side as {@value #MANAGER} in {@code namespace}; returns what the server stored
     * (its spec, with the CRD's defaults filled in, is the baseline), keyed as the documents are.
     */
    public static Map<String, GenericKubernetesResource> apply(KubernetesClient admin, String namespace,
            Map<String, String> docs) {
        Map<String, GenericKubernetesResource> stored = new LinkedHashMap<>();
        docs.forEach((key, yaml) -> {
            GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
            r.getMetadata().setNamespace(namespace);
            stored.put(key, admin.resource(r).patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                    .withFieldManager(MANAGER).withForce(true).build()));
        });
        return stored;
    }

    /** The resource as it is now. */
    public static GenericKubernetesResource current(KubernetesClient admin, GenericKubernetesResource r) {
        return admin.genericKubernetesResources(r.getApiVersion(), r.getKind())
                .inNamespace(r.getMetadata().getNamespace()).withName(r.getMetadata().getName()).get();
    }

    /**
     * The spec is the one first stored, generation is still 1, the operator did write (a finalizer and a status),
     * and no field manager but {@value #MANAGER} owns anything under spec.
     */
    public static void assertUntouched(KubernetesClient admin, Map<String, GenericKubernetesResource> baseline) {
        baseline.forEach((key, before) -> {
            GenericKubernetesResource now = current(admin, before);
            JsonNode specBefore = JSON.valueToTree(before.getAdditionalProperties().get("spec"));
            JsonNode specNow = JSON.valueToTree(now.getAdditionalProperties().get("spec"));
            assertEquals(specBefore, specNow, key + ": the spec changed");
            assertEquals(1L, now.getMetadata().getGeneration(), key + ": metadata.generation");
            assertFalse(now.getMetadata().getFinalizers().isEmpty(), key + ": no finalizer: the operator never wrote");
            assertTrue(now.getAdditionalProperties().get("status") != null, key + ": no status");
            List<ManagedFieldsEntry> others = now.getMetadata().getManagedFields().stream()
                    .filter(m -> !MANAGER.equals(m.getManager())).toList();
            assertFalse(others.isEmpty(), key + ": the operator's writes are not in managedFields");
            for (ManagedFieldsEntry m : others) {
                String fields = JSON.valueToTree(m.getFieldsV1()).toString();
                assertFalse(fields.contains("\"f:spec\""), key + ": field manager " + m.getManager() + " ("
                        + m.getOperation() + (m.getSubresource() == null ? "" : " " + m.getSubresource())
                        + ") owns spec fields: " + fields);
            }
        });
    }
}
