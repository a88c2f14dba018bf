package io.noetl.lifecycle.plan;

import java.time.Instant;

/**
 * The low bits of NoETL's Snowflake-style ids (seed 001), for making ids: {@code ((ms - epoch) << 23) | (shard << 18)
 * | seq}, with the time part as {@link SnowflakeLayout#NOETL} reads it.
 * The 41 bits above bit 22 hold milliseconds since the epoch, then 5 bits of shard (0..31) and 18 bits of
 * sequence (0..262143) within a millisecond. Ids therefore grow with wall-clock time, which is what lets
 * {@code noetl.event} be partitioned by id ranges.
 */
public final class SnowflakeId {
    public static final Instant EPOCH = SnowflakeLayout.NOETL.epoch();
    public static final int TIMESTAMP_SHIFT = SnowflakeLayout.NOETL.shift();
    public static final int SHARD_SHIFT = 18;
    public static final int SHARD_BITS = TIMESTAMP_SHIFT - SHARD_SHIFT;
    public static final int MAX_SHARD = (1 << SHARD_BITS) - 1;
    public static final int MAX_SEQUENCE = (1 << SHARD_SHIFT) - 1;
    /** The last millisecond (since {@link #EPOCH}) whose ids stay positive. */
    public static final long MAX_MILLIS = Long.MAX_VALUE >>> TIMESTAMP_SHIFT;

    private SnowflakeId() {
    }

    public static long compose(long millisSinceEpoch, int shard, int sequence) {
        if (millisSinceEpoch < 0 || millisSinceEpoch > MAX_MILLIS) {
            throw new IllegalArgumentException("time " + millisSinceEpoch + " ms is outside the id layout");
        }
        if (shard < 0 || shard > MAX_SHARD) {
            throw new IllegalArgumentException("shard " + shard + " is outside 0.." + MAX_SHARD);
        }
        if (sequence < 0 || sequence > MAX_SEQUENCE) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside 0.." + MAX_SEQUENCE);
        }
        return (millisSinceEpoch << TIMESTAMP_SHIFT) | ((long) shard << SHARD_SHIFT) | sequence;
    }

    public static long millisSinceEpoch(Instant t) {
        return t.toEpochMilli() - EPOCH.toEpochMilli();
    }

    public static Instant timeOf(long id) {
        return SnowflakeLayout.NOETL.timeOf(id);
    }

    public static int shardOf(long id) {
        return (int) ((id >>> SHARD_SHIFT) & MAX_SHARD);
    }

    public static int sequenceOf(long id) {
        return (int) (id & MAX_SEQUENCE);
    }
}
