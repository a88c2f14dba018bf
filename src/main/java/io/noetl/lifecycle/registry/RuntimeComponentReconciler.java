package io.noetl.lifecycle.registry;

import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.RuntimeRegistryConfig;
import io.noetl.lifecycle.api.ApiGroup;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.FieldDrift;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentStatus;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.Lease;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.ServerBudget;
import io.noetl.lifecycle.reconcile.BudgetWait;
import io.noetl.lifecycle.reconcile.MaintenanceSchedule;
import io.noetl.lifecycle.reconcile.PrunedItemStore;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.reconcile.ResourcePages;
import io.noetl.lifecycle.reconcile.ResourcePools;
import io.noetl.lifecycle.reconcile.Retries;
import io.noetl.lifecycle.reconcile.SecretReferences;
import io.noetl.lifecycle.reconcile.StatusPatch;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.noetl.lifecycle.registry.plan.ClaimOrder;
import io.noetl.lifecycle.registry.plan.ComponentLiveness;
import io.noetl.lifecycle.registry.plan.RegistryRow;
import io.noetl.lifecycle.registry.plan.RuntimeComponentSettings;
import io.noetl.lifecycle.registry.plan.RuntimeIdGenerator;
import io.noetl.lifecycle.registry.postgres.RegistryCatalog;
import io.noetl.lifecycle.registry.report.RuntimeComponentReport;
import io.noetl.lifecycle.report.Conditions;
import io.noetl.lifecycle.report.OperatorMetrics;
import io.noetl.lifecycle.report.ResourceEvents;
import io.noetl.lifecycle.report.StatusDiff;
import io.noetl.lifecycle.report.Verdict;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurableReconciler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * RuntimeComponent: resolve the database, check nobody declared the key first, register the row (or only read
 * it when suspended or in dry run), report the row's phase, and look again before the phase can change. The
 * look-again comes from {@link MaintenanceSchedule}. Deletion applies {@code deletionPolicy} behind a finalizer.
 */
// the informer as every kind's: a pruned cache (PrunedItemStore), filled by pages (ResourcePages)
@ControllerConfiguration(name = RuntimeComponentReconciler.NAME, informer = @Informer(itemStore = PrunedItemStore.class,
        informerListLimit = ResourcePages.LIST_LIMIT))
public class RuntimeComponentReconciler implements Reconciler<RuntimeComponent>, Cleaner<RuntimeComponent>,
        ConfigurableReconciler<RuntimeComponent> {
    public static final String NAME = "runtimecomponent";
    /** Set to "true" to let a deleted resource go without touching its row. */
    public static final String SKIP_CLEANUP = ApiGroup.GROUP + "/skip-cleanup";
    private static final Duration DEFAULT_TICK = Duration.ofSeconds(15);

    private final TargetResolver targets;
    private final DatabasePools pools;
    private final MaintenanceSchedule schedule;
    private final ResourceEvents events;
    private final OperatorMetrics metrics;
    private final OperatorConfig config;
    private final RuntimeRegistryConfig registryConfig;
    private final Clock clock;
    private final ComponentRegistrar registrar;
    private final Duration tick;
    /** Per resource uid: the declaration and database this operator last registered, to skip rewriting it. */
    private final Map<String, String> registered = new ConcurrentHashMap<>();
    /** Per resource uid, until it first registers: when this operator first saw it (System.nanoTime). */
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private volatile SecretReferences.Cache<RuntimeComponent> secrets;

    public RuntimeComponentReconciler(TargetResolver targets, DatabasePools pools, MaintenanceSchedule schedule,
            ResourceEvents events, OperatorMetrics metrics, OperatorConfig config,
            RuntimeRegistryConfig registryConfig, RegistryCatalog catalog, Clock clock) {
        this.metrics = metrics;
        this.targets = targets;
        this.pools = pools;
        this.schedule = schedule;
        this.events = events;
        this.config = config;
        this.registryConfig = registryConfig;
        this.clock = clock;
        this.registrar = new ComponentRegistrar(catalog, new RuntimeIdGenerator(registryConfig.idShard()),
                LockPolicy.from(config.ddl()), clock);
        this.tick = tick(config.maintenance().tick());
    }

    @Override
    public List<EventSource<?, RuntimeComponent>> prepareEventSources(EventSourceContext<RuntimeComponent> context) {
        context.getPrimaryCache().addIndexer(RegistryClaims.INDEX, RegistryClaims::indexKeys);
        secrets = SecretReferences.informer(context, RuntimeComponent.class,
                p -> p.getSpec() == null ? null : p.getSpec().getDatabase());
        return List.of(secrets.source(), schedule.eventSourceFor(RuntimeComponent.class));
    }

    @Override
    public UpdateControl<RuntimeComponent> reconcile(RuntimeComponent rc, Context<RuntimeComponent> context) {
        Instant now = clock.instant();
        RuntimeComponentStatus status = rc.getStatus() == null ? new RuntimeComponentStatus() : rc.getStatus();
        String before = StatusDiff.fingerprint(status);
        long generation = StatusPatch.generation(rc);
        Optional<Duration> settling = settling(rc, status);
        if (settling.isPresent()) {
            // nothing written or shown yet: a duplicate created a moment later may still come first
            return UpdateControl.<RuntimeComponent>noUpdate().rescheduleAfter(settling.get().toMillis());
        }
        BudgetWait wait = new BudgetWait(context.getClient(), rc, generation, clock);
        Registered registered = pass(rc, context, status, now, wait);
        Verdict verdict = registered.verdict();
        Optional<RegistryRow> row = registered.row();
        verdict.applyTo(rc, status, generation, now, events);
        verdict.failure().ifPresent(reason -> metrics.failure(rc, reason));
        schedule.set(RuntimeComponent.class, ResourceID.fromResource(rc), verdict.nextRun());
        metrics.component(rc, status.getPhase());
        status.setObservedGeneration(generation);
        Conditions.clearWaiting(status); // the pass has run: it waits no more
        boolean changed = wait.reported() || StatusDiff.changed(before, status);
        if (changed && row.isPresent()) {
            // written anyway: show the current heartbeat too
            RuntimeComponentReport.heartbeat(status, row.get(), now);
        }
        rc.setStatus(status);
        if (!changed) {
            return UpdateControl.noUpdate();
        }
        StatusPatch.removeLeftOut(context.getClient(), rc, before, status);
        return StatusPatch.of(rc, status);
    }

    /** What one registration pass decided, and the row it saw. */
    private record Registered(Verdict verdict, Optional<RegistryRow> row) {
    }

    /** One pass: parse, resolve, claim the key, register; the rest is the verdict's. */
    private Registered pass(RuntimeComponent rc, Context<RuntimeComponent> context, RuntimeComponentStatus status,
            Instant now, BudgetWait wait) {
        try {
            RuntimeComponentSettings settings = RuntimeComponentSettings.from(rc.getSpec(), rc.getMetadata().getName());
            settings.keepsRegistryKey(status.getRegistryKey());
            DatabaseTarget target = resolve(rc);
            String key = settings.declaration().key();
            Optional<RuntimeComponent> holder = holder(rc, context.getPrimaryCache(), settings, target, status);
            if (holder.isPresent()) {
                return new Registered(RegistrationVerdict.held(key, holder.get().getMetadata().getNamespace() + "/"
                        + holder.get().getMetadata().getName(), now, retryAfterFailure()), Optional.empty());
            }
            Optional<String> shownId = Optional.ofNullable(status.getRuntimeId());
            List<FieldDrift> shownDrift = status.getDrift();
            ComponentRegistrar.Outcome outcome;
            try (Lease lease = ResourcePools.lease(pools, rc, target, 1, wait)) {
                outcome = register(rc, context.getPrimaryCache(), lease, settings, status, now);
            }
            Instant nextLook = ComponentLiveness.nextLook(outcome.row(), now, settings.heartbeatTimeout(),
                    settings.markOfflineAfter(), ComponentLiveness.refreshPeriod(settings.heartbeatTimeout(), tick));
            return new Registered(RegistrationVerdict.registered(Mode.of(rc.getSpec()),
                    new RegistrationVerdict.Registration(key, outcome, shownId, Optional.ofNullable(status.getPhase()),
                            settings.heartbeatTimeout(), nextLook, shownDrift, settings.declaration().precedence())),
                    Optional.ofNullable(outcome.row()));
        } catch (InvalidSpecException e) {
            return new Registered(RegistrationVerdict.rejected(e.reason(), e.getMessage()), Optional.empty());
        } catch (ReconcileException e) {
            return new Registered(RegistrationVerdict.failed(e.reason(), e.getMessage(), now, retryAfterFailure()),
                    Optional.empty());
        }
    }

    /** An unforeseen failure: left on the resource as {@code UnexpectedError}; the framework retries. */
    @Override
    public ErrorStatusUpdateControl<RuntimeComponent> updateErrorStatus(RuntimeComponent rc,
            Context<RuntimeComponent> context, Exception e) {
        RuntimeComponentStatus status = rc.getStatus() == null ? new RuntimeComponentStatus() : rc.getStatus();
        long generation = StatusPatch.generation(rc);
        Verdict verdict = Verdict.unexpected(e);
        verdict.applyTo(rc, status, generation, clock.instant(), events);
        Conditions.clearWaiting(status); // whatever it waited for, it waits no more
        metrics.failure(rc, Reason.UNEXPECTED_ERROR);
        return ErrorStatusUpdateControl.patchStatus(StatusPatch.blank(rc, status));
    }

    /**
     * The framework's retry, never given up, doubling from {@code lifecycle.maintenance.retry-after-failure} up to
     * {@code lifecycle.runtime.cleanup-max-backoff}: for a cleanup that cannot apply its deletionPolicy (it throws to
     * keep the finalizer) and for unforeseen failures.
     */
    @Override
    public void updateConfigurationFrom(ControllerConfigurationOverrider<RuntimeComponent> overrider) {
        overrider.withRetry(Retries.backoff(retryAfterFailure(), registryConfig.cleanupMaxBackoff()));
    }

    private Duration retryAfterFailure() {
        return config.maintenance().retryAfterFailure();
    }

    /**
     * The resource that comes first and declares the same key for the database, if any; the status then shows no
     * row of its own.
     */
    private Optional<RuntimeComponent> holder(RuntimeComponent rc, IndexedResourceCache<RuntimeComponent> cache,
            RuntimeComponentSettings settings, DatabaseTarget target, RuntimeComponentStatus status) {
        Optional<RuntimeComponent> holder = RegistryClaims.earlierHolder(rc, settings.declaration().key(),
                target.describe(), cache, this::databaseOf);
        if (holder.isPresent()) {
            RuntimeComponentReport.notOwned(status);
            registered.remove(rc.getMetadata().getUid());
        }
        return holder;
    }

    /**
     * How much longer a resource that has never registered waits before its first write
     * ({@code lifecycle.runtime.claim-settle}, counted from when this operator first saw it). Claim order
     * is creationTimestamp in whole seconds, then uid, so a duplicate created up to a second later can come first;
     * the wait lets the informer deliver it before anything is written. Resources older than the settle plus that
     * second cannot be overtaken any more and do not wait, nor do dry runs and suspended ones, which write nothing.
     * Empty when it need not wait.
     */
    private Optional<Duration> settling(RuntimeComponent rc, RuntimeComponentStatus status) {
        Duration settle = registryConfig.claimSettle();
        String uid = rc.getMetadata().getUid();
        if (settle.isZero() || settle.isNegative() || !Mode.of(rc.getSpec()).writes()
                || status.getRuntimeId() != null || registered.containsKey(uid)) {
            return Optional.empty();
        }
        ClaimOrder order = ClaimOrder.of(rc.getMetadata().getCreationTimestamp(), uid);
        if (order.created() != null && !order.created().plus(settle).plusSeconds(1).isAfter(clock.instant())) {
            return Optional.empty();
        }
        long seen = firstSeen.computeIfAbsent(uid, u -> System.nanoTime());
        Duration left = settle.minusNanos(System.nanoTime() - seen);
        return left.isNegative() || left.isZero() ? Optional.empty() : Optional.of(left);
    }

    /** Whether the resource {@code uid} has been seen and waits out its claim settle (tests: nothing else shows it). */
    boolean settling(String uid) {
        return firstSeen.containsKey(uid);
    }

    /** Registers (or, when only observing, reads) the row and shows it in the status. */
    private ComponentRegistrar.Outcome register(RuntimeComponent rc, IndexedResourceCache<RuntimeComponent> cache,
            Lease dataSource, RuntimeComponentSettings settings, RuntimeComponentStatus status, Instant now)
            throws ReconcileException {
        String key = settings.declaration().key();
        DatabaseTarget target = dataSource.target();
        Mode mode = Mode.of(rc.getSpec());
        String uid = rc.getMetadata().getUid();
        String fingerprint = settings.declaration() + "@" + target.describe();
        ComponentRegistrar.Outcome outcome = registrar.run(dataSource, target, settings, mode,
                fingerprint.equals(registered.get(uid)), now);
        if (mode == Mode.APPLY) {
            registered.put(uid, fingerprint);
            firstSeen.remove(uid);
            status.setRegistryKey(key);
            if (outcome.inserted()) {
                status.setCreatedRow(true);
            } else if (status.getCreatedRow() == null && outcome.row() != null) {
                // the row was there before this resource first registered: adopted, never removed by it
                status.setCreatedRow(false);
            }
            DeletionPolicy policy = settings.deletionPolicy();
            if (outcome.row() != null && (policy == DeletionPolicy.Delete
                    || policy == DeletionPolicy.DeleteWithMetrics)) {
                // what a deletion would meet: shown before anyone deletes
                status.setMetricRows(registrar.referencingRows(dataSource, target, outcome.row().runtimeId()));
            } else {
                status.setMetricRows(null);
            }
        }
        if (outcome.inserted() || outcome.declaredWritten()) {
            // another resource declaring this key may have written it before it saw this one: let it see now
            for (RuntimeComponent other : RegistryClaims.others(rc, key, cache)) {
                schedule.runAt(RuntimeComponent.class, ResourceID.fromResource(other), now);
            }
        }
        RuntimeComponentReport.observed(status, outcome.row(), settings.heartbeatTimeout(), now);
        RuntimeComponentReport.drift(status, outcome.drift());
        return outcome;
    }

    @Override
    public DeleteControl cleanup(RuntimeComponent rc, Context<RuntimeComponent> context) {
        ResourceID id = ResourceID.fromResource(rc);
        String uid = rc.getMetadata().getUid();
        schedule.forget(RuntimeComponent.class, id);
        registered.remove(uid);
        firstSeen.remove(uid);
        if ("true".equalsIgnoreCase(annotation(rc, SKIP_CLEANUP))) {
            events.normal(rc, "CleanupSkipped", SKIP_CLEANUP + " is set: the registry row was left as it is");
            return released(rc);
        }
        RuntimeComponentSettings settings;
        try {
            settings = RuntimeComponentSettings.from(rc.getSpec(), rc.getMetadata().getName());
        } catch (InvalidSpecException e) {
            // an invalid spec never registered anything
            return released(rc);
        }
        DeletionPolicy policy = settings.deletionPolicy();
        if (policy == DeletionPolicy.Retain || !Mode.of(rc.getSpec()).writes()) {
            return released(rc);
        }
        String key = settings.declaration().key();
        String registeredKey = rc.getStatus() == null ? null : rc.getStatus().getRegistryKey();
        if (registeredKey != null && !registeredKey.equals(key)) {
            // the spec names another key than the row's (possible only without CEL): touch neither row
            events.warning(rc, "CleanupSkipped", "the spec names " + key + " but the row was registered as "
                    + registeredKey + "; both rows are left as they are");
            return released(rc);
        }
        try {
            DatabaseTarget target = resolve(rc);
            if (RegistryClaims.earlierHolder(rc, key, target.describe(), context.getPrimaryCache(),
                    this::databaseOf).isPresent()) {
                // the row belongs to the resource that declared it first
                return released(rc);
            }
            Optional<Long> heldId = Optional.ofNullable(rc.getStatus()).map(RuntimeComponentStatus::getRuntimeId)
                    .map(Long::parseLong);
            boolean createdRow = rc.getStatus() != null && Boolean.TRUE.equals(rc.getStatus().getCreatedRow());
            ComponentRegistrar.Retirement done;
            try (Lease lease = ResourcePools.lease(pools, rc, target, 1, ServerBudget.WaitListener.NONE)) {
                done = registrar.retire(lease, target, settings.declaration(), policy, heldId, createdRow);
            }
            if (done.reason() != null) {
                if (done.warning()) {
                    events.warning(rc, done.reason(), done.message());
                } else {
                    events.normal(rc, done.reason(), done.message());
                }
            }
        } catch (ReconcileException e) {
            int attempt = context.getRetryInfo().map(RetryInfo::getAttemptCount).orElse(0) + 1;
            String message = "deletionPolicy " + policy + " could not be applied (" + e.reason().code() + ": "
                    + e.getMessage() + "); retrying with backoff up to " + DurationSpec.format(
                            registryConfig.cleanupMaxBackoff()) + ". Annotate " + SKIP_CLEANUP
                    + "=\"true\" to let the resource go without it";
            events.warning(rc, "CleanupFailed", message);
            // thrown, so that the framework keeps the finalizer and retries with its backoff
            throw new CleanupFailedException(rc.getMetadata().getNamespace() + "/" + rc.getMetadata().getName()
                    + ", attempt " + attempt + ": " + message);
        }
        for (RuntimeComponent other : RegistryClaims.others(rc, key, context.getPrimaryCache())) {
            // the next holder of the key need not wait for its retry
            schedule.runAt(RuntimeComponent.class, ResourceID.fromResource(other), clock.instant());
        }
        return released(rc);
    }

    private DeleteControl released(RuntimeComponent rc) {
        ResourcePools.release(pools, rc);
        metrics.forget(rc);
        events.forget(rc);
        return DeleteControl.defaultDelete();
    }

    private DatabaseTarget resolve(RuntimeComponent rc) throws ReconcileException {
        return targets.resolve(rc, rc.getSpec().getDatabase(),
                name -> secrets.get(new ResourceID(name, rc.getMetadata().getNamespace())));
    }

    private Optional<String> databaseOf(RuntimeComponent other) {
        try {
            RuntimeComponentSettings.from(other.getSpec(), other.getMetadata().getName());
            return Optional.of(resolve(other).describe());
        } catch (InvalidSpecException | ReconcileException e) {
            return Optional.empty();
        }
    }

    private static String annotation(RuntimeComponent rc, String name) {
        Map<String, String> annotations = rc.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(name);
    }


    /** A cleanup that could not apply the deletion policy; the framework retries it. */
    static final class CleanupFailedException extends RuntimeException {
        CleanupFailedException(String message) {
            super(message);
        }
    }

    /** The scheduler tick ({@code 15s} or ISO-8601), which bounds how precisely a look can be timed. */
    static Duration tick(String text) {
        try {
            return DurationSpec.parse(text.strip());
        } catch (IllegalArgumentException e) {
            try {
                return Duration.parse(text.strip());
            } catch (DateTimeParseException | NullPointerException e2) {
                return DEFAULT_TICK;
            }
        }
    }
}
