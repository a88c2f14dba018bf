package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The partition kinds' per-resource series follow the resource's table label and keep counting while it stays the
 * same; RuntimeComponents are counted by namespace, type and phase, in series that do not grow with their number.
 */
class OperatorMetricsTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OperatorMetrics metrics = new OperatorMetrics(registry);

    @Test
    void aFailureKeepsThePassCountersAndANewTableReplacesTheOldSeries() {
        MetricRetentionPolicy policy = new MetricRetentionPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").build());
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setPartitionCount(3);
        List<PlannedAction> dropped = List.of(new PlannedAction.DropPartition("metric_old", new KeyRange(0L, 1L),
                "past retention"));

        metrics.partitionPass(policy, "noetl.metric", OperatorMetrics.PassMeasures.builder().status(status).now(NOW)
                .applied(dropped.stream().map(PlannedAction::kind).toList()).succeeded(true).took(Duration.ofMillis(5)).build());
        metrics.failure(policy, "noetl.metric", Reason.LOCK_TIMEOUT);
        assertEquals(1.0, registry.get("lifecycle.partitions.dropped").tag("table", "noetl.metric").counter()
                .count());
        assertEquals(Set.of("noetl.metric"), tables());

        metrics.partitionPass(policy, "noetl.metric_v2", OperatorMetrics.PassMeasures.builder().status(status)
                .now(NOW).succeeded(true).took(Duration.ofMillis(5)).build());
        assertEquals(Set.of("noetl.metric_v2"), tables(), "no series of the old table stays behind");
        assertEquals(3.0, registry.get("lifecycle.partitions").tag("table", "noetl.metric_v2").gauge().value());

        metrics.forget(policy);
        assertTrue(registry.getMeters().isEmpty());
    }

    @Test
    void theCoverageGaugeReadsHowFarBeyondNowPartitionsExist() {
        MetricRetentionPolicy policy = new MetricRetentionPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").build());
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        metrics.partitionPass(policy, "noetl.metric", OperatorMetrics.PassMeasures.builder().status(status).now(NOW)
                .coveredUntil(Optional.of(NOW.plus(Duration.ofHours(2)))).succeeded(true).took(Duration.ZERO)
                .build());
        assertEquals(7200.0, registry.get("lifecycle.coverage.ahead.seconds").gauge().value());
        metrics.partitionPass(policy, "noetl.metric", OperatorMetrics.PassMeasures.builder().status(status).now(NOW)
                .succeeded(false).took(Duration.ZERO).build());
        assertEquals(0.0, registry.get("lifecycle.coverage.ahead.seconds").gauge().value(), "not covered: 0");
    }

    private Set<String> tables() {
        return registry.getMeters().stream().map(Meter::getId).map(id -> id.getTag("table"))
                .collect(Collectors.toSet());
    }

    @Test
    void runtimeComponentsShareSeriesWhateverTheirNumber() {
        List<RuntimeComponent> few = components("rc-few-", 10);
        few.forEach(rc -> metrics.component(rc, phaseOf(rc)));
        few.forEach(rc -> metrics.failure(rc, "noetl.runtime", Reason.DATABASE_UNREACHABLE));
        int meters = registry.getMeters().size();
        // namespaces a and b, types worker_pool and broker, each with a gauge per phase (4 and None), plus one
        // failure counter per namespace
        assertEquals(2 * 2 * 5 + 2, meters);

        List<RuntimeComponent> many = components("rc-many-", 1_000);
        many.forEach(rc -> metrics.component(rc, phaseOf(rc)));
        many.forEach(rc -> metrics.failure(rc, "noetl.runtime", Reason.DATABASE_UNREACHABLE));
        many.forEach(rc -> metrics.failure(rc, "noetl.runtime", Reason.DATABASE_UNREACHABLE));
        assertEquals(meters, registry.getMeters().size(), "1,010 components, the same series as 10");

        Set<String> identities = new java.util.HashSet<>();
        for (RuntimeComponent rc : concat(few, many)) {
            identities.add(rc.getMetadata().getName());
            identities.add(rc.getMetadata().getUid());
        }
        for (Meter m : registry.getMeters()) {
            for (Tag t : m.getId().getTags()) {
                assertTrue(!identities.contains(t.getValue()), m.getId() + " names a component");
            }
        }
        assertEquals(1_010, registry.find("lifecycle.runtime.components").gauges().stream()
                .mapToDouble(g -> g.value()).sum());
        assertEquals(count(concat(few, many), "a", "worker_pool", ComponentPhase.Live),
                components("a", "worker_pool", "Live"));
        // namespace a: 5 of the few failed once, 500 of the many twice
        assertEquals(5 + 2 * 500, registry.get("lifecycle.runtime.component.failures").tag("namespace", "a")
                .counter().count());
    }

    @Test
    void aChangedOrForgottenPhaseMovesTheCounts() {
        RuntimeComponent w1 = component("w1", "a", "worker_pool");
        RuntimeComponent w2 = component("w2", "a", "worker_pool");
        metrics.component(w1, null);
        metrics.component(w2, ComponentPhase.Registered);
        assertEquals(1, components("a", "worker_pool", "None"));
        assertEquals(1, components("a", "worker_pool", "Registered"));
        assertEquals(0, components("a", "worker_pool", "Live"), "a phase nobody is in reads 0");

        metrics.component(w1, ComponentPhase.Registered);
        metrics.component(w1, ComponentPhase.Registered);
        assertEquals(0, components("a", "worker_pool", "None"));
        assertEquals(2, components("a", "worker_pool", "Registered"), "counted once, however often reported");

        metrics.component(w1, ComponentPhase.Live);
        metrics.component(w2, ComponentPhase.Stale);
        assertEquals(Map.of("Registered", 0.0, "Live", 1.0, "Stale", 1.0, "Offline", 0.0, "None", 0.0),
                phases("a", "worker_pool"));

        metrics.forget(w2);
        assertEquals(Map.of("Registered", 0.0, "Live", 1.0, "Stale", 0.0, "Offline", 0.0, "None", 0.0),
                phases("a", "worker_pool"));
        metrics.forget(w2);
        assertEquals(1.0, phases("a", "worker_pool").get("Live"), "forgetting twice takes nothing more");

        // a component whose type is not a known one is counted under "unknown", never under what it wrote
        RuntimeComponent odd = component("odd", "a", "made-up-" + UUID.randomUUID());
        metrics.component(odd, null);
        assertEquals(1, components("a", "unknown", "None"));
        metrics.failure(odd, "noetl.runtime", Reason.INVALID_SPEC);

        // the last component of a namespace takes its gauges and failure counters with it
        metrics.forget(odd);
        metrics.forget(w1);
        assertTrue(registry.getMeters().isEmpty(), registry.getMeters().toString());
    }

    private double components(String namespace, String type, String phase) {
        return registry.get("lifecycle.runtime.components").tags("namespace", namespace, "type", type, "phase", phase)
                .gauge().value();
    }

    private Map<String, Double> phases(String namespace, String type) {
        return registry.find("lifecycle.runtime.components").tags("namespace", namespace, "type", type).gauges()
                .stream().collect(Collectors.toMap(g -> g.getId().getTag("phase"), g -> g.value()));
    }

    private static ComponentPhase phaseOf(RuntimeComponent rc) {
        int i = Integer.parseInt(rc.getMetadata().getName().replaceAll("\\D", ""));
        return ComponentPhase.values()[i % 4];
    }

    private static double count(List<RuntimeComponent> all, String namespace, String type, ComponentPhase phase) {
        return all.stream().filter(rc -> rc.getMetadata().getNamespace().equals(namespace)
                && rc.getSpec().getComponentType().equals(type) && phaseOf(rc) == phase).count();
    }

    private static List<RuntimeComponent> concat(List<RuntimeComponent> a, List<RuntimeComponent> b) {
        List<RuntimeComponent> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** {@code n} components over namespaces a and b and types worker_pool and broker. */
    private static List<RuntimeComponent> components(String prefix, int n) {
        List<RuntimeComponent> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(component(prefix + i, i % 2 == 0 ? "a" : "b", i % 3 == 0 ? "broker" : "worker_pool"));
        }
        return all;
    }

    private static RuntimeComponent component(String name, String namespace, String type) {
        RuntimeComponent rc = new RuntimeComponent();
        rc.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
                .withUid(UUID.randomUUID().toString()).build());
        RuntimeComponentSpec spec = new RuntimeComponentSpec();
        spec.setComponentType(type);
        rc.setSpec(spec);
        return rc;
    }
}
