package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import java.util.List;

/**
 * Roll the closed raw partition {@code partition} into the tier tables {@code tiers} (those the ledger does not have it
 * in yet), in one transaction with their ledger rows. Not a change to the raw table: the executor never receives it;
 * it is planned and shown beside the raw table's actions.
 */
public record RollupPartition(String partition, KeyRange range, List<String> tiers, String reason)
        implements PlannedAction {
    public RollupPartition {
        tiers = List.copyOf(tiers);
    }
}
