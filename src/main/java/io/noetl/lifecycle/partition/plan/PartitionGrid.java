package io.noetl.lifecycle.partition.plan;

/**
 * The regular cells a policy partitions its key into: calendar intervals for time keys, calendar windows mapped
 * to id ranges for Snowflake ids. All positions are in key units (see {@link KeyRange}).
 */
public interface PartitionGrid {

    /** The cell holding {@code key}. */
    Window windowContaining(long key);

    /** The cell that starts where {@code w} ends. */
    default Window next(Window w) {
        return windowContaining(w.to());
    }

    /** The cell that ends where {@code w} starts. */
    default Window previous(Window w) {
        return windowContaining(w.from() - 1);
    }

    /** Whether a cell starts exactly at {@code key}. */
    default boolean isBoundary(long key) {
        return windowContaining(key).from() == key;
    }

    /** The canonical partition name of a cell, for a parent table named {@code tableName}. */
    String partitionName(String tableName, Window w);

    /** For an id grid: the time a key stands for (RFC 3339), or null; null for grids of time keys. */
    default String timeOf(long key) {
        return null;
    }
}
