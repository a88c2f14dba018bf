package io.noetl.lifecycle.partition.plan;

import io.noetl.lifecycle.api.Bootstrap;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What the shared partition reconcile needs from a kind's parsed spec. */
public interface TablePolicySettings {
    String schema();

    String table();

    String partitionKey();

    /**
     * The tables the policy writes to and retires partitions of, as {@code schema.table}: its own, then any its kind
     * keeps beside it (a MetricRetentionPolicy's rollup tiers).
     */
    default List<String> tables() {
        return List.of(schema() + "." + table());
    }

    Bootstrap bootstrap();

    Duration maintenanceInterval();

    /** {@code spec.retention}; empty when everything is kept. */
    Optional<Duration> specRetention();

    /** {@code spec.maxRetirementsPerPass} or the kind's default; 0 for no limit. */
    int maxRetirementsPerPass();

    /** {@code spec.retentionChangeGrace}, 1h by default; zero lets a shortened retention act at once. */
    Duration retentionChangeGrace();

    /**
     * These settings with a shortened retention held back ({@link RetentionGrace}): the planner expires by the
     * spec's retention but retires only what {@code hold}'s retention in force expires too. Empty: no hold.
     */
    TablePolicySettings withHold(Optional<RetentionGrace.Hold> hold);

    /** The planner's view of this policy at {@code now} for a table whose key has type {@code keyType}. */
    PartitionPlanner.Policy plannerPolicy(KeyType keyType, Instant now);

    /** Whether this policy can manage a key of that type: empty when it can, else why not. */
    Optional<String> unsupportedKey(KeyType keyType);

    /**
     * The retention cutoff over the database server's clock, as SQL in the key units of a {@code keyType} key: a
     * retirement's data proof, under its lock, compares the partition's newest key with it. Empty when the policy
     * keeps everything.
     */
    Optional<String> retentionCutoffSql(KeyType keyType);

    /** When the partition after the one holding {@code now} starts. */
    Instant nextBoundary(KeyType keyType, Instant now);

    /** The instant a key of this policy's table stands for. */
    Instant instantOf(KeyType keyType, long key);

    /** For id keys: the time a key stands for (RFC 3339), or null when keys are times themselves. */
    default String timeOf(long key) {
        return null;
    }
}
