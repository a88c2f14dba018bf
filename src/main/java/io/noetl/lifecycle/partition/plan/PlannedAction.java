package io.noetl.lifecycle.partition.plan;

/**
 * One step of a maintenance plan, with the reason it exists. Each is applied in a transaction of its own. The steps on
 * the table are these records, which the executor applies; a kind may plan steps of its own, done before the table's
 * (the metric kind's {@code RollupPartition} and {@code ExportPartition}), which are shown beside them and never
 * reach the executor.
 */
public interface PlannedAction {

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
