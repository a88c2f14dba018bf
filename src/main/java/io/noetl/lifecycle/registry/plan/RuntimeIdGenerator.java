package io.noetl.lifecycle.registry.plan;

import io.noetl.lifecycle.plan.SnowflakeId;
/**
 * Makes {@link SnowflakeId}s for registry rows when the database has no {@code noetl.snowflake_id()}. Ids from one
 * generator are unique and increasing: a clock that steps back keeps the last millisecond, and a millisecond
 * whose 2^18 sequence numbers are used up borrows the next one. The shard keeps them apart from the ids NoETL
 * itself makes with another shard number.
 */
public final class RuntimeIdGenerator {
    private final int shard;
    private long lastMillis = -1;
    private int sequence;

    public RuntimeIdGenerator(int shard) {
        if (shard < 0 || shard > SnowflakeId.MAX_SHARD) {
            throw new IllegalArgumentException("shard " + shard + " is outside 0.." + SnowflakeId.MAX_SHARD);
        }
        this.shard = shard;
    }

    /** The next id, given the current time in milliseconds since {@link SnowflakeId#EPOCH}. */
    public synchronized long next(long millisSinceEpoch) {
        if (millisSinceEpoch > lastMillis) {
            lastMillis = millisSinceEpoch;
            sequence = 0;
        } else if (sequence == SnowflakeId.MAX_SEQUENCE) {
            lastMillis++;
            sequence = 0;
        } else {
            sequence++;
        }
        return SnowflakeId.compose(lastMillis, shard, sequence);
    }
}
