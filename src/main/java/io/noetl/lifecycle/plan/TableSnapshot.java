package io.noetl.lifecycle.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One observation of a partitioned table, taken from the catalog in one go.
 *
 * @param state whether the table exists and is partitioned the way the operator manages
 * @param problem what is wrong when {@code state} is not {@link State#PARTITIONED}, in words
 * @param keyColumn the single RANGE partition key column
 * @param partitions the ranged partitions (not the default one)
 * @param defaultPartition the default partition, if any
 * @param defaultRows rows currently in the default partition
 * @param relationNames relation names in the table's schema that start with the table's name, for choosing
 *     partition names that are free
 * @param defaultSpan lowest and highest key in the default partition (to exclusive), empty when it holds none
 * @param defaultRowsByRange rows of the default partition counted per range, for the ranges the planner asked
 *     about (see {@link Plan#uncountedRanges()})
 */
public record TableSnapshot(String schema, String table, State state, String problem, String keyColumn,
        KeyType keyType, List<ObservedPartition> partitions, Optional<ObservedPartition> defaultPartition,
        long defaultRows, Set<String> relationNames, Optional<KeyRange> defaultSpan,
        Map<KeyRange, Long> defaultRowsByRange) {

    public enum State {
        MISSING, NOT_PARTITIONED, UNSUPPORTED_KEY, PARTITIONED
    }

    public static TableSnapshot unusable(String schema, String table, State state, String problem) {
        return new TableSnapshot(schema, table, state, problem, null, null, List.of(), Optional.empty(), 0,
                Set.of(), Optional.empty(), Map.of());
    }

    /** This snapshot with the default partition's rows counted for some ranges. */
    public TableSnapshot withDefaultRowCounts(Map<KeyRange, Long> counts) {
        return new TableSnapshot(schema, table, state, problem, keyColumn, keyType, partitions, defaultPartition,
                defaultRows, relationNames, defaultSpan, Map.copyOf(counts));
    }

    public long totalBytes() {
        return partitions.stream().mapToLong(ObservedPartition::bytes).sum()
                + defaultPartition.map(ObservedPartition::bytes).orElse(0L);
    }

    public int partitionCount() {
        return partitions.size() + (defaultPartition.isPresent() ? 1 : 0);
    }
}
