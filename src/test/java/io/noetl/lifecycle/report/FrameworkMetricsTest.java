package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.controller.ResourceAction;
import io.javaoperatorsdk.operator.processing.event.source.controller.ResourceEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.registry.RuntimeComponentReconciler;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The Java Operator SDK's metrics as the operator configures them: what the framework records for every
 * reconcile makes the same meters for 10 resources as for 1,000. Quarkus-operator-sdk's default makes meters per
 * resource, which is what the operator replaces.
 */
class FrameworkMetricsTest {
    private static final Map<String, Object> METADATA = Map.of(Constants.RESOURCE_GVK_KEY,
            GroupVersionKind.gvkFor(RuntimeComponent.class), Constants.CONTROLLER_NAME, RuntimeComponentReconciler.NAME);

    @Test
    void theOperatorsFrameworkMetricsDoNotGrowWithTheResources() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Metrics metrics = new FrameworkMetrics().operatorSdkMetrics(registry);
        reconcile(metrics, "few-", 10);
        int meters = registry.getMeters().size();
        assertTrue(meters > 0, "the framework's series are still there");
        reconcile(metrics, "many-", 1_000);
        assertEquals(meters, registry.getMeters().size());
        assertFalse(registry.getMeters().stream().anyMatch(m -> m.getId().getTag("name") != null
                || m.getId().getTag("namespace") != null), registry.getMeters().toString());
        assertEquals(1_010, registry.find("operator.sdk.reconciliations.success").counters().stream()
                .mapToDouble(c -> c.count()).sum(), "every reconcile is still counted");
    }

    @Test
    void quarkusOperatorSdksDefaultMakesMetersPerResource() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // what io.quarkiverse.operatorsdk.runtime.MicrometerMetricsProvider builds
        Metrics metrics = MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry).build();
        reconcile(metrics, "few-", 10);
        int few = registry.getMeters().size();
        reconcile(metrics, "many-", 1_000);
        int perResource = (registry.getMeters().size() - few) / 1_000;
        assertTrue(perResource >= 8, perResource + " meters per resource");
    }

    /**
     * What JOSDK reports for resources that stay: an add, a timed reconcile, a failed one, a success and an update.
     * ({@code reconcileCustomResource} is left out: it needs a registered controller, which needs a cluster.)
     */
    static void reconcile(Metrics metrics, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            RuntimeComponent rc = new RuntimeComponent();
            rc.setMetadata(new ObjectMetaBuilder().withName(prefix + i).withNamespace("ns-" + (i % 3))
                    .withUid(UUID.randomUUID().toString()).build());
            ResourceID id = ResourceID.fromResource(rc);
            metrics.receivedEvent(new ResourceEvent(ResourceAction.ADDED, id, rc), METADATA);
            try {
                metrics.timeControllerExecution(new Metrics.ControllerExecution<String>() {
                    public String name() {
                        return "reconcile";
                    }

                    public String controllerName() {
                        return RuntimeComponentReconciler.NAME;
                    }

                    public String successTypeName(String result) {
                        return "resource";
                    }

                    public ResourceID resourceID() {
                        return id;
                    }

                    public Map<String, Object> metadata() {
                        return METADATA;
                    }

                    public String execute() {
                        return "done";
                    }
                });
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            metrics.failedReconciliation(rc, new IllegalStateException("conflict"), METADATA);
            metrics.finishedReconciliation(rc, METADATA);
            metrics.receivedEvent(new ResourceEvent(ResourceAction.UPDATED, id, rc), METADATA);
        }
    }
}
