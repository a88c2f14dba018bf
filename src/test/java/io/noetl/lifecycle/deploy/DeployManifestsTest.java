package io.noetl.lifecycle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What `kubectl apply -k deploy/` installs, checked without a cluster: every file the kustomization names exists
 * and parses, the RBAC grants exactly what the operator uses, and the Deployment is locked down.
 */
class DeployManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path DEPLOY = Path.of("deploy");

    private static JsonNode read(Path file) throws IOException {
        return YAML.readTree(file.toFile());
    }

    @Test
    void theKustomizationNamesOnlyFilesThatExistAndParse() throws IOException {
        for (Path dir : new Path[] {DEPLOY, Path.of("crds"), DEPLOY.resolve("monitoring"), Path.of("config", "samples")}) {
            JsonNode k = read(dir.resolve("kustomization.yaml"));
            for (JsonNode r : k.get("resources")) {
                Path target = dir.resolve(r.asText()).normalize();
                if (Files.isDirectory(target)) {
                    assertTrue(Files.exists(target.resolve("kustomization.yaml")), target + " is not a kustomization");
                } else {
                    JsonNode doc = read(target);
                    assertTrue(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind"), target + " is not an object");
                    assertTrue(doc.at("/metadata/name").isTextual(), target + " has no name");
                }
            }
        }
    }

    @Test
    void rbacGrantsOnlyWhatTheOperatorUses() throws IOException {
        JsonNode role = read(DEPLOY.resolve("role.yaml"));
        assertEquals("Role", role.get("kind").asText(), "namespaced, not cluster-wide");
        Map<String, Set<String>> granted = new HashMap<>();
        for (JsonNode rule : role.get("rules")) {
            for (JsonNode group : rule.get("apiGroups")) {
                for (JsonNode resource : rule.get("resources")) {
                    Set<String> verbs = granted.computeIfAbsent(group.asText() + "/" + resource.asText(),
                            r -> new TreeSet<>());
                    rule.get("verbs").forEach(v -> verbs.add(v.asText()));
                }
            }
        }
        // what the operator calls (the audit log of OperatorProcessIT and of the whole suite shows it)
        Map<String, Set<String>> expected = new HashMap<>();
        for (String kind : new String[] {"metricretentionpolicies", "eventpartitionplans", "runtimecomponents"}) {
            expected.put("lifecycle.noetl.io/" + kind, Set.of("get", "list", "watch", "patch"));
            expected.put("lifecycle.noetl.io/" + kind + "/status", Set.of("patch"));
        }
        expected.put("/secrets", Set.of("get", "list", "watch"));
        expected.put("/events", Set.of("create", "patch"));
        expected.put("coordination.k8s.io/leases", Set.of("get", "create", "update", "patch"));
        assertEquals(expected, granted);
        assertFalse(granted.values().stream().anyMatch(v -> v.contains("*") || v.contains("delete")));

        JsonNode binding = read(DEPLOY.resolve("role-binding.yaml"));
        assertEquals(role.at("/metadata/name"), binding.at("/roleRef/name"));
        assertEquals("metric-lifecycle-operator", binding.at("/subjects/0/name").asText());
    }

    @Test
    void theDeploymentRunsTwoLockedDownReplicasWithProbes() throws IOException {
        JsonNode d = read(DEPLOY.resolve("deployment.yaml"));
        assertEquals(2, d.at("/spec/replicas").asInt());
        JsonNode pod = d.at("/spec/template/spec");
        assertEquals("metric-lifecycle-operator", pod.get("serviceAccountName").asText());
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        JsonNode c = pod.at("/containers/0");
        assertTrue(c.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertFalse(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertEquals("ALL", c.at("/securityContext/capabilities/drop/0").asText());
        assertEquals("/q/health/live", c.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/q/health/ready", c.at("/readinessProbe/httpGet/path").asText());
        assertFalse(d.toString().toLowerCase().contains("password\":\""), "no credentials in the manifests");
    }
}
