package io.noetl.lifecycle.partition;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.PartitionedTableSpec;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Coverage;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.partition.report.PartitionReport;
import io.noetl.lifecycle.partition.report.RetirementReport;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.Lease;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.reconcile.BudgetWait;
import io.noetl.lifecycle.reconcile.MaintenanceSchedule;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.reconcile.ResourcePools;
import io.noetl.lifecycle.reconcile.Retries;
import io.noetl.lifecycle.reconcile.SecretReferences;
import io.noetl.lifecycle.reconcile.StatusPatch;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.noetl.lifecycle.report.Conditions;
import io.noetl.lifecycle.report.OperatorMetrics;
import io.noetl.lifecycle.report.ResourceEvents;
import io.noetl.lifecycle.report.StatusDiff;
import io.noetl.lifecycle.report.Verdict;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurableReconciler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reconcile both partition-keeping kinds share: parse the spec, resolve the database, run one
 * {@link MaintenancePass} (observe, plan, apply unless suspended or dry-run, observe again), report, and book
 * the next pass. A kind supplies its settings parser and its status extras; planning checks and bootstrap are
 * {@link PolicyPass}'s, shared with the HTTP endpoints and the command line.
 */
public abstract class PartitionedTableReconciler<P extends CustomResource<S, T>, S extends PartitionedTableSpec,
        T extends PartitionedTableStatus, C extends TablePolicySettings> implements Reconciler<P>, Cleaner<P>,
        ConfigurableReconciler<P> {

    /** Primary-cache index: the table each resource keeps (schema.table). */
    private static final String TABLE_INDEX = "table";
    private final Class<P> kind;
    private final TargetResolver targets;
    private final DatabasePools pools;
    private final MaintenanceSchedule schedule;
    private final ResourceEvents events;
    private final OperatorMetrics metrics;
    private final OperatorConfig config;
    private final Clock clock;
    private volatile SecretReferences.Cache<P> secrets;

    protected PartitionedTableReconciler(Class<P> kind, TargetResolver targets, DatabasePools pools,
            MaintenanceSchedule schedule, ResourceEvents events, OperatorMetrics metrics, OperatorConfig config,
            Clock clock) {
        this.metrics = metrics;
        this.kind = kind;
        this.targets = targets;
        this.pools = pools;
        this.schedule = schedule;
        this.events = events;
        this.config = config;
        this.clock = clock;
    }

    protected abstract C settings(S spec) throws InvalidSpecException;

    protected abstract T newStatus();

    /** The resource's spec as written, or the defaults when it has none. */
    protected abstract S spec(P resource);

    /** Kind-specific status, from the fresh snapshot after the pass. */
    protected void reportExtras(T status, C settings, TableSnapshot after, PartitionPlanner.Policy policy) {
    }

    /** The Secrets the spec names besides spec.database's (spec.export's): their changes wake the resource. */
    protected List<String> otherSecrets(P resource) {
        return List.of();
    }

    /** Kind-specific status and measures of what the pass did besides the table's own maintenance (the rollups). */
    protected void reportPass(P resource, T status, C settings, MaintenancePass.Outcome outcome) {
    }

    /** How the kind creates its table for {@code bootstrap: IfMissing}; empty for {@code Never}. */
    protected abstract Optional<MaintenancePass.Bootstrapper> bootstrapper(C settings);

    /** What the kind runs in a pass before its table's maintenance ({@link PassPrelude}); nothing by default. */
    protected PassPrelude prelude(P resource, C settings) {
        return PassPrelude.NONE;
    }

    /** The Secret {@code name} in the resource's namespace, as the Secret informer's cache holds it. */
    protected Optional<Secret> secret(P resource, String name) {
        return secrets.get(new ResourceID(name, resource.getMetadata().getNamespace()));
    }

    @Override
    public List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> context) {
        context.getPrimaryCache().addIndexer(TABLE_INDEX, this::tableKeys);
        secrets = SecretReferences.informer(context, kind, p -> spec(p).getDatabase(), this::otherSecrets);
        return List.of(secrets.source(), schedule.eventSourceFor(kind));
    }

    @Override
    public UpdateControl<P> reconcile(P resource, Context<P> context) {
        Instant now = clock.instant();
        T status = resource.getStatus() == null ? newStatus() : resource.getStatus();
        String before = StatusDiff.fingerprint(status);
        long generation = StatusPatch.generation(resource);
        boolean newGeneration = status.getObservedGeneration() == null || status.getObservedGeneration() != generation;
        BudgetWait wait = new BudgetWait(context.getClient(), resource, generation, clock);
        Verdict verdict = pass(resource, context, status, now, wait);
        if (newGeneration) {
            // a new or changed policy may change the claims of the others on its table: they look again now
            wakeOthers(resource, context);
        }
        verdict.applyTo(resource, status, generation, now, events);
        verdict.failure().ifPresent(reason -> metrics.failure(resource, reason));
        metrics.conditions(resource, status.getConditions());
        schedule.set(kind, ResourceID.fromResource(resource), verdict.nextRun());
        status.setNextMaintenanceAt(verdict.nextRun().map(Instant::toString).orElse(null));
        status.setObservedGeneration(generation);
        Conditions.clearWaiting(status); // the pass has run: it waits no more
        resource.setStatus(status);
        if (!wait.reported() && !StatusDiff.changed(before, status)) {
            return UpdateControl.noUpdate();
        }
        StatusPatch.removeLeftOut(context.getClient(), resource, before, status);
        return StatusPatch.of(resource, status);
    }

    /** An unforeseen failure: left on the resource as {@code UnexpectedError}; the framework retries. */
    @Override
    public ErrorStatusUpdateControl<P> updateErrorStatus(P resource, Context<P> context, Exception e) {
        T status = resource.getStatus() == null ? newStatus() : resource.getStatus();
        long generation = StatusPatch.generation(resource);
        Verdict verdict = Verdict.unexpected(e);
        verdict.applyTo(resource, status, generation, clock.instant(), events);
        Conditions.clearWaiting(status); // whatever it waited for, it waits no more
        metrics.failure(resource, Reason.UNEXPECTED_ERROR);
        metrics.conditions(resource, status.getConditions());
        return ErrorStatusUpdateControl.patchStatus(StatusPatch.blank(resource, status));
    }

    /** Unforeseen failures are retried by the framework, never given up: see {@link Retries}. */
    @Override
    public void updateConfigurationFrom(ControllerConfigurationOverrider<P> overrider) {
        overrider.withRetry(Retries.backoff(config.maintenance().retryAfterFailure(), config.maintenance().maxBackoff()));
    }

    /** One pass: resolve, claim, run, and write what the status shows of the table; the rest is the verdict's. */
    private Verdict pass(P resource, Context<P> context, T status, Instant now, BudgetWait wait) {
        C settings;
        try {
            settings = settings(spec(resource));
        } catch (InvalidSpecException e) {
            return PartitionVerdict.rejected(e.reason(), e.getMessage());
        }
        Duration retry = config.maintenance().retryAfterFailure();
        try {
            DatabaseTarget target = resolve(resource);
            TableClaim claim = claim(resource, context, settings, target, wait);
            Mode mode = Mode.of(spec(resource));
            boolean writes = PartitionVerdict.writes(mode, claim);
            try (Lease dataSource = ResourcePools.lease(pools, resource, target, connectionsPerPass(settings),
                    wait)) {
                // which retention is in force: a shortened one waits its grace after it is first seen, as the database
                // remembers it (whatever resource saw it), recorded there by a pass that writes
                RetentionGrace.Decision retention;
                try {
                    retention = PolicyPass.retention(dataSource, settings, RetirementReport.remembered(status), now,
                            writes);
                } catch (java.sql.SQLException e) {
                    io.noetl.lifecycle.postgres.DatabaseFailure f = io.noetl.lifecycle.postgres.DatabaseFailure.of(e,
                            target);
                    throw new ReconcileException(f.reason(), f.message());
                }
                MaintenancePass.Outcome outcome = new PolicyPass(dataSource, target, LockPolicy.from(config.ddl()), clock,
                        config.clock().maxSkew()).preceded(prelude(resource, settings))
                        .run(settings.withHold(retention.hold()), bootstrapper(settings), claim.narrow(), now, writes);
                TableSnapshot after = outcome.after();
                PartitionPlanner.Policy observed = PolicyPass.plannerPolicy(settings, after, PolicyPass.serverNow(after, now));
                Coverage coverage = PolicyPass.observed(status, settings, after, observed);
                PartitionReport.planned(status, writes ? null : outcome.reportedPlan(), after.keyType());
                reportExtras(status, settings, after, observed);
                RetirementReport.report(status, retention, outcome.plan(), settings, after.keyType());
                if (writes) {
                    status.setLastMaintenance(PartitionReport.record(outcome.startedAt(), outcome.finishedAt(),
                            outcome.result().orElse(null)));
                }
                reportPass(resource, status, settings, outcome);
                List<PlannedAction> applied = outcome.result().map(PartitionExecutor.Result::applied).orElse(List.of());
                metrics.partitionPass(resource, tableLabel(resource), OperatorMetrics.PassMeasures.builder().status(status)
                        .coveredUntil(coverage.coveredUntil().map(k -> settings.instantOf(after.keyType(), k))).now(now)
                        .applied(applied.stream().map(PlannedAction::kind).toList())
                        .rowsMoved(outcome.result().map(PartitionExecutor.Result::rowsMoved).orElse(0L))
                        .succeeded(outcome.failure().isEmpty()).took(outcome.took())
                        .clockSkew(Duration.between(PolicyPass.serverNow(outcome.before(), now), now)).build());
                PartitionVerdict.Pass pass = PartitionVerdict.Pass.of(PolicyPass.tableOf(settings).toString(),
                        after.partitionCount() + " partitions, covered until "
                                + (status.getCoveredUntil() == null ? "nothing" : status.getCoveredUntil()))
                        .withPending(outcome.plan().actions().size())
                        .withFindings(outcome.findings())
                        .withDefaultRows(after.defaultRows())
                        .withBootstrapped(outcome.bootstrapped())
                        .withApplied(applied)
                        .withStopped(outcome.failure().map(f -> new PartitionVerdict.Stop(f.cause().reason(),
                                f.describe())))
                        .withHeld(PartitionVerdict.Held.of(retention, outcome.plan(), settings.maxRetirementsPerPass()));
                // a waiting retention change is looked at again when it takes effect, if that comes first
                // work the prelude could not finish in its time (an export) goes on soon, not a maintenance interval later
                Instant periodic = now.plus(outcome.prelude().continueAfter().orElse(settings.maintenanceInterval()));
                return PartitionVerdict.passed(mode, claim, pass, new PartitionVerdict.Timing(now,
                        retention.effectiveAt().filter(periodic::isAfter).orElse(periodic),
                        settings.nextBoundary(after.keyType(), now).plus(config.maintenance().afterBoundary()), retry));
            }
        } catch (ReconcileException e) {
            return PartitionVerdict.failed(e.reason(), e.getMessage(), PartitionVerdict.Timing.afterFailure(now, retry));
        }
    }

    /** How many connections a pass of the kind uses at once, leased before it starts. */
    protected int connectionsPerPass(C settings) {
        return 1;
    }

    /** What the Secret cache holds for {@code id} (tests: a Secret no resource names is held without its data). */
    public Optional<Secret> cachedSecret(ResourceID id) {
        return secrets.source().get(id);
    }

    /** The table label of the resource's series: spec.table as written, the same whether the pass worked or not. */
    private String tableLabel(P resource) {
        return String.valueOf(spec(resource).getTable());
    }

    private DatabaseTarget resolve(P resource) throws ReconcileException {
        return targets.resolve(resource, spec(resource).getDatabase(), name -> secret(resource, name));
    }

    /**
     * This resource's {@link TableClaim} among the others of its kind that keep the same table in the same database
     * (the same database as the server identifies it, whatever the credentials or the URL's spelling). Resources whose spec or Secret is unusable, and
     * resources being deleted, claim nothing.
     */
    private TableClaim claim(P resource, Context<P> context, C settings, DatabaseTarget target, BudgetWait wait) {
        // reading which database the target is may wait for the budget (its first pass): the resource shows it
        List<String> keys = TableClaim.keys(settings, pools.identity(target, wait));
        Map<String, P> candidates = new LinkedHashMap<>();
        for (String table : TableClaim.tables(settings)) {
            context.getPrimaryCache().byIndex(TABLE_INDEX, table)
                    .forEach(other -> candidates.putIfAbsent(other.getMetadata().getUid(), other));
        }
        List<TableClaim.Claimant> others = candidates.values().stream()
                .filter(other -> !other.getMetadata().getUid().equals(resource.getMetadata().getUid())
                        && other.getMetadata().getDeletionTimestamp() == null)
                .filter(other -> {
                    try {
                        return TableClaim.overlap(keys, TableClaim.keys(settings(spec(other)),
                                pools.identity(resolve(other), wait)));
                    } catch (InvalidSpecException | ReconcileException e) {
                        return false;
                    }
                })
                .map(TableClaim.Claimant::of)
                .toList();
        return TableClaim.of(TableClaim.Claimant.of(resource), others);
    }

    /**
     * Books a pass now for the other resources of this kind that keep the same table in the same database. Resources
     * keeping a table of the same name in another database are left alone: with many tenant databases a new policy
     * would otherwise wake every tenant's. Where either database cannot be told now, the other is woken (a pass too
     * many is harmless, a claim left stale is not).
     */
    private void wakeOthers(P resource, Context<P> context) {
        Instant now = clock.instant();
        Optional<String> mine = databaseOf(resource);
        for (String table : tableKeys(resource)) {
            context.getPrimaryCache().byIndex(TABLE_INDEX, table).stream()
                    .filter(other -> !other.getMetadata().getUid().equals(resource.getMetadata().getUid()))
                    .filter(other -> mine.isEmpty() || databaseOf(other).map(mine.get()::equals).orElse(true))
                    .forEach(other -> schedule.runAt(kind, ResourceID.fromResource(other), now));
        }
    }

    /** The database {@code resource} keeps its table in, as the server identifies it; empty when it cannot be told. */
    private Optional<String> databaseOf(P resource) {
        try {
            DatabaseTarget target = resolve(resource);
            String identity = pools.identity(target);
            return identity.equals(io.noetl.lifecycle.postgres.DatabaseIdentity.unread(target)) ? Optional.empty()
                    : Optional.of(identity);
        } catch (ReconcileException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The tables a resource's valid spec keeps (its own, its tiers'), for finding rivals without parsing every other. */
    private List<String> tableKeys(P resource) {
        try {
            return TableClaim.tables(settings(spec(resource)));
        } catch (InvalidSpecException | RuntimeException e) {
            return List.of(); // an unusable spec claims nothing
        }
    }

    @Override
    public DeleteControl cleanup(P resource, Context<P> context) {
        // deleting a policy stops maintenance; it never touches the table or its partitions
        schedule.forget(kind, ResourceID.fromResource(resource));
        wakeOthers(resource, context); // one of them may now have the table to itself
        ResourcePools.release(pools, resource);
        metrics.forget(resource);
        events.forget(resource);
        return DeleteControl.defaultDelete();
    }

}
