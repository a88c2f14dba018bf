package io.noetl.lifecycle.metric;

import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PartitionedTableReconciler;
import io.noetl.lifecycle.partition.PassPrelude;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.report.PartitionReport;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.reconcile.MaintenanceSchedule;
import io.noetl.lifecycle.reconcile.PrunedItemStore;
import io.noetl.lifecycle.reconcile.ResourcePages;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.noetl.lifecycle.report.OperatorMetrics;
import io.noetl.lifecycle.report.ResourceEvents;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** MetricRetentionPolicy: time-ranged partitions of a table such as noetl.metric. */
// the informer as every kind's: a pruned cache (PrunedItemStore), filled by pages (ResourcePages)
@ControllerConfiguration(name = MetricRetentionPolicyReconciler.NAME, informer = @Informer(itemStore = PrunedItemStore.class,
        informerListLimit = ResourcePages.LIST_LIMIT))
@Singleton
public class MetricRetentionPolicyReconciler extends PartitionedTableReconciler<MetricRetentionPolicy,
        MetricRetentionPolicySpec, MetricRetentionPolicyStatus, MetricPolicySettings> {
    public static final String NAME = "metricretentionpolicy";
    /** The most connections a pass uses at once ({@link #connections}). */
    public static final int CONNECTIONS_PER_PASS = 2;
    private final OperatorMetrics metrics;
    private final Clock clock;

    public MetricRetentionPolicyReconciler(TargetResolver targets, DatabasePools pools, MaintenanceSchedule schedule,
            ResourceEvents events, OperatorMetrics metrics, OperatorConfig config, Clock clock) {
        super(MetricRetentionPolicy.class, targets, pools, schedule, events, metrics, config, clock);
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    protected MetricPolicySettings settings(MetricRetentionPolicySpec spec) throws InvalidSpecException {
        return MetricPolicySettings.from(spec);
    }

    @Override
    protected MetricRetentionPolicySpec spec(MetricRetentionPolicy resource) {
        return resource.specOrDefaults();
    }

    @Override
    protected Optional<MaintenancePass.Bootstrapper> bootstrapper(MetricPolicySettings settings) {
        return metricTable(settings);
    }

    /** NoETL's metric table as its own schema has it, for {@code bootstrap: IfMissing}. */
    public static Optional<MaintenancePass.Bootstrapper> metricTable(MetricPolicySettings settings) {
        return PolicyPass.bootstrapper(settings, c -> MetricSchema.ensureMetricTable(c, PolicyPass.tableOf(settings)));
    }

    @Override
    protected int connectionsPerPass(MetricPolicySettings settings) {
        return connections(settings);
    }

    /**
     * Two with rollups or an export, one without: the export reads a partition on one connection while it records what
     * it sent on the other, and the rollups keep their tier tables' partitions while they hold their own.
     */
    public static int connections(MetricPolicySettings settings) {
        return settings.export().enabled() || settings.rollups().enabled() ? CONNECTIONS_PER_PASS : 1;
    }

    /** The rollups and the export, with the receiver's credentials from the Secrets the informer holds. */
    @Override
    protected PassPrelude prelude(MetricRetentionPolicy resource, MetricPolicySettings settings) {
        return new MetricHistoryPass(settings, ExportCredentials.of(resource, name -> secret(resource, name)),
                ExportPass.Timing.DEFAULT);
    }

    /** The tiers' part of the status, and their measures; cleared when the spec has no rollups. */
    @Override
    protected void reportPass(MetricRetentionPolicy resource, MetricRetentionPolicyStatus status,
            MetricPolicySettings settings, MaintenancePass.Outcome outcome) {
        MetricHistoryPass.Outcome history = MetricHistoryPass.Outcome.of(outcome);
        RollupReport.report(status, history.rollups());
        ExportReport.report(status, history.export());
        PaceReport.report(status, history, clock.instant());
        // only a pass that writes rolls anything up, and it has just written lastMaintenance
        List<String> rolled = history.rollups().map(r -> r.rolled().stream().map(x -> x.partition()).toList())
                .orElse(List.of());
        if (!rolled.isEmpty() && status.getLastMaintenance() != null) {
            status.getLastMaintenance().setRolledUp(PartitionReport.capped(rolled));
        }
        String table = String.valueOf(resource.specOrDefaults().getTable());
        history.rollups().ifPresentOrElse(r -> metrics.rollupPass(resource, table, RollupReport.measures(r, settings),
                r.durations(), (int) r.findings().stream().filter(f -> f.reason() == Reason.ROLLUP_FAILED).count()),
                () -> metrics.forgetRollups(resource));
        history.export().ifPresentOrElse(e -> metrics.exportPass(resource, table, ExportReport.measures(e, settings)),
                () -> metrics.forgetExport(resource));
        history.rollups().ifPresent(r -> r.pace().filter(p -> p.steps() > 0).ifPresent(p -> metrics.historyPace(
                resource, PaceReport.measures(p, r.wal().bytes()))));
        history.export().ifPresent(e -> e.pace().filter(p -> p.steps() > 0).ifPresent(p -> metrics.historyPace(
                resource, PaceReport.measures(p, 0))));
    }

    /** spec.export.secretRef and caSecretRef: a change to either Secret wakes the policy. */
    @Override
    protected List<String> otherSecrets(MetricRetentionPolicy resource) {
        MetricExport export = resource.specOrDefaults().getExport();
        if (export == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        if (export.getSecretRef() != null && export.getSecretRef().getName() != null) {
            names.add(export.getSecretRef().getName());
        }
        if (export.getCaSecretRef() != null && export.getCaSecretRef().getName() != null) {
            names.add(export.getCaSecretRef().getName());
        }
        return names;
    }

    @Override
    protected MetricRetentionPolicyStatus newStatus() {
        return new MetricRetentionPolicyStatus();
    }
}
