package io.noetl.lifecycle.partition.plan;

import java.time.Instant;
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
        Map<KeyRange, Long> defaultRowsByRange, Optional<Instant> serverTime) {

    public enum State {
        MISSING, NOT_PARTITIONED, UNSUPPORTED_KEY, PARTITIONED
    }

    public static TableSnapshot unusable(String schema, String table, State state, String problem) {
        return builder().schema(schema).table(table).state(state).problem(problem).build();
    }

    /**
     * A builder; set {@code schema} and {@code table}. Defaults: {@link State#PARTITIONED} with no problem, no
     * key column or type, no partitions, no default partition (0 rows, no span, nothing counted), no other relation
     * names. Nothing is checked.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** This snapshot with the default partition's rows counted for some ranges. */
    public TableSnapshot withDefaultRowCounts(Map<KeyRange, Long> counts) {
        return new TableSnapshot(schema, table, state, problem, keyColumn, keyType, partitions, defaultPartition,
                defaultRows, relationNames, defaultSpan, Map.copyOf(counts), serverTime);
    }

    /** This snapshot as read at {@code time} of the database server's clock. */
    public TableSnapshot withServerTime(Instant time) {
        return new TableSnapshot(schema, table, state, problem, keyColumn, keyType, partitions, defaultPartition,
                defaultRows, relationNames, defaultSpan, defaultRowsByRange, Optional.of(time));
    }

    public long totalBytes() {
        return partitions.stream().mapToLong(ObservedPartition::bytes).sum()
                + defaultPartition.map(ObservedPartition::bytes).orElse(0L);
    }

    /**
     * The schema partition {@code name} is in, as the catalog showed it (its own where it was moved out of the
     * parent's); the parent's schema for a name the snapshot does not hold.
     */
    public String schemaOf(String name) {
        return defaultPartition.filter(d -> d.name().equals(name)).or(() -> partitions.stream()
                .filter(p -> p.name().equals(name)).findFirst()).map(p -> p.schemaOr(schema)).orElse(schema);
    }

    public int partitionCount() {
        return partitions.size() + (defaultPartition.isPresent() ? 1 : 0);
    }

    /** Builds a {@link TableSnapshot}; see {@link TableSnapshot#builder()} for the defaults. */
    public static final class Builder {
        private String schema;
        private String table;
        private State state = State.PARTITIONED;
        private String problem;
        private String keyColumn;
        private KeyType keyType;
        private List<ObservedPartition> partitions = List.of();
        private Optional<ObservedPartition> defaultPartition = Optional.empty();
        private long defaultRows;
        private Set<String> relationNames = Set.of();
        private Optional<KeyRange> defaultSpan = Optional.empty();
        private Map<KeyRange, Long> defaultRowsByRange = Map.of();
        private Optional<Instant> serverTime = Optional.empty();

        private Builder() {
        }

        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        public Builder table(String table) {
            this.table = table;
            return this;
        }

        public Builder state(State state) {
            this.state = state;
            return this;
        }

        public Builder problem(String problem) {
            this.problem = problem;
            return this;
        }

        public Builder keyColumn(String keyColumn) {
            this.keyColumn = keyColumn;
            return this;
        }

        public Builder keyType(KeyType keyType) {
            this.keyType = keyType;
            return this;
        }

        public Builder partitions(List<ObservedPartition> partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder defaultPartition(ObservedPartition defaultPartition) {
            this.defaultPartition = Optional.of(defaultPartition);
            return this;
        }

        public Builder defaultRows(long defaultRows) {
            this.defaultRows = defaultRows;
            return this;
        }

        public Builder relationNames(Set<String> relationNames) {
            this.relationNames = relationNames;
            return this;
        }

        public Builder defaultSpan(KeyRange defaultSpan) {
            this.defaultSpan = Optional.of(defaultSpan);
            return this;
        }

        /** The database server's clock when the snapshot was read ({@code now()} in its transaction). */
        public Builder serverTime(Instant serverTime) {
            this.serverTime = Optional.of(serverTime);
            return this;
        }

        public Builder defaultRowsByRange(Map<KeyRange, Long> defaultRowsByRange) {
            this.defaultRowsByRange = defaultRowsByRange;
            return this;
        }

        public TableSnapshot build() {
            return new TableSnapshot(schema, table, state, problem, keyColumn, keyType, partitions, defaultPartition,
                    defaultRows, relationNames, defaultSpan, defaultRowsByRange, serverTime);
        }
    }
}
