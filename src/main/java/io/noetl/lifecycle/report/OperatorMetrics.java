package io.noetl.lifecycle.report;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.ComponentType;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RuntimeComponent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's Prometheus series; never a credential. The partition-keeping kinds, which are few, have series per
 * resource (labels kind, namespace, name, table): gauges read a per-resource holder the reconcilers update and
 * are removed when the resource goes. RuntimeComponents, which can be thousands, have none of their own: they
 * are counted by namespace, component type and phase, and their failures by namespace and reason, so the number
 * of series does not grow with the number of components.
 */
@ApplicationScoped
public class OperatorMetrics {
    static final String COMPONENTS = "lifecycle.runtime.components";
    static final String COMPONENT_FAILURES = "lifecycle.runtime.component.failures";
    /** The type label of a component whose spec names no known type. */
    static final String UNKNOWN_TYPE = "unknown";
    /** The phase label of a component whose status shows no phase (not registered, or not its row). */
    static final String NO_PHASE = "None";
    private static final List<String> PHASES = phases();

    private final MeterRegistry registry;
    private final Map<String, Resource> resources = new ConcurrentHashMap<>();
    /** Guarded by itself: per RuntimeComponent, where it is counted. */
    private final Map<String, Counted> components = new HashMap<>();
    /** Guarded by {@link #components}: per namespace and type, the count of each phase. */
    private final Map<Group, Map<String, AtomicLong>> groups = new HashMap<>();

    /** Where one RuntimeComponent is counted. */
    private record Counted(Group group, String phase) {
    }

    /** The namespace and component type the component gauges are labelled with. */
    private record Group(String namespace, String type) {
    }

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
        volatile double clockSkew = Double.NaN;
        /** Per rollup tier: its lag and interval gauges' values. */
        final Map<String, double[]> tiers = new ConcurrentHashMap<>();
        /** The export's lag and interval gauges' values; null without spec.export. */
        final java.util.concurrent.atomic.AtomicReference<double[]> export = new java.util.concurrent.atomic
                .AtomicReference<>();

        Resource(String table, Tags tags) {
            this.table = table;
            this.tags = tags;
        }
    }

    public OperatorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * What one pass of a partition-keeping kind measured.
     *
     * @param status the status after the pass, which the partition gauges read
     * @param coveredUntil the end of the partitions covering now ({@link io.noetl.lifecycle.partition.plan.Coverage}); empty
     *     when none does, which the coverage gauge shows as 0
     * @param applied the kinds of the actions the pass applied ({@code CreatePartition}, {@code DropPartition}, ...),
     *     one per action
     * @param rowsMoved rows moved out of the default partition
     * @param succeeded whether the pass succeeded, which sets the last-success gauge to {@code now}
     * @param took how long the pass took
     * @param clockSkew the operator's clock minus the database server's, as the pass saw them
     */
    public record PassMeasures(PartitionedTableStatus status, Optional<Instant> coveredUntil, Instant now,
            List<String> applied, long rowsMoved, boolean succeeded, Duration took, Duration clockSkew) {

        /**
         * A builder; {@code status}, {@code now}, {@code succeeded} and {@code took} must be set. Defaults: not
         * covered, nothing applied, no rows moved, no clock skew.
         */
        public static Builder builder() {
            return new Builder();
        }

        /** Builds {@link PassMeasures}; see {@link PassMeasures#builder()} for the defaults. */
        public static final class Builder {
            private PartitionedTableStatus status;
            private Optional<Instant> coveredUntil = Optional.empty();
            private Instant now;
            private List<String> applied = List.of();
            private long rowsMoved;
            private Boolean succeeded;
            private Duration took;
            private Duration clockSkew = Duration.ZERO;

            private Builder() {
            }

            public Builder status(PartitionedTableStatus status) {
                this.status = status;
                return this;
            }

            public Builder coveredUntil(Optional<Instant> coveredUntil) {
                this.coveredUntil = coveredUntil;
                return this;
            }

            public Builder now(Instant now) {
                this.now = now;
                return this;
            }

            public Builder applied(List<String> applied) {
                this.applied = applied;
                return this;
            }

            public Builder rowsMoved(long rowsMoved) {
                this.rowsMoved = rowsMoved;
                return this;
            }

            public Builder succeeded(boolean succeeded) {
                this.succeeded = succeeded;
                return this;
            }

            public Builder took(Duration took) {
                this.took = took;
                return this;
            }

            public Builder clockSkew(Duration clockSkew) {
                this.clockSkew = clockSkew;
                return this;
            }

            public PassMeasures build() {
                return new PassMeasures(Objects.requireNonNull(status, "status"), coveredUntil,
                        Objects.requireNonNull(now, "now"), applied, rowsMoved,
                        Objects.requireNonNull(succeeded, "succeeded"), Objects.requireNonNull(took, "took"),
                        Objects.requireNonNull(clockSkew, "clockSkew"));
            }
        }
    }

    /** After a pass: the partition gauges from status, counters for what was applied, the pass duration. */
    public void partitionPass(HasMetadata resource, String table, PassMeasures pass) {
        PartitionedTableStatus status = pass.status();
        Instant now = pass.now();
        Resource r = resource(resource, table);
        gauge(r, "lifecycle.partitions", "Partitions attached to the table, the default one included", x -> x.partitions);
        gauge(r, "lifecycle.partitions.bytes", "Bytes of all partitions, indexes included", x -> x.bytes);
        gauge(r, "lifecycle.default.partition.rows", "Rows in the default partition", x -> x.defaultRows);
        gauge(r, "lifecycle.coverage.ahead.seconds", "How far beyond now partitions exist", x -> x.coverageSeconds);
        gauge(r, "lifecycle.gaps", "Ranges between the oldest and newest partition that no partition covers",
                x -> x.gaps);
        gauge(r, "lifecycle.last.success.timestamp.seconds", "When maintenance last succeeded (Unix time)",
                x -> x.lastSuccess);
        gauge(r, "lifecycle.clock.skew.seconds", "The operator's clock minus the database server's, at the last pass",
                x -> x.clockSkew);
        r.clockSkew = pass.clockSkew().toMillis() / 1000.0;
        r.partitions = status.getPartitionCount() == null ? Double.NaN : status.getPartitionCount();
        r.bytes = status.getTotalBytes() == null ? Double.NaN : status.getTotalBytes();
        r.defaultRows = status.getDefaultPartitionRows() == null ? Double.NaN : status.getDefaultPartitionRows();
        r.gaps = status.getGapCount() == null ? Double.NaN : status.getGapCount();
        r.coverageSeconds = pass.coveredUntil().map(until -> Math.max(0, Duration.between(now, until).toSeconds()))
                .orElse(0L);
        if (pass.succeeded()) {
            r.lastSuccess = now.getEpochSecond();
        }
        for (String kind : pass.applied()) {
            switch (kind) {
                case "CreatePartition", "CreateDefaultPartition", "MoveDefaultRows" -> count(r,
                        "lifecycle.partitions.created", "Partitions the operator created");
                case "DropPartition" -> count(r, "lifecycle.partitions.dropped", "Partitions the operator dropped");
                case "DetachPartition" -> count(r, "lifecycle.partitions.detached", "Partitions the operator detached");
                default -> {
                }
            }
        }
        if (pass.rowsMoved() > 0) {
            Counter.builder("lifecycle.rows.moved").description("Rows moved out of default partitions")
                    .tags(r.tags).register(registry).increment(pass.rowsMoved());
        }
        Timer.builder("lifecycle.maintenance.duration").description("Duration of maintenance passes")
                .publishPercentileHistogram().tags(r.tags).register(registry).record(pass.took());
    }

    /**
     * What one rollup tier measured at the end of a pass.
     *
     * @param tier the tier's resolution as the spec writes it ({@code 5m}), the series' {@code tier} label
     * @param lag how long the oldest closed raw partition not rolled into the tier has waited; zero when none waits
     * @param interval the raw table's partition width: a rollup is due once per interval, so a lag over twice it means
     *     rollups do not keep up ({@code NoetlRollupLagging})
     */
    public record TierMeasures(String tier, Duration lag, Duration interval) {
    }

    /**
     * After a pass of a policy with rollups: each tier's lag and the interval it is held against, the duration of each
     * rollup that ran, and the rollups that failed.
     */
    public void rollupPass(HasMetadata resource, String table, List<TierMeasures> tiers, List<Duration> rollups,
            int failures) {
        Resource r = resource(resource, table);
        for (TierMeasures t : tiers) {
            double[] values = r.tiers.computeIfAbsent(t.tier(), k -> {
                double[] holder = {Double.NaN, Double.NaN};
                Tags tags = r.tags.and("tier", k);
                Gauge.builder("lifecycle.rollup.lag.seconds", holder, h -> h[0]).description("How long the oldest "
                        + "closed raw partition not yet rolled into the tier has waited since it closed")
                        .tags(tags).strongReference(true).register(registry);
                Gauge.builder("lifecycle.rollup.interval.seconds", holder, h -> h[1]).description("The raw table's "
                        + "partition width: rollups are due once per interval").tags(tags).strongReference(true)
                        .register(registry);
                return holder;
            });
            values[0] = t.lag().toMillis() / 1000.0;
            values[1] = t.interval().toSeconds();
        }
        Timer timer = Timer.builder("lifecycle.rollup.duration").description("Duration of one raw partition's rollup "
                + "into its tiers").publishPercentileHistogram().tags(r.tags).register(registry);
        rollups.forEach(timer::record);
        Counter failed = Counter.builder("lifecycle.rollup.failures").description("Rollups that failed, and tiers "
                + "that could not be rolled into").tags(r.tags).register(registry);
        failed.increment(failures);
    }

    /**
     * What one pass's export measured.
     *
     * @param samples samples sent and acknowledged
     * @param bytes request bodies sent (snappy-compressed), retries included
     * @param retries requests sent again after a 5xx, a 429 or no answer
     * @param refused rows the label mapping could not express
     * @param took how long each partition's export ran in the pass
     * @param lag how long the oldest closed raw partition not yet confirmed at the receiver has waited
     * @param interval the raw table's partition width ({@code NoetlExportLagging} fires at a lag over twice it)
     * @param failures exports that stopped and counts that fell short or failed
     */
    public record ExportMeasures(long samples, long bytes, long retries, long refused, List<Duration> took,
            Duration lag, Duration interval, int failures) {
    }

    /** After a pass of a policy with {@code spec.export}. */
    public void exportPass(HasMetadata resource, String table, ExportMeasures m) {
        Resource r = resource(resource, table);
        double[] values = r.export.updateAndGet(existing -> {
            if (existing != null) {
                return existing;
            }
            double[] holder = {Double.NaN, Double.NaN};
            Gauge.builder("lifecycle.export.lag.seconds", holder, h -> h[0]).description("How long the oldest "
                    + "closed raw partition not yet confirmed at the receiver has waited since it closed")
                    .tags(r.tags).strongReference(true).register(registry);
            Gauge.builder("lifecycle.export.interval.seconds", holder, h -> h[1]).description("The raw table's "
                    + "partition width: an export is due once per interval").tags(r.tags).strongReference(true)
                    .register(registry);
            return holder;
        });
        values[0] = m.lag().toMillis() / 1000.0;
        values[1] = m.interval().toSeconds();
        Counter.builder("lifecycle.export.samples").description("Samples sent to the remote-write receiver and "
                + "acknowledged").tags(r.tags).register(registry).increment(m.samples());
        Counter.builder("lifecycle.export.bytes").description("Bytes of remote-write request bodies sent "
                + "(snappy-compressed), retries included").tags(r.tags).register(registry).increment(m.bytes());
        Counter.builder("lifecycle.export.batches.retried").description("Remote-write requests sent again after a "
                + "5xx, a 429 or no answer").tags(r.tags).register(registry).increment(m.retries());
        Counter.builder("lifecycle.export.rows.refused").description("Rows the label mapping could not express, "
                + "never sent").tags(r.tags).register(registry).increment(m.refused());
        Counter.builder("lifecycle.export.failures").description("Exports that stopped, and receiver counts that "
                + "failed or fell short").tags(r.tags).register(registry).increment(m.failures());
        Timer timer = Timer.builder("lifecycle.export.duration").description("Duration of one raw partition's "
                + "export in a pass").publishPercentileHistogram().tags(r.tags).register(registry);
        m.took().forEach(timer::record);
    }

    /** Removes a resource's export series (its spec no longer has spec.export). */
    public void forgetExport(HasMetadata resource) {
        Resource r = resources.get(key(resource));
        if (r == null || r.export.getAndSet(null) == null) {
            return;
        }
        registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("lifecycle.export.")
                && m.getId().getTags().containsAll(r.tags.stream().toList())).toList().forEach(registry::remove);
    }

    /** Removes a resource's rollup series (its spec no longer has rollups). */
    public void forgetRollups(HasMetadata resource) {
        Resource r = resources.get(key(resource));
        if (r == null || r.tiers.isEmpty() && registry.find("lifecycle.rollup.duration").tags(r.tags).meters().isEmpty()) {
            return;
        }
        r.tiers.clear();
        registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("lifecycle.rollup.")
                && m.getId().getTags().containsAll(r.tags.stream().toList())).toList().forEach(registry::remove);
    }

    /**
     * A pass that failed (or could not start), by reason. For a RuntimeComponent {@code table} is not used: the
     * failure counts towards its namespace's {@code lifecycle_runtime_component_failures_total}.
     */
    public void failure(HasMetadata resource, String table, Reason reason) {
        if (resource instanceof RuntimeComponent) {
            Counter.builder(COMPONENT_FAILURES).description("RuntimeComponent reconciles that failed, by reason")
                    .tags("namespace", namespace(resource), "reason", reason.code()).register(registry).increment();
            return;
        }
        Counter.builder("lifecycle.maintenance.failures").description("Maintenance passes that failed, by reason")
                .tags(resource(resource, table).tags.and("reason", reason.code())).register(registry).increment();
    }

    /**
     * A RuntimeComponent as its status now shows it: counted once, under its namespace, its
     * {@code spec.componentType} and {@code phase} (null: {@value #NO_PHASE}), and no longer where it was before.
     */
    public void component(RuntimeComponent rc, ComponentPhase phase) {
        String type = rc.getSpec() == null ? UNKNOWN_TYPE
                : ComponentType.fromValue(rc.getSpec().getComponentType()).map(ComponentType::value)
                        .orElse(UNKNOWN_TYPE);
        Counted now = new Counted(new Group(namespace(rc), type), phase == null ? NO_PHASE : phase.name());
        synchronized (components) {
            Counted before = components.put(key(rc), now);
            if (now.equals(before)) {
                return;
            }
            count(now, 1);
            if (before != null) {
                count(before, -1);
            }
        }
    }

    /** Removes every series of a deleted resource; a RuntimeComponent is no longer counted. */
    public void forget(HasMetadata resource) {
        if (resource instanceof RuntimeComponent) {
            synchronized (components) {
                Counted before = components.remove(key(resource));
                if (before != null) {
                    count(before, -1);
                }
            }
            return;
        }
        Resource r = resources.remove(key(resource));
        if (r != null) {
            registry.getMeters().stream().filter(m -> m.getId().getTags().containsAll(r.tags.stream().toList()))
                    .toList().forEach(registry::remove);
        }
    }

    /**
     * Moves one component into or out of a phase count (holding {@link #components}). A namespace and type gets a
     * gauge for every phase when its first component comes, so a phase nobody is in reads 0 rather than nothing,
     * and loses them with its last component; when a namespace has no component left, its failure counters go too.
     */
    private void count(Counted c, int delta) {
        Map<String, AtomicLong> phases = groups.get(c.group());
        if (phases == null) {
            phases = new HashMap<>();
            for (String phase : PHASES) {
                AtomicLong n = new AtomicLong();
                phases.put(phase, n);
                Gauge.builder(COMPONENTS, n, AtomicLong::get)
                        .description("RuntimeComponents by namespace, component type and the phase their status shows")
                        .tags("namespace", c.group().namespace(), "type", c.group().type(), "phase", phase)
                        .strongReference(true).register(registry);
            }
            groups.put(c.group(), phases);
        }
        phases.get(c.phase()).addAndGet(delta);
        if (phases.values().stream().allMatch(n -> n.get() == 0)) {
            groups.remove(c.group());
            registry.find(COMPONENTS).tags("namespace", c.group().namespace(), "type", c.group().type()).meters()
                    .forEach(registry::remove);
            if (groups.keySet().stream().noneMatch(g -> g.namespace().equals(c.group().namespace()))) {
                registry.find(COMPONENT_FAILURES).tags("namespace", c.group().namespace()).meters()
                        .forEach(registry::remove);
            }
        }
    }

    private static List<String> phases() {
        List<String> all = new java.util.ArrayList<>();
        for (ComponentPhase p : ComponentPhase.values()) {
            all.add(p.name());
        }
        all.add(NO_PHASE);
        return List.copyOf(all);
    }

    private static String namespace(HasMetadata resource) {
        return String.valueOf(resource.getMetadata().getNamespace());
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
