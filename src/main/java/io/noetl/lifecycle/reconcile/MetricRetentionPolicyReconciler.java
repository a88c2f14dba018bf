package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.MetricPolicySettings;
import io.noetl.lifecycle.plan.PartitionPlanner;
import io.noetl.lifecycle.plan.TableSnapshot;
import io.noetl.lifecycle.plan.TimeGrid;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.SeedSchema;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.report.Conditions;
import io.noetl.lifecycle.report.PartitionReport;
import io.noetl.lifecycle.report.ResourceEvents;
import io.noetl.lifecycle.report.DegradedFindings;
import io.noetl.lifecycle.report.StatusDiff;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/** MetricRetentionPolicy: observe the table, plan, apply, report. */
@ControllerConfiguration(name = MetricRetentionPolicyReconciler.NAME)
public class MetricRetentionPolicyReconciler
        implements Reconciler<MetricRetentionPolicy>, Cleaner<MetricRetentionPolicy> {
    public static final String NAME = "metricretentionpolicy";

    private final TargetResolver targets;
    private final DatabasePools pools;
    private final MaintenanceSchedule schedule;
    private final ResourceEvents events;
    private final OperatorConfig config;
    private final Clock clock;
    private volatile InformerEventSource<Secret, MetricRetentionPolicy> secrets;

    public MetricRetentionPolicyReconciler(TargetResolver targets, DatabasePools pools, MaintenanceSchedule schedule,
            ResourceEvents events, OperatorConfig config, Clock clock) {
        this.targets = targets;
        this.pools = pools;
        this.schedule = schedule;
        this.events = events;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, MetricRetentionPolicy>> prepareEventSources(
            EventSourceContext<MetricRetentionPolicy> context) {
        secrets = new InformerEventSource<>(InformerEventSourceConfiguration
                .from(Secret.class, MetricRetentionPolicy.class)
                .withSecondaryToPrimaryMapper(SecretReferences.mapper(context, p -> p.getSpec().getDatabase()))
                .withNamespacesInheritedFromController()
                .build(), context);
        return List.of(secrets, schedule.eventSourceFor(MetricRetentionPolicy.class));
    }

    @Override
    public UpdateControl<MetricRetentionPolicy> reconcile(MetricRetentionPolicy policy,
            Context<MetricRetentionPolicy> context) {
        Instant now = clock.instant();
        MetricRetentionPolicyStatus status = policy.getStatus() == null ? new MetricRetentionPolicyStatus()
                : policy.getStatus();
        String before = StatusDiff.fingerprint(status);
        long generation = policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration();
        ResourceID id = ResourceID.fromResource(policy);
        try {
            MetricPolicySettings settings = MetricPolicySettings.from(policy.getSpec());
            maintain(policy, settings, status, generation, now);
        } catch (InvalidSpecException e) {
            Conditions.markNotReady(status, "InvalidSpec", e.getMessage(), generation, now);
            Conditions.markDegraded(status, "InvalidSpec", e.getMessage(), generation, now);
            events.warning(policy, "InvalidSpec", e.getMessage());
            schedule.forget(MetricRetentionPolicy.class, id);
            status.setNextMaintenanceAt(null);
        } catch (ReconcileException e) {
            Conditions.markNotReady(status, e.reason(), e.getMessage(), generation, now);
            Conditions.markDegraded(status, e.reason(), e.getMessage(), generation, now);
            events.warning(policy, e.reason(), e.getMessage());
            Instant retry = now.plus(config.maintenance().retryAfterFailure());
            schedule.runAt(MetricRetentionPolicy.class, id, retry);
            status.setNextMaintenanceAt(retry.toString());
        }
        status.setObservedGeneration(generation);
        policy.setStatus(status);
        return StatusDiff.changed(before, status) ? UpdateControl.patchStatus(policy) : UpdateControl.noUpdate();
    }

    private void maintain(MetricRetentionPolicy policy, MetricPolicySettings settings,
            MetricRetentionPolicyStatus status, long generation, Instant now) throws ReconcileException {
        DatabaseTarget target = targets.resolve(policy, policy.getSpec().getDatabase(),
                name -> secrets.get(new ResourceID(name, policy.getMetadata().getNamespace())));
        DataSource dataSource;
        try {
            dataSource = pools.acquire(owner(policy), target);
        } catch (SQLException e) {
            throw new ReconcileException("DatabaseUnreachable", target.redact(e.getMessage()));
        }
        TableName table = new TableName(settings.schema(), settings.table());
        boolean apply = !policy.getSpec().isSuspend() && !policy.getSpec().isDryRun();
        MaintenancePass.Outcome outcome = new MaintenancePass(dataSource, target, table, LockPolicy.from(config.ddl()), clock).run(
                settings.bootstrap() == Bootstrap.IfMissing ? c -> SeedSchema.ensureMetricTable(c, table) : null,
                snapshot -> PartitionPlanner.plan(plannerPolicy(settings, snapshot, now), snapshot),
                apply);

        TableSnapshot after = outcome.after();
        PartitionPlanner.Policy observed = plannerPolicy(settings, after, now);
        PartitionReport.observed(status, after, observed.now(), p -> PartitionPlanner.classify(observed, p));
        PartitionReport.planned(status, apply ? null : outcome.plan(), after.keyType());
        if (outcome.bootstrapped()) {
            events.normal(policy, "Bootstrapped", "created " + table + " and the objects NoETL's schema describes");
        }
        outcome.result().ifPresent(result -> {
            status.setLastMaintenance(PartitionReport.record(outcome.startedAt(), outcome.finishedAt(), result));
            result.applied().forEach(a -> events.normal(policy, a.kind(), a.partition() + ": " + a.reason()));
        });
        if (apply && outcome.result().isEmpty()) {
            status.setLastMaintenance(PartitionReport.record(outcome.startedAt(), outcome.finishedAt(), null));
        }

        Instant next = nextMaintenance(settings, after, now);
        if (outcome.failure().isPresent()) {
            var failure = outcome.failure().get();
            String message = (failure.action() == null ? "" : failure.action().kind() + " "
                    + failure.action().partition() + ": ") + failure.cause().message();
            Conditions.markNotReady(status, failure.cause().reason(), message, generation, now);
            Conditions.markDegraded(status, failure.cause().reason(), message, generation, now);
            events.warning(policy, failure.cause().reason(), message);
            next = now.plus(config.maintenance().retryAfterFailure());
        } else {
            String summary = after.partitionCount() + " partitions, covered until "
                    + (status.getCoveredUntil() == null ? "nothing" : status.getCoveredUntil());
            if (policy.getSpec().isSuspend()) {
                Conditions.markReady(status, "Suspended", "suspended: observing only; "
                        + outcome.plan().actions().size() + " actions pending; " + summary, generation, now);
            } else if (policy.getSpec().isDryRun()) {
                Conditions.markReady(status, "DryRun", "dry run: " + outcome.plan().actions().size()
                        + " actions planned, none applied; " + summary, generation, now);
            } else {
                Conditions.markReady(status, "Maintained", summary, generation, now);
            }
            DegradedFindings.report(status, outcome.plan().findings(), after.defaultRows(), generation, now);
        }
        schedule.runAt(MetricRetentionPolicy.class, ResourceID.fromResource(policy), next);
        status.setNextMaintenanceAt(next.toString());
    }

    private static PartitionPlanner.Policy plannerPolicy(MetricPolicySettings settings, TableSnapshot snapshot,
            Instant now) throws ReconcileException {
        if (!settings.partitionKey().equals(snapshot.keyColumn())) {
            throw new ReconcileException("PartitionKeyMismatch", snapshot.schema() + "." + snapshot.table()
                    + " is partitioned on " + snapshot.keyColumn() + ", not on spec.partitionKey "
                    + settings.partitionKey());
        }
        if (!snapshot.keyType().isTime()) {
            throw new ReconcileException("PartitionKeyMismatch", "partition key " + snapshot.keyColumn()
                    + " is " + snapshot.keyType() + "; a MetricRetentionPolicy needs a time key");
        }
        try {
            return settings.plannerPolicy(snapshot.keyType(), now);
        } catch (IllegalArgumentException e) {
            throw new ReconcileException("InvalidSpec", "spec.interval: " + e.getMessage());
        }
    }

    /** The next periodic run, or just after the next interval boundary if that comes first. */
    private Instant nextMaintenance(MetricPolicySettings settings, TableSnapshot snapshot, Instant now) {
        Instant periodic = now.plus(settings.maintenanceInterval());
        TimeGrid grid = new TimeGrid(settings.interval(), settings.zone(), snapshot.keyType());
        Instant boundary = grid.instantOf(grid.next(grid.windowContaining(grid.keyOf(now))).from())
                .plus(config.maintenance().afterBoundary());
        return boundary.isBefore(periodic) ? boundary : periodic;
    }

    @Override
    public DeleteControl cleanup(MetricRetentionPolicy policy, Context<MetricRetentionPolicy> context) {
        // deleting a policy stops maintenance; it never touches the table or its partitions
        schedule.forget(MetricRetentionPolicy.class, ResourceID.fromResource(policy));
        pools.release(owner(policy));
        return DeleteControl.defaultDelete();
    }

    private static String owner(MetricRetentionPolicy policy) {
        return "MetricRetentionPolicy/" + policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
    }
}
