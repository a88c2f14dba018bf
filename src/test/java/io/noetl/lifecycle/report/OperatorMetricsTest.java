package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.plan.KeyRange;
import io.noetl.lifecycle.plan.PlannedAction;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The per-resource series follow the resource's table label and keep counting while it stays the same. */
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

        metrics.partitionPass(policy, "noetl.metric", status, null, NOW, dropped, 0, true, Duration.ofMillis(5));
        metrics.failure(policy, "noetl.metric", "LockTimeout");
        assertEquals(1.0, registry.get("lifecycle.partitions.dropped").tag("table", "noetl.metric").counter()
                .count());
        assertEquals(Set.of("noetl.metric"), tables());

        metrics.partitionPass(policy, "noetl.metric_v2", status, null, NOW, List.of(), 0, true,
                Duration.ofMillis(5));
        assertEquals(Set.of("noetl.metric_v2"), tables(), "no series of the old table stays behind");
        assertEquals(3.0, registry.get("lifecycle.partitions").tag("table", "noetl.metric_v2").gauge().value());

        metrics.forget(policy);
        assertTrue(registry.getMeters().isEmpty());
    }

    private Set<String> tables() {
        return registry.getMeters().stream().map(Meter::getId).map(id -> id.getTag("table"))
                .collect(Collectors.toSet());
    }
}
