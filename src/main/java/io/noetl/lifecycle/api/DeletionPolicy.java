package io.noetl.lifecycle.api;

/** What deleting a RuntimeComponent does to its registry row. */
public enum DeletionPolicy {
    MarkOffline, Retain,
    /**
     * Removes the row, only if this resource inserted it and no metric row references it; otherwise the row is marked
     * offline and kept, and an Event says why.
     */
    Delete,
    /**
     * Removes the row this resource inserted, and with it, through the metric table's {@code ON DELETE CASCADE}, every
     * metric row that references it.
     */
    DeleteWithMetrics
}
