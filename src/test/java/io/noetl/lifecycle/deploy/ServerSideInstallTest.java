package io.noetl.lifecycle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.ApiServerCondition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The install applies the way GitOps tools apply it: {@code kubectl kustomize} of the install, then
 * {@code kubectl apply --server-side} (Flux; Argo CD with ServerSideApply=true) on the real API server, then the
 * samples of {@code config/samples/} the same way, twice (a second apply is a no-op, not a conflict). On a server
 * without CEL (older than 1.25) the install is {@code config/install-pre-1.25/}, and {@code deploy/} itself is
 * refused, as the README says.
 */
@ExtendWith(ApiServerCondition.class)
class ServerSideInstallTest {

    @Test
    void deployAndTheSamplesApplyServerSide() throws Exception {
        Assumptions.assumeTrue(kubectl(Path.of("/dev/null"), "version --client").code() == 0,
                "SKIPPED: no kubectl on the PATH (Debian's kubernetes-client; ../shared/k8s/prepare.sh installs it)");
        ApiServer server = ApiServer.get();
        Path kubeconfig = Files.writeString(server.workDir().resolve("admin.kubeconfig"), server.adminKubeconfig());
        String install = server.supportsCel() ? "deploy" : "config/install-pre-1.25";
        if (!server.supportsCel()) {
            Result refused = kubectl(kubeconfig, "kustomize deploy | kubectl apply --server-side --force-conflicts "
                    + "--field-manager=gitops --dry-run=server -f -");
            assertNotEquals(0, refused.code(), "deploy/ with CEL rules applied on a server without CEL");
            assertTrue(refused.output().contains("x-kubernetes-validations"), refused.output());
        }
        for (int round = 0; round < 2; round++) {
            Result applied = kubectl(kubeconfig, "kustomize " + install + " | kubectl apply --server-side "
                    + "--force-conflicts --field-manager=gitops -f -");
            assertEquals(0, applied.code(), applied.output());
            Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> server.admin().apiextensions().v1()
                    .customResourceDefinitions().list().getItems().stream().filter(c -> c.getSpec().getGroup()
                            .equals("lifecycle.noetl.io")).allMatch(c -> c.getStatus() != null && c.getStatus()
                            .getConditions().stream().anyMatch(x -> "Established".equals(x.getType())
                                    && "True".equals(x.getStatus()))));
            Result samples = kubectl(kubeconfig, "apply --server-side --field-manager=gitops -k config/samples");
            assertEquals(0, samples.code(), samples.output());
        }
        // the alternative sample with spec.export passes the server's schema; credentials in its URL do not
        Result export = kubectl(kubeconfig, "apply --server-side --field-manager=gitops --dry-run=server -n "
                + "noetl-lifecycle -f config/samples/metricretentionpolicy-export.yaml");
        assertEquals(0, export.code(), export.output());
        Path withCredentials = Files.writeString(server.workDir().resolve("export-with-credentials.yaml"), Files
                .readString(Path.of("config/samples/metricretentionpolicy-export.yaml")).replace(
                        "url: http://victoria-metrics", "url: http://user:pw@victoria-metrics"));
        Result credentials = kubectl(kubeconfig, "apply --server-side --field-manager=gitops --dry-run=server -n noetl-lifecycle -f "
                + withCredentials);
        assertNotEquals(0, credentials.code(), credentials.output());
        assertTrue(credentials.output().contains("spec.export.url"), credentials.output());

        Service service = server.admin().services().inNamespace("noetl-lifecycle").withName("metric-lifecycle-operator")
                .get();
        assertEquals("TCP", service.getSpec().getPorts().get(0).getProtocol());
        Deployment deployment = server.admin().apps().deployments().inNamespace("noetl-lifecycle")
                .withName("metric-lifecycle-operator").get();
        assertEquals(2, deployment.getSpec().getReplicas());
        // the NetworkPolicy and the disruption budget are installed too (the budget as policy/v1beta1 before 1.21,
        // which is what config/install-pre-1.25 writes: this server is 1.20)
        var policy = server.admin().network().v1().networkPolicies().inNamespace("noetl-lifecycle")
                .withName("metric-lifecycle-operator").get();
        assertTrue(policy != null, "no NetworkPolicy");
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes());
        var budget = server.supportsCel()
                ? server.admin().policy().v1().podDisruptionBudget().inNamespace("noetl-lifecycle")
                        .withName("metric-lifecycle-operator").get()
                : null;
        var budgetBeta = server.supportsCel() ? null : server.admin().policy().v1beta1().podDisruptionBudget()
                .inNamespace("noetl-lifecycle").withName("metric-lifecycle-operator").get();
        assertTrue(budget != null || budgetBeta != null, "no PodDisruptionBudget");
        assertEquals(1, budget != null ? budget.getSpec().getMaxUnavailable().getIntVal()
                : budgetBeta.getSpec().getMaxUnavailable().getIntVal());
        assertTrue(server.admin().genericKubernetesResources("lifecycle.noetl.io/v1alpha1", "EventPartitionPlan")
                .inNamespace("noetl-lifecycle").withName("noetl-events").get() != null);
        if (!server.supportsCel()) {
            for (CustomResourceDefinition crd : server.admin().apiextensions().v1().customResourceDefinitions().list()
                    .getItems()) {
                if (crd.getSpec().getGroup().equals("lifecycle.noetl.io")) {
                    List<?> rules = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties()
                            .get("spec").getXKubernetesValidations();
                    assertTrue(rules == null || rules.isEmpty(), crd.getMetadata().getName() + ": " + rules);
                }
            }
        }
    }

    private record Result(int code, String output) {
    }

    /** {@code kubectl ARGS} through a shell, against the test server; its exit code and output. */
    private static Result kubectl(Path kubeconfig, String args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "kubectl " + args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Result(-1, out + " (timed out)");
        }
        return new Result(p.exitValue(), out);
    }
}
