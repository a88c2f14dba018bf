package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.PartitionedTableSpec;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.PartitionPlanner;
import io.noetl.lifecycle.plan.TablePolicySettings;
import io.noetl.lifecycle.plan.TableSnapshot;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.report.Conditions;
import io.noetl.lifecycle.report.DegradedFindings;
import io.noetl.lifecycle.report.PartitionReport;
import io.noetl.lifecycle.report.ResourceEvents;
import io.noetl.lifecycle.report.StatusDiff;
import java.time.Clock;
import java.time.Instant;
import io.noetl.lifecycle.plan.Coverage;
import io.noetl.lifecycle.plan.Plan;
import io.noetl.lifecycle.postgres.PartitionExecutor;
import io.noetl.lifecycle.report.OperatorMetrics;
import java.util.Optional;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The reconcile both partition-keeping kinds share: parse the spec, resolve the database, run one
 * {@link MaintenancePass} (observe, plan, apply unless suspended or dry-run, observe again), report, and book
 * the next pass. A kind supplies its settings parser and its status extras; planning checks and bootstrap are
 * {@link PolicyPass}'s, shared with the HTTP endpoints and the command line.
 */
public abstract class PartitionedTableReconciler<P extends CustomResource<S, T>, S extends PartitionedTableSpec,
        T extends PartitionedTableStatus, C extends TablePolicySettings> implements Reconciler<P>, Cleaner<P> {

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
    private volatile InformerEventSource<Secret, P> secrets;

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

    @Override
    public List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> context) {
        context.getPrimaryCache().addIndexer(TABLE_INDEX, this::tableKeys);
        secrets = SecretReferences.informer(context, kind, p -> spec(p).getDatabase());
        return List.of(secrets, schedule.eventSourceFor(kind));
    }

    @Override
    public UpdateControl<P> reconcile(P resource, Context<P> context) {
        Instant now = clock.instant();
        T status = resource.getStatus() == null ? newStatus() : resource.getStatus();
        String before = StatusDiff.fingerprint(status);
        long generation = resource.getMetadata().getGeneration() == null ? 0 : resource.getMetadata().getGeneration();
        ResourceID id = ResourceID.fromResource(resource);
        try {
            maintain(resource, context, settings(spec(resource)), status, generation, now);
        } catch (InvalidSpecException e) {
            failed(resource, status, e.reason(), e.getMessage(), generation, now);
            schedule.forget(kind, id);
            status.setNextMaintenanceAt(null);
        } catch (ReconcileException e) {
            failed(resource, status, e.reason(), e.getMessage(), generation, now);
            Instant retry = now.plus(config.maintenance().retryAfterFailure());
            schedule.runAt(kind, id, retry);
            status.setNextMaintenanceAt(retry.toString());
        }
        status.setObservedGeneration(generation);
        resource.setStatus(status);
        return StatusDiff.changed(before, status) ? StatusPatch.of(resource, status) : UpdateControl.noUpdate();
    }

    private void maintain(P resource, Context<P> context, C settings, T status, long generation, Instant now)
            throws ReconcileException {
        S spec = spec(resource);
        DatabaseTarget target = resolve(resource);
        List<P> rivals = rivals(resource, context, settings, target);
        boolean claimant = rivals.isEmpty() || isOldest(resource, rivals);
        DataSource dataSource = ResourcePools.acquire(pools, resource, target);
        TableName table = PolicyPass.tableOf(settings);
        Mode mode = Mode.of(spec);
        boolean apply = mode.writes() && claimant;
        // while another policy claims the table, nothing is retired: creating is safe
        UnaryOperator<Plan> narrow = rivals.isEmpty() ? UnaryOperator.identity() : Plan::withoutRetirements;
        MaintenancePass.Outcome outcome = PolicyPass.run(dataSource, target, settings,
                PolicyPass.bootstrapper(settings), narrow, LockPolicy.from(config.ddl()), clock, now, apply);

        TableSnapshot after = outcome.after();
        PartitionPlanner.Policy observed = PolicyPass.plannerPolicy(settings, after, now);
        Coverage coverage = PolicyPass.observed(status, settings, after, observed);
        PartitionReport.planned(status, apply ? null : outcome.plan(), after.keyType());
        reportExtras(status, settings, after, observed);
        if (outcome.bootstrapped()) {
            events.normal(resource, "Bootstrapped", "created " + table + " and the objects NoETL's schema describes");
        }
        if (apply) {
            status.setLastMaintenance(PartitionReport.record(outcome.startedAt(), outcome.finishedAt(),
                    outcome.result().orElse(null)));
        }
        outcome.result().ifPresent(result -> result.applied()
                .forEach(a -> events.normal(resource, a.kind(), a.partition() + ": " + a.reason())));

        Optional<Long> coveredUntil = coverage.coveredUntil();
        metrics.partitionPass(resource, tableLabel(resource), OperatorMetrics.PassMeasures.builder().status(status)
                .coveredUntil(coveredUntil.map(k -> settings.instantOf(after.keyType(), k))).now(now)
                .applied(outcome.result().map(PartitionExecutor.Result::applied).orElse(List.of()))
                .rowsMoved(outcome.result().map(PartitionExecutor.Result::rowsMoved).orElse(0L))
                .succeeded(outcome.failure().isEmpty()).took(outcome.took()).build());
        Instant next = nextMaintenance(settings, after, now);
        if (outcome.failure().isPresent()) {
            var failure = outcome.failure().get();
            failed(resource, status, failure.cause().reason(), failure.describe(), generation, now);
            next = now.plus(config.maintenance().retryAfterFailure());
        } else {
            String summary = after.partitionCount() + " partitions, covered until "
                    + (status.getCoveredUntil() == null ? "nothing" : status.getCoveredUntil());
            int pending = outcome.plan().actions().size();
            if (!rivals.isEmpty()) {
                String message = DegradedFindings.conflictingPolicy(rivals.stream()
                        .map(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()).toList(),
                        claimant ? "; this one, the oldest, only creates partitions and retires none"
                                : "; the oldest of them acts and this one changes nothing").message();
                if (claimant) {
                    Conditions.markReady(status, Reason.MAINTAINED, summary, generation, now);
                } else {
                    Conditions.markNotReady(status, Reason.CONFLICTING_POLICY, message, generation, now);
                }
                Conditions.markDegraded(status, Reason.CONFLICTING_POLICY, message, generation, now);
            } else {
                if (mode == Mode.SUSPEND) {
                    Conditions.markReady(status, Reason.SUSPENDED, "suspended: observing only; " + pending
                            + " actions pending; " + summary, generation, now);
                } else if (mode == Mode.DRY_RUN) {
                    Conditions.markReady(status, Reason.DRY_RUN, "dry run: " + pending + " actions planned, none "
                            + "applied; " + summary, generation, now);
                } else {
                    Conditions.markReady(status, Reason.MAINTAINED, summary, generation, now);
                }
                DegradedFindings.report(status, outcome.plan().findings(), after.defaultRows(), generation, now);
            }
        }
        schedule.runAt(kind, ResourceID.fromResource(resource), next);
        status.setNextMaintenanceAt(next.toString());
    }

    /** Reports a failure on the resource: not ready and degraded for {@code reason}, a warning, the metric. */
    private void failed(P resource, T status, Reason reason, String message, long generation, Instant now) {
        Conditions.markNotReady(status, reason, message, generation, now);
        Conditions.markDegraded(status, reason, message, generation, now);
        events.warning(resource, reason.code(), message);
        metrics.failure(resource, tableLabel(resource), reason);
    }

    /** The table label of the resource's series: spec.table as written, the same whether the pass worked or not. */
    private String tableLabel(P resource) {
        return String.valueOf(spec(resource).getTable());
    }

    private DatabaseTarget resolve(P resource) throws ReconcileException {
        return targets.resolve(resource, spec(resource).getDatabase(),
                name -> secrets.get(new ResourceID(name, resource.getMetadata().getNamespace())));
    }

    /**
     * Other resources of this kind that keep the same table in the same database (same host, port and
     * database, whatever the credentials). Resources whose spec or Secret is unusable claim nothing.
     */
    private List<P> rivals(P resource, Context<P> context, C settings, DatabaseTarget target) {
        String claim = PolicyPass.claim(settings, target);
        return context.getPrimaryCache().byIndex(TABLE_INDEX, PolicyPass.tableOf(settings).toString()).stream()
                .filter(other -> !other.getMetadata().getUid().equals(resource.getMetadata().getUid())
                        && other.getMetadata().getDeletionTimestamp() == null)
                .filter(other -> {
                    try {
                        return PolicyPass.claim(settings(spec(other)), resolve(other)).equals(claim);
                    } catch (InvalidSpecException | ReconcileException e) {
                        return false;
                    }
                })
                .toList();
    }

    /** The table a resource's valid spec keeps, for finding rivals without parsing every other resource. */
    private List<String> tableKeys(P resource) {
        try {
            return List.of(PolicyPass.tableOf(settings(spec(resource))).toString());
        } catch (InvalidSpecException | RuntimeException e) {
            return List.of(); // an unusable spec claims nothing
        }
    }

    /** The oldest claimant acts: by creation time, then namespace and name. */
    private boolean isOldest(P resource, List<P> rivals) {
        Comparator<P> age = Comparator.comparing((P p) -> p.getMetadata().getCreationTimestamp() == null ? ""
                : p.getMetadata().getCreationTimestamp())
                .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
        return rivals.stream().allMatch(r -> age.compare(resource, r) < 0);
    }

    /** The next periodic run, or just after the next partition boundary if that comes first. */
    private Instant nextMaintenance(C settings, TableSnapshot snapshot, Instant now) {
        Instant periodic = now.plus(settings.maintenanceInterval());
        Instant boundary = settings.nextBoundary(snapshot.keyType(), now).plus(config.maintenance().afterBoundary());
        return boundary.isBefore(periodic) ? boundary : periodic;
    }

    @Override
    public DeleteControl cleanup(P resource, Context<P> context) {
        // deleting a policy stops maintenance; it never touches the table or its partitions
        schedule.forget(kind, ResourceID.fromResource(resource));
        ResourcePools.release(pools, resource);
        metrics.forget(resource);
        events.forget(resource);
        return DeleteControl.defaultDelete();
    }

}
