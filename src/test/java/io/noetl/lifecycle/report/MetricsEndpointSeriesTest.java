package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.noetl.lifecycle.support.WithoutOperatorProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/metrics} as Prometheus scrapes it: the operator's and the framework's series are the same for 10
 * RuntimeComponents as for 1,010, and none names a component. The framework's metrics are the ones the operator
 * configures (quarkus-operator-sdk takes the application's {@link Metrics} bean over its per-resource default).
 * The operator itself is not started, so no cluster is needed; what it would record is fed to the same beans.
 */
@QuarkusTest
@TestProfile(WithoutOperatorProfile.class)
class MetricsEndpointSeriesTest {

    @Inject
    ConfigurationService configuration;
    @Inject
    Metrics frameworkMetrics;
    @Inject
    OperatorMetrics operatorMetrics;
    @TestHTTPResource("/q/metrics")
    URL endpoint;

    @Test
    void theSeriesDoNotGrowWithTheNumberOfRuntimeComponents() throws Exception {
        assertSame(frameworkMetrics, configuration.getMetrics(), "the operator SDK uses the operator's bean");
        assertInstanceOf(MicrometerMetrics.class, frameworkMetrics);

        report("few-", 10);
        List<String> few = series();
        assertTrue(few.stream().anyMatch(l -> l.startsWith("lifecycle_runtime_components{")), few.toString());
        assertTrue(few.stream().anyMatch(l -> l.startsWith("operator_sdk_")), few.toString());

        report("many-", 1_000);
        List<String> many = series();
        assertEquals(few.size(), many.size(), "the same series for 1,010 components as for 10");
        assertFalse(many.stream().anyMatch(l -> l.contains("few-") || l.contains("many-")),
                "no series names a component");
        assertTrue(many.stream().anyMatch(l -> l.startsWith("lifecycle_runtime_components{")
                && l.contains("phase=\"Live\"") && l.contains("namespace=\"series-test\"")
                && l.contains("type=\"worker_pool\"")));
    }

    /** What the reconcilers record for {@code n} components: the framework's calls, phase and a failure. */
    private void report(String prefix, int n) {
        FrameworkMetricsTest.reconcile(frameworkMetrics, prefix, n);
        for (int i = 0; i < n; i++) {
            RuntimeComponent rc = new RuntimeComponent();
            rc.setMetadata(new ObjectMetaBuilder().withName(prefix + i).withNamespace("series-test")
                    .withUid(UUID.randomUUID().toString()).build());
            RuntimeComponentSpec spec = new RuntimeComponentSpec();
            spec.setComponentType(i % 2 == 0 ? "worker_pool" : "broker");
            rc.setSpec(spec);
            operatorMetrics.component(rc, ComponentPhase.values()[i % ComponentPhase.values().length]);
            operatorMetrics.failure(rc, Reason.DATABASE_UNREACHABLE);
        }
    }

    /** The operator's and the framework's sample lines of one scrape. */
    private List<String> series() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(endpoint.toURI())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body().lines().filter(l -> l.startsWith("lifecycle_") || l.startsWith("operator_sdk_"))
                .toList();
    }
}
