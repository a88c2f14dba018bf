package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * A partitioned table as the rollup and export planners see it: what the catalog showed of it, the planner's policy
 * for it (which partitions are managed), and the settings that turn its keys into instants.
 */
public record ObservedTable(TableSnapshot snapshot, PartitionPlanner.Policy policy, TablePolicySettings settings) {

    /** The managed partitions ({@link PartitionPlanner#classify}), the default one left out, oldest first. */
    public List<ObservedPartition> managed() {
        return snapshot.partitions().stream()
                .filter(p -> !p.isDefault() && PartitionPlanner.classify(policy, p).isEmpty())
                .sorted(Comparator.comparing(p -> p.range().from() == null ? Long.MIN_VALUE : p.range().from()))
                .toList();
    }

    /** The instant a partition's lower bound stands for. */
    public Instant lowerOf(ObservedPartition p) {
        return settings.instantOf(snapshot.keyType(), p.range().from());
    }

    /** The instant a partition's upper bound stands for. */
    public Instant upperOf(ObservedPartition p) {
        return settings.instantOf(snapshot.keyType(), p.range().to());
    }
}
