package io.noetl.lifecycle.report;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.Condition;
import io.noetl.lifecycle.api.ComponentType;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RuntimeComponent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's Prometheus series; never a credential. Nothing but a few gauges grows with the number of
 * resources (docs/monitoring.md, "Series", lists each series and its count):
 * <ul>
 * <li>per partition-keeping resource (labels kind, namespace, name, table), the gauges a person alerts on:
 * partitions, bytes, how far ahead they reach and when maintenance last succeeded; one lag gauge per rollup tier and
 * one for an export, and the partition width they are held against. They read a per-resource holder the reconcilers
 * update and go with the resource;</li>
 * <li>per kind and namespace: the rest of a pass's state summed (default-partition rows, gaps) or its worst (clock
 * skew), and {@code lifecycle_conditions}, the resources in each condition state;</li>
 * <li>per kind (and reason): counters, and the durations as histograms with fixed buckets;</li>
 * <li>RuntimeComponents, which can be thousands, are counted by namespace, component type and phase, and their
 * failures by namespace and reason.</li>
 * </ul>
 */
@ApplicationScoped
public class OperatorMetrics {
    static final String COMPONENTS = "lifecycle.runtime.components";
    static final String COMPONENT_FAILURES = "lifecycle.runtime.component.failures";
    static final String CONDITIONS = "lifecycle.conditions";
    /** The type label of a component whose spec names no known type. */
    static final String UNKNOWN_TYPE = "unknown";
    /** The phase label of a component whose status shows no phase (not registered, or not its row). */
    static final String NO_PHASE = "None";
    /**
     * The buckets of every duration histogram (maintenance pass, rollup, export), the same for each so that the
     * series are few and fixed: from 10 ms to 5 minutes; a slower one counts in {@code +Inf}.
     */
    static final Duration[] BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2_500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60),
        Duration.ofMinutes(5)};
    /**
     * The series each partition-keeping resource has of its own once it has been through a pass: partitions, bytes,
     * coverage ahead, last success (docs/monitoring.md). A rollup tier adds its lag, an export its lag, and either
     * the partition width they are held against.
     */
    public static final int PER_RESOURCE = 4;
    private static final List<String> PHASES = phases();

    private final MeterRegistry registry;
    private final Map<String, Resource> resources = new ConcurrentHashMap<>();
    /** Guarded by itself: per kind and namespace, its resources with series and the gauges summing them. */
    private final Map<Scope, Members> scopes = new HashMap<>();
    /** Guarded by {@link #conditionCounts}: per resource, the condition states it is counted in. */
    private final Map<String, Set<ConditionState>> conditionsOf = new HashMap<>();
    /** Guarded by itself: per condition state, how many resources are in it and its gauge. */
    private final Map<ConditionState, Count> conditionCounts = new HashMap<>();
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

    /** The kind and namespace the summing gauges are labelled with. */
    private record Scope(String kind, String namespace) {
    }

    /** The resources of one {@link Scope} and the gauges that read them. */
    private record Members(Set<Resource> resources, List<Meter> gauges) {
    }

    /** One {@code lifecycle_conditions} series: resources of a kind and namespace with a condition in that state. */
    private record ConditionState(String kind, String namespace, String type, String status, String reason) {
    }

    /** How many resources are in a {@link ConditionState}, and the gauge that shows it. */
    private record Count(AtomicLong n, Meter gauge) {
    }

    /** A per-resource gauge's latest value. */
    private static final class Slot {
        volatile double value = Double.NaN;
        Meter gauge;
    }

    /** The latest values of one resource's gauges, and those gauges. */
    static final class Resource {
        final String table;
        final Scope scope;
        final Tags tags;
        /** The four gauges every resource with a pass has, once its first pass is reported. */
        final List<Meter> gauges = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile double partitions = Double.NaN;
        volatile double bytes = Double.NaN;
        volatile double coverageSeconds = Double.NaN;
        volatile double lastSuccess = Double.NaN;
        /** Read by the summing gauges of its scope, never a series of its own. */
        volatile double defaultRows = Double.NaN;
        volatile double gaps = Double.NaN;
        volatile double clockSkew = Double.NaN;
        /** Per rollup tier: its lag. */
        final Map<String, Slot> tiers = new ConcurrentHashMap<>();
        /** The export's lag; null without spec.export. */
        final java.util.concurrent.atomic.AtomicReference<Slot> export = new java.util.concurrent.atomic
                .AtomicReference<>();
        /** The raw table's partition width, while the resource has rollups or an export. */
        final java.util.concurrent.atomic.AtomicReference<Slot> interval = new java.util.concurrent.atomic
                .AtomicReference<>();

        Resource(String table, Scope scope, Tags tags) {
            this.table = table;
            this.scope = scope;
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

    /**
     * After a pass: the resource's gauges and its scope's from status, the kind's counters for what was applied, the
     * kind's pass duration.
     */
    public void partitionPass(HasMetadata resource, String table, PassMeasures pass) {
        PartitionedTableStatus status = pass.status();
        Instant now = pass.now();
        Resource r = resource(resource, table);
        if (r.gauges.isEmpty()) {
            synchronized (r) {
                if (r.gauges.isEmpty()) {
                    r.gauges.add(gauge(r, "lifecycle.partitions",
                            "Partitions attached to the table, the default one included", x -> x.partitions));
                    r.gauges.add(gauge(r, "lifecycle.partitions.bytes", "Bytes of all partitions, indexes included",
                            x -> x.bytes));
                    r.gauges.add(gauge(r, "lifecycle.coverage.ahead.seconds", "How far beyond now partitions exist",
                            x -> x.coverageSeconds));
                    r.gauges.add(gauge(r, "lifecycle.last.success.timestamp.seconds",
                            "When maintenance last succeeded (Unix time)", x -> x.lastSuccess));
                }
            }
        }
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
        Tags kind = Tags.of("kind", resource.getKind());
        for (String action : pass.applied()) {
            switch (action) {
                case "CreatePartition", "CreateDefaultPartition", "MoveDefaultRows" -> Counter.builder(
                        "lifecycle.partitions.created").description("Partitions the operator created").tags(kind)
                        .register(registry).increment();
                case "DropPartition" -> Counter.builder("lifecycle.partitions.dropped")
                        .description("Partitions the operator dropped").tags(kind).register(registry).increment();
                case "DetachPartition" -> Counter.builder("lifecycle.partitions.detached")
                        .description("Partitions the operator detached").tags(kind).register(registry).increment();
                default -> {
                }
            }
        }
        if (pass.rowsMoved() > 0) {
            Counter.builder("lifecycle.rows.moved").description("Rows moved out of default partitions")
                    .tags(kind).register(registry).increment(pass.rowsMoved());
        }
        timer("lifecycle.maintenance.duration", "Duration of maintenance passes", kind).record(pass.took());
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
            Slot lag = r.tiers.computeIfAbsent(t.tier(), k -> slot(r.tags.and("tier", k), "lifecycle.rollup.lag.seconds",
                    "How long the oldest closed raw partition not yet rolled into the tier has waited since it closed"));
            lag.value = t.lag().toMillis() / 1000.0;
            interval(r).value = t.interval().toSeconds();
        }
        Tags kind = Tags.of("kind", resource.getKind());
        Timer timer = timer("lifecycle.rollup.duration", "Duration of one raw partition's rollup into its tiers", kind);
        rollups.forEach(timer::record);
        Counter.builder("lifecycle.rollup.failures").description("Rollups that failed, and tiers that could not be "
                + "rolled into").tags(kind).register(registry).increment(failures);
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
        Slot lag = r.export.updateAndGet(existing -> existing != null ? existing : slot(r.tags,
                "lifecycle.export.lag.seconds", "How long the oldest closed raw partition not yet confirmed at the "
                        + "receiver has waited since it closed"));
        lag.value = m.lag().toMillis() / 1000.0;
        interval(r).value = m.interval().toSeconds();
        Tags kind = Tags.of("kind", resource.getKind());
        Counter.builder("lifecycle.export.samples").description("Samples sent to the remote-write receiver and "
                + "acknowledged").tags(kind).register(registry).increment(m.samples());
        Counter.builder("lifecycle.export.bytes").description("Bytes of remote-write request bodies sent "
                + "(snappy-compressed), retries included").tags(kind).register(registry).increment(m.bytes());
        Counter.builder("lifecycle.export.batches.retried").description("Remote-write requests sent again after a "
                + "5xx, a 429 or no answer").tags(kind).register(registry).increment(m.retries());
        Counter.builder("lifecycle.export.rows.refused").description("Rows the label mapping could not express, "
                + "never sent").tags(kind).register(registry).increment(m.refused());
        Counter.builder("lifecycle.export.failures").description("Exports that stopped, and receiver counts that "
                + "failed or fell short").tags(kind).register(registry).increment(m.failures());
        Timer timer = timer("lifecycle.export.duration", "Duration of one raw partition's export in a pass", kind);
        m.took().forEach(timer::record);
    }

    /**
     * What the pace of one kind of history work measured in a pass.
     *
     * @param work {@code rollup} or {@code export}, the series' {@code work} label
     * @param steps steps taken (rollup steps, export batches)
     * @param units rows rolled up or samples sent by them
     * @param held how long steps were held back, by reason ({@code ActiveBackends}, {@code RateCap})
     * @param forced steps that went after the most a step may be held, the database still busy
     * @param walBytes the server's WAL during the steps (rollups; 0 for the export)
     */
    public record PaceMeasures(String work, long steps, long units, Map<String, Duration> held, long forced,
            long walBytes) {
    }

    /** After a pass whose rollups or export took steps: per kind and work, never per resource. */
    public void historyPace(HasMetadata resource, PaceMeasures m) {
        Tags tags = Tags.of("kind", resource.getKind(), "work", m.work());
        Counter.builder("lifecycle.history.steps").description("Steps of history work taken: rollup steps (each "
                + "its own transaction) and export batches").tags(tags).register(registry).increment(m.steps());
        Counter.builder("lifecycle.history.units").description("Raw rows rolled up (work=rollup) or samples sent "
                + "(work=export) by those steps").tags(tags).register(registry).increment(m.units());
        Counter.builder("lifecycle.history.forced.steps").description("Steps that went after waiting the most a step "
                + "may wait (spec.historyPace.maxHoldPerStep) for a database still busy").tags(tags)
                .register(registry).increment(m.forced());
        for (String reason : List.of("ActiveBackends", "RateCap")) {
            Counter.builder("lifecycle.history.held.seconds").description("How long history work was held back "
                    + "before its steps, by reason: ActiveBackends (the database busy), RateCap (the fixed cap)")
                    .tags(tags.and("reason", reason)).register(registry)
                    .increment(m.held().getOrDefault(reason, Duration.ZERO).toNanos() / 1e9);
        }
        if ("rollup".equals(m.work())) {
            Counter.builder("lifecycle.rollup.wal.bytes").description("The server's WAL written during the rollups' "
                    + "steps (other sessions' of the same moments included)").tags(Tags.of("kind", resource.getKind()))
                    .register(registry).increment(m.walBytes());
        }
    }

    /** Removes a resource's export lag (its spec no longer has spec.export); the kind's counters stay. */
    public void forgetExport(HasMetadata resource) {
        Resource r = resources.get(key(resource));
        if (r == null) {
            return;
        }
        Slot lag = r.export.getAndSet(null);
        if (lag != null) {
            registry.remove(lag.gauge);
        }
        dropIntervalIfUnused(r);
    }

    /** Removes a resource's rollup lags (its spec no longer has rollups); the kind's counters stay. */
    public void forgetRollups(HasMetadata resource) {
        Resource r = resources.get(key(resource));
        if (r == null) {
            return;
        }
        forgetRollupsOf(r);
        dropIntervalIfUnused(r);
    }

    /**
     * A pass that failed (or could not start), by reason: counted for the kind, or for a RuntimeComponent towards its
     * namespace's {@code lifecycle_runtime_component_failures_total}.
     */
    public void failure(HasMetadata resource, Reason reason) {
        if (resource instanceof RuntimeComponent) {
            Counter.builder(COMPONENT_FAILURES).description("RuntimeComponent reconciles that failed, by reason")
                    .tags("namespace", namespace(resource), "reason", reason.code()).register(registry).increment();
            return;
        }
        Counter.builder("lifecycle.maintenance.failures").description("Maintenance passes that failed, by reason")
                .tags("kind", resource.getKind(), "reason", reason.code()).register(registry).increment();
    }

    /**
     * The resource's conditions as its status now shows them: counted once in {@code lifecycle_conditions} under each
     * one's type, status and reason, and no longer where they were before. A state no resource is in has no series.
     */
    public void conditions(HasMetadata resource, List<Condition> conditions) {
        Set<ConditionState> now = new HashSet<>();
        if (conditions != null) {
            for (Condition c : conditions) {
                now.add(new ConditionState(resource.getKind(), namespace(resource), String.valueOf(c.getType()),
                        String.valueOf(c.getStatus()), c.getReason() == null ? "" : c.getReason()));
            }
        }
        synchronized (conditionCounts) {
            Set<ConditionState> before = now.isEmpty() ? conditionsOf.remove(key(resource))
                    : conditionsOf.put(key(resource), now);
            before = before == null ? Set.of() : before;
            for (ConditionState state : now) {
                if (!before.contains(state)) {
                    conditionCounts.computeIfAbsent(state, st -> {
                        AtomicLong n = new AtomicLong();
                        return new Count(n, Gauge.builder(CONDITIONS, n, AtomicLong::get).description("Resources "
                                + "of a kind in a namespace whose condition of this type has this status and reason")
                                .tags("kind", st.kind(), "namespace", st.namespace(), "type", st.type(), "status",
                                        st.status(), "reason", st.reason())
                                .strongReference(true).register(registry));
                    }).n().incrementAndGet();
                }
            }
            for (ConditionState state : before) {
                if (!now.contains(state)) {
                    Count count = conditionCounts.get(state);
                    if (count != null && count.n().decrementAndGet() <= 0) {
                        conditionCounts.remove(state);
                        registry.remove(count.gauge());
                    }
                }
            }
        }
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

    /**
     * Removes every series of a deleted resource (the counters of its kind stay); a RuntimeComponent is no longer
     * counted.
     */
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
        conditions(resource, List.of());
        Resource r = resources.remove(key(resource));
        if (r != null) {
            drop(r);
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
        String key = key(resource);
        Resource known = resources.get(key);
        if (known != null && !known.table.equals(table) && resources.remove(key, known)) {
            drop(known);
        }
        return resources.computeIfAbsent(key, k -> {
            Resource r = new Resource(table, new Scope(resource.getKind(), namespace(resource)), Tags.of("kind",
                    resource.getKind(), "namespace", namespace(resource), "name", resource.getMetadata().getName(),
                    "table", table));
            join(r);
            return r;
        });
    }

    /** Removes a resource's own gauges and takes it out of its scope's sums. */
    private void drop(Resource r) {
        r.gauges.forEach(registry::remove);
        r.gauges.clear();
        forgetRollupsOf(r);
        Slot lag = r.export.getAndSet(null);
        if (lag != null) {
            registry.remove(lag.gauge);
        }
        Slot interval = r.interval.getAndSet(null);
        if (interval != null) {
            registry.remove(interval.gauge);
        }
        leave(r);
    }

    private void forgetRollupsOf(Resource r) {
        for (String tier : List.copyOf(r.tiers.keySet())) {
            Slot lag = r.tiers.remove(tier);
            if (lag != null) {
                registry.remove(lag.gauge);
            }
        }
    }

    /** The resource's partition-width gauge, registered with its first rollup tier or export. */
    private Slot interval(Resource r) {
        return r.interval.updateAndGet(existing -> existing != null ? existing : slot(r.tags,
                "lifecycle.partition.interval.seconds", "The raw table's partition width: a rollup or an export is "
                        + "due once per interval"));
    }

    /** Removes the partition-width gauge once the resource has neither rollups nor an export. */
    private void dropIntervalIfUnused(Resource r) {
        if (r.tiers.isEmpty() && r.export.get() == null) {
            Slot interval = r.interval.getAndSet(null);
            if (interval != null) {
                registry.remove(interval.gauge);
            }
        }
    }

    /**
     * Adds a resource to its kind and namespace; the first one registers the gauges that sum or pick from the
     * resources' values (skipping those not measured yet: none measured reads NaN).
     */
    private void join(Resource r) {
        synchronized (scopes) {
            Members members = scopes.get(r.scope);
            if (members == null) {
                Set<Resource> all = ConcurrentHashMap.newKeySet();
                Tags tags = Tags.of("kind", r.scope.kind(), "namespace", r.scope.namespace());
                members = new Members(all, List.of(
                        Gauge.builder("lifecycle.default.partition.rows", all, s -> sum(s, x -> x.defaultRows))
                                .description("Rows in the default partitions of the kind's tables in the namespace")
                                .tags(tags).strongReference(true).register(registry),
                        Gauge.builder("lifecycle.gaps", all, s -> sum(s, x -> x.gaps))
                                .description("Ranges between the oldest and newest partition that no partition "
                                        + "covers, summed over the kind's tables in the namespace")
                                .tags(tags).strongReference(true).register(registry),
                        Gauge.builder("lifecycle.clock.skew.seconds", all, OperatorMetrics::widestSkew)
                                .description("The operator's clock minus a database server's at the last pass: the "
                                        + "largest in magnitude over the kind's resources in the namespace")
                                .tags(tags).strongReference(true).register(registry)));
                scopes.put(r.scope, members);
            }
            members.resources().add(r);
        }
    }

    /** Takes a resource out of its kind and namespace; the last one takes the scope's gauges with it. */
    private void leave(Resource r) {
        synchronized (scopes) {
            Members members = scopes.get(r.scope);
            if (members != null && members.resources().remove(r) && members.resources().isEmpty()) {
                scopes.remove(r.scope);
                members.gauges().forEach(registry::remove);
            }
        }
    }

    private static double sum(Set<Resource> all, java.util.function.ToDoubleFunction<Resource> value) {
        double total = Double.NaN;
        for (Resource r : all) {
            double v = value.applyAsDouble(r);
            if (!Double.isNaN(v)) {
                total = Double.isNaN(total) ? v : total + v;
            }
        }
        return total;
    }

    private static double widestSkew(Set<Resource> all) {
        double widest = Double.NaN;
        for (Resource r : all) {
            double v = r.clockSkew;
            if (!Double.isNaN(v) && (Double.isNaN(widest) || Math.abs(v) > Math.abs(widest))) {
                widest = v;
            }
        }
        return widest;
    }

    private Meter gauge(Resource r, String name, String description, java.util.function.ToDoubleFunction<Resource> value) {
        return Gauge.builder(name, r, value).description(description).tags(r.tags).strongReference(true)
                .register(registry);
    }

    private Slot slot(Tags tags, String name, String description) {
        Slot slot = new Slot();
        slot.gauge = Gauge.builder(name, slot, x -> x.value).description(description).tags(tags).strongReference(true)
                .register(registry);
        return slot;
    }

    /** A duration histogram of the kind: the fixed {@link #BUCKETS}, never percentiles. */
    private Timer timer(String name, String description, Tags kind) {
        return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS).tags(kind)
                .register(registry);
    }

    private static String key(HasMetadata resource) {
        return resource.getKind() + "/" + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    }
}
