package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.PlannedAction;

/**
 * Send the closed raw partition {@code partition} to the receiver {@code target} of {@code spec.export}, from the last
 * batch the export ledger shows acknowledged, then have the receiver count it. Not a change to the raw table: the
 * executor never receives it; it is planned and shown beside the raw table's actions.
 */
public record ExportPartition(String partition, KeyRange range, String target, String reason)
        implements PlannedAction {
}
