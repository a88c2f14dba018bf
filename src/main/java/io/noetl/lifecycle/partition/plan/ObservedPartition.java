package io.noetl.lifecycle.partition.plan;

/**
 * A partition as the catalog shows it. {@code range} is null for the default partition. {@code estimatedRows}
 * is {@code pg_class.reltuples} (-1 before the first ANALYZE). {@code schema} is the partition's own schema where it
 * is not its parent's (a partition moved with {@code ALTER TABLE … SET SCHEMA}), else null.
 */
public record ObservedPartition(String name, KeyRange range, boolean isDefault, long bytes, long estimatedRows,
        String schema) {

    /** A partition in its parent's schema. */
    public ObservedPartition(String name, KeyRange range, boolean isDefault, long bytes, long estimatedRows) {
        this(name, range, isDefault, bytes, estimatedRows, null);
    }

    /** The schema the partition is in: its own, or {@code parentSchema}. */
    public String schemaOr(String parentSchema) {
        return schema == null ? parentSchema : schema;
    }

    public static ObservedPartition ranged(String name, Long from, Long to) {
        return new ObservedPartition(name, new KeyRange(from, to), false, 0, 0);
    }
}
