package io.noetl.lifecycle.metric.rollup;

import io.noetl.lifecycle.plan.DurationSpec;
import java.time.Duration;

/**
 * A tier's bucket width. Buckets are aligned to the Unix epoch, so a bucket's start is a pure function of the sample
 * time and the width, the same in every raw partition, every pass and the database ({@code floor(t / w) * w}): 1m,
 * 5m and 1h buckets start on the minute, the five minutes and the hour of UTC, a 1d bucket at UTC midnight, and a 7d
 * bucket on a Thursday, the weekday of 1970-01-01. Whole seconds, as the spec's durations are.
 */
public record Resolution(Duration width) {
    private static final long MICROS_PER_SECOND = 1_000_000L;

    public Resolution {
        if (width.isNegative() || width.isZero() || width.getNano() != 0) {
            throw new IllegalArgumentException("a resolution is a positive whole number of seconds, not " + width);
        }
    }

    /** The spec's notation: {@code 1m}, {@code 5m}, {@code 1h}. */
    public static Resolution parse(String text) {
        return new Resolution(DurationSpec.parse(text));
    }

    public long micros() {
        return Math.multiplyExact(width.getSeconds(), MICROS_PER_SECOND);
    }

    /** The start, in epoch microseconds, of the bucket that holds {@code time}; times before 1970 round down too. */
    public long bucketOf(long time) {
        long w = micros();
        return Math.floorDiv(time, w) * w;
    }

    /** Whether each bucket of {@code coarser} is a whole number of this one's, so this tier's buckets merge into it. */
    public boolean divides(Resolution coarser) {
        return coarser.width.getSeconds() % width.getSeconds() == 0;
    }

    @Override
    public String toString() {
        return DurationSpec.exact(width);
    }
}
