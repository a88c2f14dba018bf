package io.noetl.lifecycle.plan;

import java.time.Instant;

/**
 * Where a Snowflake-style id keeps its time: {@code id = (ms - epoch) << shift | shard and sequence bits}, so
 * an id's time is {@code epoch + (id >> shift)} milliseconds and a time's boundary id (the smallest id of that
 * millisecond) is {@code (ms - epoch) << shift}. Exact to the millisecond; overflow is an error, not a wrap.
 */
public record SnowflakeLayout(Instant epoch, int shift) {
    public static final SnowflakeLayout NOETL = new SnowflakeLayout(Instant.parse("2024-01-01T00:00:00Z"), 23);

    public SnowflakeLayout {
        if (shift < 0 || shift > 62) {
            throw new IllegalArgumentException("timestampShift must be between 0 and 62, not " + shift);
        }
    }

    /** The smallest id minted at {@code time}. */
    public long boundaryId(Instant time) {
        long ms = Math.subtractExact(time.toEpochMilli(), epoch.toEpochMilli());
        long max = Long.MAX_VALUE >> shift;
        long min = Long.MIN_VALUE >> shift;
        if (ms > max || ms < min) {
            throw new ArithmeticException(time + " does not fit in a 64-bit id with a " + shift + "-bit shift");
        }
        return ms << shift;
    }

    /** The millisecond an id was minted in. */
    public Instant timeOf(long id) {
        return Instant.ofEpochMilli(Math.addExact(epoch.toEpochMilli(), id >> shift));
    }

    /** The latest instant whose boundary id still fits: beyond it the layout cannot express ids. */
    public Instant lastRepresentable() {
        return Instant.ofEpochMilli(epoch.toEpochMilli() + (Long.MAX_VALUE >> shift));
    }
}
