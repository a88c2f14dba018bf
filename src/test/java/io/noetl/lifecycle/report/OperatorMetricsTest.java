package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.Condition;
import io.noetl.lifecycle.api.ConditionStatus;
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
 * The partition kinds' few per-resource gauges follow the resource's table label and go with it, while counters and
 * histograms are the kind's; RuntimeComponents are counted by namespace, type and phase, in series that do not grow with their number.
 */
class OperatorMetricsTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final OperatorMetrics metrics = new OperatorMetrics(registry);

    @Test
    void aFailureCountsForTheKindAndANewTableReplacesTheOldSeries() {
        MetricRetentionPolicy policy = policy("p", "ns");
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setPartitionCount(3);
        List<PlannedAction> dropped = List.of(new PlannedAction.DropPartition("metric_old", new KeyRange(0L, 1L),
                "past retention"));

        metrics.partitionPass(policy, "noetl.metric", OperatorMetrics.PassMeasures.builder().status(status).now(NOW)
                .applied(dropped.stream().map(PlannedAction::kind).toList()).succeeded(true).took(Duration.ofMillis(5)).build());
        metrics.failure(policy, Reason.LOCK_TIMEOUT);
        assertEquals(1.0, registry.get("lifecycle.partitions.dropped").tags("kind", "MetricRetentionPolicy").counter()
                .count());
        assertEquals(1.0, registry.get("lifecycle.maintenance.failures").tags("kind", "MetricRetentionPolicy",
                "reason", "LockTimeout").counter().count());
        assertEquals(Set.of("noetl.metric"), tables());

        metrics.partitionPass(policy, "noetl.metric_v2", OperatorMetrics.PassMeasures.builder().status(status)
                .now(NOW).succeeded(true).took(Duration.ofMillis(5)).build());
        assertEquals(Set.of("noetl.metric_v2"), tables(), "no series of the old table stays behind");
        assertEquals(3.0, registry.get("lifecycle.partitions").tag("table", "noetl.metric_v2").gauge().value());

        metrics.forget(policy);
        assertEquals(Set.of(), tables());
        // what stays is the kind's: counters and histograms, none naming a resource
        for (Meter m : registry.getMeters()) {
            assertEquals(null, m.getId().getTag("name"), m.getId().toString());
            assertEquals(null, m.getId().getTag("namespace"), m.getId().toString());
        }
    }

    @Test
    void aPolicyHasFourSeriesOfItsOwnPlusOnePerTierAndExportAndTheirInterval() {
        MetricRetentionPolicy first = policy("first", "ns");
        pass(first);
        int one = registry.getMeters().size();
        MetricRetentionPolicy second = policy("second", "ns");
        pass(second);
        assertEquals(one + OperatorMetrics.PER_RESOURCE, registry.getMeters().size(), "the second policy adds its "
                + "own gauges only");
        assertEquals(OperatorMetrics.PER_RESOURCE, ownedBy("second").size(), ownedBy("second").toString());

        metrics.rollupPass(second, "noetl.metric", List.of(new OperatorMetrics.TierMeasures("5m", Duration.ZERO,
                Duration.ofHours(1)), new OperatorMetrics.TierMeasures("1h", Duration.ofMinutes(3),
                        Duration.ofHours(1))), List.of(Duration.ofSeconds(2)), 0);
        metrics.exportPass(second, "noetl.metric", new OperatorMetrics.ExportMeasures(10, 100, 0, 0,
                List.of(Duration.ofSeconds(1)), Duration.ofMinutes(7), Duration.ofHours(1), 0));
        assertEquals(OperatorMetrics.PER_RESOURCE + 2 + 1 + 1, ownedBy("second").size(), "two tier lags, an export "
                + "lag, the interval: " + ownedBy("second"));
        assertEquals(180.0, registry.get("lifecycle.rollup.lag.seconds").tags("name", "second", "tier", "1h").gauge()
                .value());
        assertEquals(420.0, registry.get("lifecycle.export.lag.seconds").tags("name", "second").gauge().value());
        assertEquals(3600.0, registry.get("lifecycle.partition.interval.seconds").tags("name", "second").gauge()
                .value());
        int withBoth = registry.getMeters().size();
        // the same for the first policy: only its lags and interval are new, the kind's histograms are there
        metrics.rollupPass(first, "noetl.metric", List.of(new OperatorMetrics.TierMeasures("5m", Duration.ZERO,
                Duration.ofHours(1))), List.of(Duration.ofSeconds(2)), 1);
        metrics.exportPass(first, "noetl.metric", new OperatorMetrics.ExportMeasures(10, 100, 0, 0,
                List.of(Duration.ofSeconds(1)), Duration.ZERO, Duration.ofHours(1), 0));
        assertEquals(withBoth + 3, registry.getMeters().size());

        metrics.forgetRollups(second);
        assertEquals(OperatorMetrics.PER_RESOURCE + 2, ownedBy("second").size(), "export lag and interval stay");
        metrics.forgetExport(second);
        assertEquals(OperatorMetrics.PER_RESOURCE, ownedBy("second").size(), ownedBy("second").toString());
        metrics.forget(second);
        assertEquals(List.of(), ownedBy("second"));
        assertEquals(1.0, registry.get("lifecycle.rollup.failures").tags("kind", "MetricRetentionPolicy").counter()
                .count());
    }

    @Test
    void defaultRowsGapsAndClockSkewAreSummedOrTheWidestPerKindAndNamespace() {
        MetricRetentionPolicy a = policy("a", "ns");
        MetricRetentionPolicy b = policy("b", "ns");
        MetricRetentionPolicy c = policy("c", "other");
        pass(a, 5, 1, Duration.ofSeconds(-40));
        pass(b, 7, 0, Duration.ofSeconds(12));
        pass(c, 0, 2, Duration.ofSeconds(3));
        assertEquals(12.0, scoped("lifecycle.default.partition.rows", "ns"));
        assertEquals(1.0, scoped("lifecycle.gaps", "ns"));
        assertEquals(-40.0, scoped("lifecycle.clock.skew.seconds", "ns"), "the widest, with its sign");
        assertEquals(2.0, scoped("lifecycle.gaps", "other"));

        metrics.forget(a);
        assertEquals(7.0, scoped("lifecycle.default.partition.rows", "ns"));
        assertEquals(12.0, scoped("lifecycle.clock.skew.seconds", "ns"));
        metrics.forget(b);
        assertTrue(registry.find("lifecycle.default.partition.rows").tags("namespace", "ns").gauges().isEmpty(),
                "the last resource of a namespace takes its sums with it");
        assertEquals(0.0, scoped("lifecycle.default.partition.rows", "other"));
    }

    @Test
    void conditionsAreCountedPerStateAndMoveWithTheResource() {
        MetricRetentionPolicy a = policy("a", "ns");
        MetricRetentionPolicy b = policy("b", "ns");
        metrics.conditions(a, List.of(condition("Ready", ConditionStatus.True, "Maintained"),
                condition("Degraded", ConditionStatus.False, "AsExpected")));
        metrics.conditions(b, List.of(condition("Ready", ConditionStatus.True, "Maintained"),
                condition("Degraded", ConditionStatus.True, "RowsInDefaultPartition")));
        metrics.conditions(b, List.of(condition("Ready", ConditionStatus.True, "Maintained"),
                condition("Degraded", ConditionStatus.True, "RowsInDefaultPartition")));
        assertEquals(2.0, conditions("Ready", "True", "Maintained"), "counted once, however often reported");
        assertEquals(1.0, conditions("Degraded", "True", "RowsInDefaultPartition"));
        assertEquals(1.0, conditions("Degraded", "False", "AsExpected"));

        metrics.conditions(b, List.of(condition("Ready", ConditionStatus.False, "DatabaseUnreachable"),
                condition("Degraded", ConditionStatus.True, "RowsInDefaultPartition")));
        assertEquals(1.0, conditions("Ready", "True", "Maintained"));
        assertEquals(1.0, conditions("Ready", "False", "DatabaseUnreachable"));

        metrics.forget(b);
        assertEquals(1.0, conditions("Ready", "True", "Maintained"));
        assertTrue(registry.find("lifecycle.conditions").tag("reason", "RowsInDefaultPartition").gauges().isEmpty(),
                "a state nobody is in has no series");
        metrics.forget(a);
        assertTrue(registry.find("lifecycle.conditions").gauges().isEmpty());
    }

    private double conditions(String type, String status, String reason) {
        return registry.get("lifecycle.conditions").tags("kind", "MetricRetentionPolicy", "namespace", "ns", "type",
                type, "status", status, "reason", reason).gauge().value();
    }

    private static Condition condition(String type, ConditionStatus status, String reason) {
        return new Condition(type, status, reason, "", NOW.toString(), 1L);
    }

    private double scoped(String name, String namespace) {
        return registry.get(name).tags("kind", "MetricRetentionPolicy", "namespace", namespace).gauge().value();
    }

    /** The meters that name the policy. */
    private List<Meter.Id> ownedBy(String name) {
        return registry.getMeters().stream().map(Meter::getId).filter(id -> name.equals(id.getTag("name")))
                .toList();
    }

    private void pass(MetricRetentionPolicy policy) {
        pass(policy, 0, 0, Duration.ZERO);
    }

    private void pass(MetricRetentionPolicy policy, long defaultRows, int gaps, Duration skew) {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setPartitionCount(3);
        status.setDefaultPartitionRows(defaultRows);
        status.setGapCount(gaps);
        metrics.partitionPass(policy, "noetl.metric", OperatorMetrics.PassMeasures.builder().status(status).now(NOW)
                .applied(List.of("CreatePartition")).rowsMoved(1).succeeded(true).took(Duration.ofMillis(5))
                .clockSkew(skew).build());
        metrics.failure(policy, Reason.LOCK_TIMEOUT);
    }

    private static MetricRetentionPolicy policy(String name, String namespace) {
        MetricRetentionPolicy policy = new MetricRetentionPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        return policy;
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
                .filter(java.util.Objects::nonNull).collect(Collectors.toSet());
    }

    @Test
    void runtimeComponentsShareSeriesWhateverTheirNumber() {
        List<RuntimeComponent> few = components("rc-few-", 10);
        few.forEach(rc -> metrics.component(rc, phaseOf(rc)));
        few.forEach(rc -> metrics.failure(rc, Reason.DATABASE_UNREACHABLE));
        int meters = registry.getMeters().size();
        // namespaces a and b, types worker_pool and broker, each with a gauge per phase (4 and None), plus one
        // failure counter per namespace
        assertEquals(2 * 2 * 5 + 2, meters);

        List<RuntimeComponent> many = components("rc-many-", 1_000);
        many.forEach(rc -> metrics.component(rc, phaseOf(rc)));
        many.forEach(rc -> metrics.failure(rc, Reason.DATABASE_UNREACHABLE));
        many.forEach(rc -> metrics.failure(rc, Reason.DATABASE_UNREACHABLE));
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
        metrics.failure(odd, Reason.INVALID_SPEC);

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
