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
        // the Lease: create cannot be narrowed by name (the object does not exist yet); every other verb is for the
        // operator's own Lease only (lifecycle.leader-election.lease-name's default)
        for (JsonNode rule : role.get("rules")) {
            if (rule.get("resources").toString().contains("leases")) {
                boolean creates = rule.get("verbs").toString().contains("create");
                if (creates) {
                    assertEquals(1, rule.get("verbs").size(), "create stands alone: " + rule);
                    assertFalse(rule.has("resourceNames"), "create with resourceNames is never granted: " + rule);
                } else {
                    assertEquals("[\"noetl-lifecycle-operator\"]", rule.get("resourceNames").toString(), rule.toString());
                }
            }
        }
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

    /**
     * The database's CA (docs/operations.md, "Transport security") comes from an optional Secret volume, so that the
     * default install starts without that Secret, mounted read-only where the docs' sslrootcert points.
     */
    @Test
    void theDatabaseCaIsAnOptionalReadOnlySecretVolumeWhereTheDocsPointSslrootcert() throws IOException {
        JsonNode pod = read(DEPLOY.resolve("deployment.yaml")).at("/spec/template/spec");
        JsonNode volume = null;
        for (JsonNode v : pod.get("volumes")) {
            if ("db-ca".equals(v.get("name").asText())) {
                volume = v;
            }
        }
        assertTrue(volume != null, "no db-ca volume: " + pod.get("volumes"));
        assertEquals("noetl-lifecycle-db-ca", volume.at("/secret/secretName").asText());
        assertTrue(volume.at("/secret/optional").asBoolean(), "the pods must start without the Secret");
        JsonNode mount = null;
        for (JsonNode m : pod.at("/containers/0/volumeMounts")) {
            if ("db-ca".equals(m.get("name").asText())) {
                mount = m;
            }
        }
        assertTrue(mount != null && mount.get("readOnly").asBoolean(), String.valueOf(mount));
        String path = mount.get("mountPath").asText();
        String docs = Files.readString(Path.of("docs", "operations.md"));
        assertTrue(docs.contains("sslmode=verify-full&sslrootcert=" + path + "/ca.crt"), "docs/operations.md "
                + "points sslrootcert at " + path + "/ca.crt");
        assertTrue(docs.contains("noetl-lifecycle-db-ca"), "docs/operations.md names the Secret");
    }

    @Test
    void theImageIsAReleaseVersionTheBuildTags() throws IOException {
        JsonNode k = read(DEPLOY.resolve("kustomization.yaml"));
        String tag = k.at("/images/0/newTag").asText();
        assertFalse(tag.isBlank() || tag.contains("SNAPSHOT"), "deploy/ pulls " + tag);
        // jib tags the image with the project version: deploy/ must pull what the build pushes
        String pom = Files.readString(Path.of("pom.xml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "<artifactId>metric-lifecycle-operator</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "the project's version in pom.xml");
        String version = m.group(1);
        assertTrue(pom.contains("<image>noetl/metric-lifecycle-operator:${project.version}</image>"), "jib's tag");
        assertEquals(version, tag);
    }

    @Test
    void aDisruptionBudgetKeepsOneReplica() throws IOException {
        assertTrue(resources().contains("pod-disruption-budget.yaml"), resources().toString());
        JsonNode pdb = read(DEPLOY.resolve("pod-disruption-budget.yaml"));
        assertEquals("policy/v1", pdb.get("apiVersion").asText());
        assertEquals(1, pdb.at("/spec/maxUnavailable").asInt());
        assertEquals(read(DEPLOY.resolve("deployment.yaml")).at("/spec/selector"), pdb.at("/spec/selector"));
    }

    @Test
    void aNetworkPolicyLimitsIngressTo8080AndEgressToDnsTheApiServerPostgresAndReceivers() throws IOException {
        assertTrue(resources().contains("network-policy.yaml"), resources().toString());
        JsonNode np = read(DEPLOY.resolve("network-policy.yaml"));
        assertEquals("networking.k8s.io/v1", np.get("apiVersion").asText());
        assertEquals(read(DEPLOY.resolve("deployment.yaml")).at("/spec/selector/matchLabels"),
                np.at("/spec/podSelector/matchLabels"));
        assertEquals("[\"Ingress\",\"Egress\"]", np.at("/spec/policyTypes").toString());
        Set<Integer> ingressPorts = new TreeSet<>();
        for (JsonNode rule : np.at("/spec/ingress")) {
            assertTrue(rule.has("from") && rule.get("from").size() > 0, "ingress from anywhere: " + rule);
            rule.get("ports").forEach(p -> ingressPorts.add(p.get("port").asInt()));
        }
        assertEquals(Set.of(8080), ingressPorts);
        assertTrue(np.at("/spec/ingress").toString().contains("monitoring"), "the monitoring namespace scrapes");
        Set<Integer> egressPorts = new TreeSet<>();
        for (JsonNode rule : np.at("/spec/egress")) {
            assertTrue(rule.has("ports"), "egress to every port: " + rule);
            rule.get("ports").forEach(p -> egressPorts.add(p.get("port").asInt()));
        }
        // DNS, the API server (443 through the Service, 6443 on the endpoints), PostgreSQL, the receivers
        assertEquals(new TreeSet<>(Set.of(53, 443, 6443, 5432, 8428, 8480, 9090)), egressPorts);
    }

    private static Set<String> resources() throws IOException {
        Set<String> names = new TreeSet<>();
        read(DEPLOY.resolve("kustomization.yaml")).get("resources").forEach(r -> names.add(r.asText()));
        return names;
    }
}
