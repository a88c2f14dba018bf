package io.noetl.lifecycle.plan;

/** One step of a maintenance plan, with the reason it exists. Each is applied in a transaction of its own. */
public sealed interface PlannedAction {

    String partition();

    KeyRange range();

    String reason();

    /** The action's name as status and events show it. */
    default String kind() {
        return getClass().getSimpleName();
    }

    /** Create {@code partition} for {@code window} and attach it. */
    record CreatePartition(String partition, Window window, String reason) implements PlannedAction {
        @Override
        public KeyRange range() {
            return window.range();
        }
    }

    /** Drop an expired partition. */
    record DropPartition(String partition, KeyRange range, String reason) implements PlannedAction {
    }

    /** Detach an expired partition and move it to {@code archiveSchema}. */
    record DetachPartition(String partition, KeyRange range, String archiveSchema, String reason)
            implements PlannedAction {
    }
}
