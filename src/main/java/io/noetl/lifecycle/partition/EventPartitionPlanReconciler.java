package io.noetl.lifecycle.partition;

import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.EventPartitionPlan;
import io.noetl.lifecycle.api.EventPartitionPlanSpec;
import io.noetl.lifecycle.api.EventPartitionPlanStatus;
import io.noetl.lifecycle.api.EventWindowStatus;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.SeedSchema;
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
import java.util.Comparator;
import java.util.Optional;

/** EventPartitionPlan: id-ranged partitions of a table such as noetl.event, by calendar window. */
// the informer as every kind's: a pruned cache (PrunedItemStore), filled by pages (ResourcePages)
@ControllerConfiguration(name = EventPartitionPlanReconciler.NAME, informer = @Informer(itemStore = PrunedItemStore.class,
        informerListLimit = ResourcePages.LIST_LIMIT))
@Singleton
public class EventPartitionPlanReconciler extends PartitionedTableReconciler<EventPartitionPlan,
        EventPartitionPlanSpec, EventPartitionPlanStatus, EventPlanSettings> {
    public static final String NAME = "eventpartitionplan";

    public EventPartitionPlanReconciler(TargetResolver targets, DatabasePools pools, MaintenanceSchedule schedule,
            ResourceEvents events, OperatorMetrics metrics, OperatorConfig config, Clock clock) {
        super(EventPartitionPlan.class, targets, pools, schedule, events, metrics, config, clock);
    }

    @Override
    protected EventPlanSettings settings(EventPartitionPlanSpec spec) throws InvalidSpecException {
        return EventPlanSettings.from(spec);
    }

    @Override
    protected EventPartitionPlanSpec spec(EventPartitionPlan resource) {
        return resource.specOrDefaults();
    }

    @Override
    protected Optional<MaintenancePass.Bootstrapper> bootstrapper(EventPlanSettings settings) {
        return eventTable(settings);
    }

    /** The event table of seed 001 with its default partition and DBA helpers, for {@code bootstrap: IfMissing}. */
    public static Optional<MaintenancePass.Bootstrapper> eventTable(EventPlanSettings settings) {
        return PolicyPass.bootstrapper(settings, c -> SeedSchema.ensureEventTable(c, PolicyPass.tableOf(settings),
                settings.defaultPartition(), settings.layout()));
    }

    @Override
    protected EventPartitionPlanStatus newStatus() {
        return new EventPartitionPlanStatus();
    }

    /** The managed windows, newest first, with their id and time ranges, estimated rows and bytes. */
    @Override
    protected void reportExtras(EventPartitionPlanStatus status, EventPlanSettings settings, TableSnapshot after,
            PartitionPlanner.Policy policy) {
        status.setWindows(after.partitions().stream()
                .filter(p -> PartitionPlanner.classify(policy, p).isEmpty())
                .sorted(Comparator.comparing((ObservedPartition p) -> p.range().from()).reversed())
                .limit(PartitionedTableStatus.LIST_CAP)
                .map(p -> {
                    EventWindowStatus w = new EventWindowStatus();
                    w.setName(p.name());
                    w.setFromId(Long.toString(p.range().from()));
                    w.setToId(Long.toString(p.range().to()));
                    w.setFrom(settings.timeOf(p.range().from()));
                    w.setTo(settings.timeOf(p.range().to()));
                    w.setRows(p.estimatedRows());
                    w.setBytes(p.bytes());
                    return w;
                })
                .toList());
    }
}
