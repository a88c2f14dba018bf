package io.noetl.lifecycle.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A replica that stands by (another holds the Lease) answers the maintenance endpoints with 503: only the leader
 * acts, as only the leader reconciles. The operator starts here, with leader election on, and finds the Lease held.
 */
@QuarkusTest
@TestProfile(MetricsMaintenanceStandbyTest.Standby.class)
@WithApiServer(value = "standby", leaseHeldBy = "the-other-replica")
class MetricsMaintenanceStandbyTest {
    private static final String TOKEN = "standby-token-for-tests";

    public static class Standby implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lifecycle.http.enabled", "true", "lifecycle.http.token-secret", "maintenance-token");
        }
    }

    ApiServerContext kube;

    @TestHTTPResource("/")
    URL base;

    @Test
    void aStandbyAnswers503AndActsOnNothing() throws Exception {
        kube.admin().secrets().inNamespace(kube.namespace()).resource(new SecretBuilder().withNewMetadata()
                .withName("maintenance-token").endMetadata().withStringData(Map.of("token", TOKEN)).build())
                .createOr(s -> s.update());
        Lease lease = kube.admin().resources(Lease.class).inNamespace(kube.namespace())
                .withName("noetl-lifecycle-operator").get();
        assertEquals("the-other-replica", lease.getSpec().getHolderIdentity(), "the test's premise");
        for (String path : new String[] {"api/metrics/cleanup", "api/metrics/partitions/create?days_ahead=1"}) {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.toURI()
                    .resolve(path)).header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers
                    .noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, response.statusCode(), path + ": " + response.body());
            JsonNode body = new ObjectMapper().readTree(response.body());
            assertEquals("NotLeader", body.get("reason").asText());
            assertTrue(body.get("message").asText().contains("leader"), body.toString());
            assertTrue(response.headers().firstValue("Retry-After").isPresent(), response.headers().toString());
        }
    }
}
