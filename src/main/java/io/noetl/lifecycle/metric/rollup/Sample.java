package io.noetl.lifecycle.metric.rollup;

import java.util.Comparator;

/**
 * One sample of one series: its {@code timestamp} in epoch microseconds (the unit PostgreSQL keeps, and the time key
 * unit of the partition planner) and its value. Only finite values: a rollup leaves out NaN (Prometheus's staleness
 * marker) and infinities, which would make every sum in a bucket meaningless ({@link #usable}). {@code -0.0} is held
 * as {@code 0.0}, since PostgreSQL's float8 compares them equal and so cannot order them.
 */
public record Sample(long time, double value) {
    /**
     * The order a bucket reads its samples in: by time, and samples of one time by value, so that the first, the
     * last and the increase never depend on the order rows arrive in, and a repeated timestamp never reads as a reset.
     */
    public static final Comparator<Sample> ORDER = Comparator.comparingLong(Sample::time)
            .thenComparingDouble(Sample::value);

    public Sample {
        if (!usable(value)) {
            throw new IllegalArgumentException(value + " is not a finite value; a rollup leaves such samples out");
        }
        value = value + 0.0;
    }

    /** Whether a value takes part in a rollup: finite. */
    public static boolean usable(double value) {
        return Double.isFinite(value);
    }
}
