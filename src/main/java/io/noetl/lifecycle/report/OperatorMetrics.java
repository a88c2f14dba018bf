package io.noetl.lifecycle.report;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.plan.PlannedAction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's Prometheus series, per resource (labels namespace, name, kind, table; never credentials).
 * Gauges read a per-resource holder the reconcilers update; they are removed when the resource goes.
 */
@ApplicationScoped
public class OperatorMetrics {
    private final MeterRegistry registry;
    private final Map<String, Resource> resources = new ConcurrentHashMap<>();

    /** The latest values of one resource's gauges. */
    static final class Resource {
        final String table;
        final Tags tags;
        final java.util.Set<String> gauges = ConcurrentHashMap.newKeySet();
        volatile double partitions = Double.NaN;
        volatile double bytes = Double.NaN;
        volatile double defaultRows = Double.NaN;
        volatile double coverageSeconds = Double.NaN;
        volatile double gaps = Double.NaN;
        volatile double lastSuccess = Double.NaN;
        volatile double heartbeatAge = Double.NaN;

        Resource(String table, Tags tags) {
            this.table = table;
            this.tags = tags;
        }
    }

    public OperatorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** After a pass: the partition gauges from status, counters for what was applied, the pass duration. */
    public void partitionPass(HasMetadata resource, String table, PartitionedTableStatus status,
            Instant coveredUntil, Instant now, List<PlannedAction> applied, long rowsMoved, boolean succeeded,
            Duration took) {
        Resource r = resource(resource, table);
        gauge(r, "lifecycle.partitions", "Partitions attached to the table, the default one included", x -> x.partitions);
        gauge(r, "lifecycle.partitions.bytes", "Bytes of all partitions, indexes included", x -> x.bytes);
        gauge(r, "lifecycle.default.partition.rows", "Rows in the default partition", x -> x.defaultRows);
        gauge(r, "lifecycle.coverage.ahead.seconds", "How far beyond now partitions exist", x -> x.coverageSeconds);
        gauge(r, "lifecycle.gaps", "Ranges between the oldest and newest partition that no partition covers",
                x -> x.gaps);
        gauge(r, "lifecycle.last.success.timestamp.seconds", "When maintenance last succeeded (Unix time)",
                x -> x.lastSuccess);
        r.partitions = status.getPartitionCount() == null ? Double.NaN : status.getPartitionCount();
        r.bytes = status.getTotalBytes() == null ? Double.NaN : status.getTotalBytes();
        r.defaultRows = status.getDefaultPartitionRows() == null ? Double.NaN : status.getDefaultPartitionRows();
        r.gaps = status.getGapCount() == null ? Double.NaN : status.getGapCount();
        r.coverageSeconds = coveredUntil == null ? 0 : Math.max(0, Duration.between(now, coveredUntil).toSeconds());
        if (succeeded) {
            r.lastSuccess = now.getEpochSecond();
        }
        for (PlannedAction a : applied) {
            switch (a.kind()) {
                case "CreatePartition", "CreateDefaultPartition", "MoveDefaultRows" -> count(r,
                        "lifecycle.partitions.created", "Partitions the operator created");
                case "DropPartition" -> count(r, "lifecycle.partitions.dropped", "Partitions the operator dropped");
                case "DetachPartition" -> count(r, "lifecycle.partitions.detached", "Partitions the operator detached");
                default -> {
                }
            }
        }
        if (rowsMoved > 0) {
            Counter.builder("lifecycle.rows.moved").description("Rows moved out of default partitions")
                    .tags(r.tags).register(registry).increment(rowsMoved);
        }
        Timer.builder("lifecycle.maintenance.duration").description("Duration of maintenance passes")
                .publishPercentileHistogram().tags(r.tags).register(registry).record(took);
    }

    /** A pass that failed (or could not start), by reason. */
    public void failure(HasMetadata resource, String table, String reason) {
        Counter.builder("lifecycle.maintenance.failures").description("Maintenance passes that failed, by reason")
                .tags(resource(resource, table).tags.and("reason", reason)).register(registry).increment();
    }

    /** A RuntimeComponent's heartbeat age, NaN before its first heartbeat. */
    public void heartbeatAge(HasMetadata resource, String table, Duration age) {
        Resource r = resource(resource, table);
        gauge(r, "lifecycle.heartbeat.age.seconds", "Age of a runtime component's last heartbeat", x -> x.heartbeatAge);
        r.heartbeatAge = age == null ? Double.NaN : age.toMillis() / 1000.0;
    }

    /** Removes every series of a deleted resource. */
    public void forget(HasMetadata resource) {
        Resource r = resources.remove(key(resource));
        if (r != null) {
            registry.getMeters().stream().filter(m -> m.getId().getTags().containsAll(r.tags.stream().toList()))
                    .toList().forEach(registry::remove);
        }
    }

    /** The resource's series; when its table changed, the old table's series go and new ones start. */
    private Resource resource(HasMetadata resource, String table) {
        Resource known = resources.get(key(resource));
        if (known != null && !known.table.equals(table)) {
            forget(resource);
        }
        return resources.computeIfAbsent(key(resource), k -> new Resource(table, Tags.of("kind", resource.getKind(),
                "namespace", resource.getMetadata().getNamespace(), "name", resource.getMetadata().getName(),
                "table", table)));
    }

    private void gauge(Resource r, String name, String description, java.util.function.ToDoubleFunction<Resource> value) {
        if (r.gauges.add(name)) {
            Gauge.builder(name, r, value).description(description).tags(r.tags).register(registry);
        }
    }

    private void count(Resource r, String name, String description) {
        Counter.builder(name).description(description).tags(r.tags).register(registry).increment();
    }

    private static String key(HasMetadata resource) {
        return resource.getKind() + "/" + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    }
}
