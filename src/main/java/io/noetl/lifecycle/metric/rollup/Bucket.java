package io.noetl.lifecycle.metric.rollup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalDouble;

/**
 * What a tier keeps of one series over one time bucket: seed 002's bucket (count, min, max, and the positive and
 * negative values apart, so an average that crosses zero is not lost), kept as sums and counts so that buckets merge,
 * plus the first and last sample and, for cumulative series, the reset-aware increase. A bucket holds at least one
 * sample; a bucket without samples is not a row.
 *
 * <p>Over the samples in {@link Sample#ORDER}:
 * <ul>
 * <li>{@code positive*} sum and count the values above zero, {@code negative*} those below; a zero counts in
 * neither, having no sign, and only in {@code count}, so {@link #mean} is still the mean of every sample. Seed 002's
 * averages are {@code positiveSum / count} and {@code negativeSum / count}, which add up to the mean;
 * {@link #positiveMean} and {@link #negativeMean} are the means of the positive and the negative samples alone.</li>
 * <li>{@code increase} adds up every step from one sample to the next: {@code next - previous} when the value did not
 * drop, and {@code next} when it dropped, since a drop is a reset after which the counter counted from 0 to
 * {@code next} ({@code resets} counts them). This is Prometheus's {@code increase()} without its extrapolation to the
 * bucket's edges: the step from the previous bucket's last sample to this one's first belongs to neither bucket, and
 * {@link #merge} adds it when the two are merged, so buckets merged into a coarser one carry the increase over all
 * their samples. The increase over a run of buckets is likewise their increases plus the steps between each one's
 * {@code last} and the next one's {@code first}. It is computed for every series and means something for
 * {@link MetricType#cumulative} ones.</li>
 * <li>{@code increaseExact} is false only after a merge of partial buckets whose samples interleaved in time (see
 * {@link #merge}).</li>
 * </ul>
 * The sums are float8 sums, as PostgreSQL's {@code sum(double precision)} makes them: merging adds them in another
 * order than one pass over the samples would, so they agree to rounding, not to the bit.
 */
public record Bucket(long count, double min, double max, long positiveCount, double positiveSum, long negativeCount,
        double negativeSum, Sample first, Sample last, double increase, long resets, boolean increaseExact) {

    public Bucket {
        if (count < 1 || positiveCount < 0 || negativeCount < 0 || positiveCount + negativeCount > count) {
            throw new IllegalArgumentException("counts " + count + ", " + positiveCount + " positive, "
                    + negativeCount + " negative do not make a bucket");
        }
        if (!(min <= max) || Sample.ORDER.compare(first, last) > 0 || resets < 0) {
            throw new IllegalArgumentException("min " + min + ", max " + max + ", first " + first + ", last " + last
                    + ", resets " + resets + " do not make a bucket");
        }
    }

    /** The bucket of one sample. */
    public static Bucket of(Sample s) {
        double v = s.value();
        return new Bucket(1, v, v, v > 0 ? 1 : 0, v > 0 ? v : 0.0, v < 0 ? 1 : 0, v < 0 ? v : 0.0, s, s, 0.0, 0, true);
    }

    /** The bucket of samples in any order, in one pass over them in {@link Sample#ORDER}: what merges must equal. */
    public static Bucket of(Collection<Sample> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("a bucket holds at least one sample");
        }
        List<Sample> sorted = new ArrayList<>(samples);
        sorted.sort(Sample.ORDER);
        long positiveCount = 0;
        long negativeCount = 0;
        double positiveSum = 0.0;
        double negativeSum = 0.0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double increase = 0.0;
        long resets = 0;
        for (int i = 0; i < sorted.size(); i++) {
            double v = sorted.get(i).value();
            min = Math.min(min, v);
            max = Math.max(max, v);
            if (v > 0) {
                positiveCount++;
                positiveSum += v;
            } else if (v < 0) {
                negativeCount++;
                negativeSum += v;
            }
            if (i > 0) {
                double previous = sorted.get(i - 1).value();
                increase += step(previous, v);
                resets += v < previous ? 1 : 0;
            }
        }
        return new Bucket(sorted.size(), min, max, positiveCount, positiveSum, negativeCount, negativeSum,
                sorted.get(0), sorted.get(sorted.size() - 1), increase, resets, true);
    }

    /**
     * The bucket of both buckets' samples, for two parts of one series' bucket (one bucket can draw on two raw
     * partitions) or two adjacent buckets of a finer tier. Commutative. Count, min, max, the sums and counts, first and
     * last are always those of all the samples. The increase and the resets need the samples' order, and the state
     * holds only each part's ends:
     * <ul>
     * <li>When one part's samples all come before the other's ({@code last} of one at or before {@code first} of the
     * other in {@link Sample#ORDER}), as for adjacent buckets, the two are taken as neighbours, with no sample between
     * them, and the result is exact: both increases plus the step across the seam from the earlier part's last sample
     * to the later one's first, a reset if the value dropped. A part merged later whose samples fall between them
     * interleaves with the result, which is the next case.</li>
     * <li>When the parts interleave (late samples of one bucket that landed in the next raw partition), no state this
     * size can tell the order, so the result is what the state proves: the larger of the two increases and of the step
     * from the first sample of all to the last, and likewise for the resets; {@code increaseExact} is then false. For a
     * counter that never goes below zero this is a lower bound, since leaving samples out never adds to an increase,
     * and it is exact when no reset happened among the samples of both, the common case, since the increase of a
     * counter without resets is its last value less its first.</li>
     * </ul>
     */
    public Bucket merge(Bucket other) {
        Bucket a = Sample.ORDER.compare(first, other.first) <= 0 ? this : other;
        Bucket b = a == this ? other : this;
        Sample end = Sample.ORDER.compare(a.last, b.last) >= 0 ? a.last : b.last;
        double increase;
        long resets;
        boolean exact = a.increaseExact && b.increaseExact;
        if (Sample.ORDER.compare(a.last, b.first) <= 0) {
            increase = a.increase + step(a.last.value(), b.first.value()) + b.increase;
            resets = a.resets + b.resets + (b.first.value() < a.last.value() ? 1 : 0);
        } else if (Sample.ORDER.compare(b.last, a.first) <= 0) {
            // every sample of b equals a's first, so b comes first and its seam to a is a step of zero
            increase = b.increase + step(b.last.value(), a.first.value()) + a.increase;
            resets = b.resets + a.resets;
        } else {
            increase = Math.max(Math.max(a.increase, b.increase), step(a.first.value(), end.value()));
            resets = Math.max(Math.max(a.resets, b.resets), end.value() < a.first.value() ? 1 : 0);
            exact = false;
        }
        return new Bucket(count + other.count, Math.min(min, other.min), Math.max(max, other.max),
                positiveCount + other.positiveCount, positiveSum + other.positiveSum,
                negativeCount + other.negativeCount, negativeSum + other.negativeSum, a.first, end, increase, resets,
                exact);
    }

    /** What a counter gained from {@code previous} to {@code next}: the difference, or all of {@code next} after a reset. */
    static double step(double previous, double next) {
        return next >= previous ? next - previous : next;
    }

    public double sum() {
        return positiveSum + negativeSum;
    }

    /** The mean of all samples, zeros included. */
    public double mean() {
        return sum() / count;
    }

    /** The mean of the samples above zero; empty when there were none. */
    public OptionalDouble positiveMean() {
        return positiveCount == 0 ? OptionalDouble.empty() : OptionalDouble.of(positiveSum / positiveCount);
    }

    /** The mean of the samples below zero; empty when there were none. */
    public OptionalDouble negativeMean() {
        return negativeCount == 0 ? OptionalDouble.empty() : OptionalDouble.of(negativeSum / negativeCount);
    }

    public long zeroCount() {
        return count - positiveCount - negativeCount;
    }
}
