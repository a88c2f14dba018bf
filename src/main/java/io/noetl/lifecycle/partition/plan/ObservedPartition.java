package io.noetl.lifecycle.partition.plan;

/**
 * A partition as the catalog shows it. {@code range} is null for the default partition. {@code estimatedRows}
 * is {@code pg_class.reltuples} (-1 before the first ANALYZE).
 */
public record ObservedPartition(String name, KeyRange range, boolean isDefault, long bytes, long estimatedRows) {

    public static ObservedPartition ranged(String name, Long from, Long to) {
        return new ObservedPartition(name, new KeyRange(from, to), false, 0, 0);
    }
}
