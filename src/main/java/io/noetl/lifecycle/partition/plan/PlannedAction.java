package io.noetl.lifecycle.partition.plan;

import java.util.List;

/** One step of a maintenance plan, with the reason it exists. Each is applied in a transaction of its own. */
public sealed interface PlannedAction {

    String partition();

    KeyRange range();

    String reason();

    /** The action's name as status and events show it. */
    default String kind() {
        return getClass().getSimpleName();
    }

    /** Whether the action takes a partition away (drop or detach) rather than making one. */
    default boolean retires() {
        return false;
    }

    /** Create {@code partition} for {@code window} and attach it. */
    record CreatePartition(String partition, Window window, String reason) implements PlannedAction {
        @Override
        public KeyRange range() {
            return window.range();
        }
    }

    /**
     * Create {@code partition} for {@code window} and move into it the rows the default partition holds for
     * that range, checked by row counts, in one transaction. {@code rows} is the count observed when planning
     * (null until counted); the executor counts again under the lock.
     */
    record MoveDefaultRows(String partition, Window window, Long rows, String defaultPartition, String reason)
            implements PlannedAction {
        @Override
        public KeyRange range() {
            return window.range();
        }
    }

    /** Create the default partition, which catches rows outside every range. */
    record CreateDefaultPartition(String partition, String reason) implements PlannedAction {
        @Override
        public KeyRange range() {
            return new KeyRange(null, null);
        }
    }

    /**
     * Roll the closed raw partition {@code partition} into the tier tables {@code tiers} (those the ledger does not
     * have it in yet), in one transaction with their ledger rows. Not a change to the raw table: the executor never
     * receives it; it is planned and shown beside the raw table's actions.
     */
    record RollupPartition(String partition, KeyRange range, List<String> tiers, String reason)
            implements PlannedAction {
        public RollupPartition {
            tiers = List.copyOf(tiers);
        }
    }

    /**
     * Send the closed raw partition {@code partition} to the receiver {@code target} of {@code spec.export}, from the
     * last batch the export ledger shows acknowledged, then have the receiver count it. Not a change to the raw
     * table: the executor never receives it; it is planned and shown beside the raw table's actions.
     */
    record ExportPartition(String partition, KeyRange range, String target, String reason) implements PlannedAction {
    }

    /** Drop an expired partition. */
    record DropPartition(String partition, KeyRange range, String reason) implements PlannedAction {
        @Override
        public boolean retires() {
            return true;
        }
    }

    /** Detach an expired partition and move it to {@code archiveSchema}. */
    record DetachPartition(String partition, KeyRange range, String archiveSchema, String reason)
            implements PlannedAction {
        @Override
        public boolean retires() {
            return true;
        }
    }
}
