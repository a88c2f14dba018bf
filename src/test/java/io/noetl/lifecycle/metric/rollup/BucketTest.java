package io.noetl.lifecycle.metric.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BucketTest {
    private static final double RELATIVE = 1e-9;

    private static Sample s(long time, double value) {
        return new Sample(time, value);
    }

    private static Bucket of(Sample... samples) {
        return Bucket.of(List.of(samples));
    }

    /** Every field of {@code actual} that a merge keeps exactly, and the sums to rounding. */
    static void assertSameBucket(Bucket expected, Bucket actual, String what) {
        assertEquals(expected.count(), actual.count(), what + ": count");
        assertEquals(expected.min(), actual.min(), what + ": min");
        assertEquals(expected.max(), actual.max(), what + ": max");
        assertEquals(expected.positiveCount(), actual.positiveCount(), what + ": positiveCount");
        assertEquals(expected.negativeCount(), actual.negativeCount(), what + ": negativeCount");
        assertEquals(expected.first(), actual.first(), what + ": first");
        assertEquals(expected.last(), actual.last(), what + ": last");
        assertClose(expected.positiveSum(), actual.positiveSum(), what + ": positiveSum");
        assertClose(expected.negativeSum(), actual.negativeSum(), what + ": negativeSum");
    }

    /** And the increase, which a merge keeps exactly when the parts do not interleave. */
    static void assertSameCounter(Bucket expected, Bucket actual, String what) {
        assertSameBucket(expected, actual, what);
        assertClose(expected.increase(), actual.increase(), what + ": increase");
        assertEquals(expected.resets(), actual.resets(), what + ": resets");
        assertEquals(expected.increaseExact(), actual.increaseExact(), what + ": increaseExact");
    }

    /** To 1e-9 relative, or absolute near zero, where a gauge's steps up and down cancel to rounding. */
    static void assertClose(double expected, double actual, String what) {
        double scale = Math.max(1.0, Math.max(Math.abs(expected), Math.abs(actual)));
        assertTrue(Math.abs(expected - actual) <= RELATIVE * scale, what + ": " + expected + " against " + actual);
    }

    @Test
    void aBucketKeepsCountExtremesAndBothSignsApart() {
        Bucket b = of(s(1, 3), s(2, -2), s(3, 0), s(4, 5), s(5, -4));
        assertEquals(5, b.count());
        assertEquals(-4, b.min());
        assertEquals(5, b.max());
        assertEquals(2, b.positiveCount());
        assertEquals(8, b.positiveSum());
        assertEquals(2, b.negativeCount());
        assertEquals(-6, b.negativeSum());
        assertEquals(1, b.zeroCount());
        assertEquals(s(1, 3), b.first());
        assertEquals(s(5, -4), b.last());
    }

    @Test
    void averagesCrossingZeroKeepBothSides() {
        // seed 002's case: consumption (+) and export (-) in one bucket; the plain mean hides both
        Bucket b = of(s(1, 2.0), s(2, 4.0), s(3, -3.0), s(4, -5.0), s(5, 0.0), s(6, 0.0));
        assertEquals(-2.0 / 6, b.mean(), 1e-15);
        assertEquals(OptionalDouble.of(3.0), b.positiveMean());
        assertEquals(OptionalDouble.of(-4.0), b.negativeMean());
        // seed 002's own two averages are over all samples, and add up to the mean
        assertEquals(b.mean(), b.positiveSum() / b.count() + b.negativeSum() / b.count(), 1e-15);
        Bucket positive = of(s(1, 1.0), s(2, 3.0));
        assertEquals(OptionalDouble.of(2.0), positive.positiveMean());
        assertEquals(OptionalDouble.empty(), positive.negativeMean());
        Bucket zeros = of(s(1, 0.0), s(2, -0.0));
        assertEquals(0, zeros.positiveCount() + zeros.negativeCount());
        assertEquals(0.0, zeros.mean());
        assertEquals(OptionalDouble.empty(), zeros.positiveMean());
    }

    @Test
    void mergedAveragesEqualTheWholeBucketsOnBothSides() {
        Bucket left = of(s(1, 2.0), s(2, -3.0), s(3, 0.0));
        Bucket right = of(s(4, 4.0), s(5, -5.0), s(6, 0.0));
        Bucket merged = left.merge(right);
        assertEquals(OptionalDouble.of(3.0), merged.positiveMean());
        assertEquals(OptionalDouble.of(-4.0), merged.negativeMean());
        assertEquals(2, merged.zeroCount());
        assertEquals(-2.0 / 6, merged.mean(), 1e-15);
    }

    @Test
    void theIncreaseCountsAResetFromZero() {
        // 10 -> 15 (+5), reset to 3 (+3), 3 -> 8 (+5)
        Bucket b = of(s(1, 10), s(2, 15), s(3, 3), s(4, 8));
        assertEquals(13, b.increase());
        assertEquals(1, b.resets());
        assertEquals(0, of(s(1, 42)).increase());
        Bucket flat = of(s(1, 5), s(2, 5), s(3, 5));
        assertEquals(0, flat.increase());
        assertEquals(0, flat.resets());
        Bucket twoResets = of(s(1, 100), s(2, 7), s(3, 2), s(4, 4));
        assertEquals(7 + 2 + 2, twoResets.increase());
        assertEquals(2, twoResets.resets());
    }

    @Test
    void theStepAcrossTheSeamIsCountedByTheMerge() {
        Bucket a = of(s(1, 10), s(2, 20));
        Bucket rising = of(s(3, 25), s(4, 30));
        assertEquals(10 + 5 + 5, a.merge(rising).increase());
        assertEquals(0, a.merge(rising).resets());
        Bucket afterReset = of(s(3, 5), s(4, 9));
        Bucket merged = a.merge(afterReset);
        assertEquals(10 + 5 + 4, merged.increase());
        assertEquals(1, merged.resets());
        assertTrue(merged.increaseExact());
        assertSameCounter(of(s(1, 10), s(2, 20), s(3, 5), s(4, 9)), merged, "reset at the seam");
        // a reset just inside the second part, and one at the seam
        Bucket b = of(s(3, 2), s(4, 50), s(5, 1));
        assertSameCounter(of(s(1, 10), s(2, 20), s(3, 2), s(4, 50), s(5, 1)), a.merge(b), "resets inside and at the seam");
    }

    @Test
    void samplesOfOneTimeAreReadInValueOrderSoADuplicateIsNoReset() {
        Bucket b = of(s(5, 9), s(5, 3), s(4, 1));
        assertEquals(s(4, 1), b.first());
        assertEquals(s(5, 9), b.last());
        assertEquals(8, b.increase());
        assertEquals(0, b.resets());
        // the same across parts: a's last and b's first share a time
        assertSameCounter(b, of(s(4, 1), s(5, 3)).merge(of(s(5, 9))), "a shared time at the seam");
        assertSameCounter(b, of(s(5, 9)).merge(of(s(4, 1), s(5, 3))), "the other way round");
    }

    @Test
    void mergeIsCommutative() {
        Random r = new Random(3);
        for (int i = 0; i < 500; i++) {
            Bucket a = Bucket.of(someCounter(r, 1 + r.nextInt(10)));
            Bucket b = Bucket.of(someCounter(r, 1 + r.nextInt(10)));
            assertEquals(a.merge(b), b.merge(a));
        }
    }

    /** The acceptance rule: two half-buckets merged equal the whole bucket; over generated samples, fixed seed. */
    @Test
    void twoHalvesMergedEqualTheWholeBucket() {
        Random r = new Random(20_260_113L);
        for (int trial = 0; trial < 3_000; trial++) {
            List<Sample> samples = trial % 2 == 0 ? gauge(r, 2 + r.nextInt(60)) : someCounter(r, 2 + r.nextInt(60));
            Bucket whole = Bucket.of(samples);
            List<Sample> sorted = new ArrayList<>(samples);
            sorted.sort(Sample.ORDER);
            int cut = 1 + r.nextInt(sorted.size() - 1);
            Bucket left = Bucket.of(sorted.subList(0, cut));
            Bucket right = Bucket.of(sorted.subList(cut, sorted.size()));
            assertSameCounter(whole, left.merge(right), "trial " + trial);
            assertSameCounter(whole, right.merge(left), "trial " + trial + ", merged the other way");
        }
    }

    /**
     * Parts merged in any grouping of adjacent ones equal the whole bucket. Merging two parts with a gap between them
     * takes them as adjacent; the part that fills the gap then interleaves, and the increase is the interleaved one.
     */
    @Test
    void partsMergedInAnyGroupingOfNeighboursEqualTheWholeBucket() {
        Random r = new Random(99);
        for (int trial = 0; trial < 1_000; trial++) {
            List<Sample> sorted = new ArrayList<>(someCounter(r, 3 + r.nextInt(40)));
            sorted.sort(Sample.ORDER);
            int c1 = 1 + r.nextInt(sorted.size() - 2);
            int c2 = c1 + 1 + r.nextInt(sorted.size() - c1 - 1);
            Bucket p1 = Bucket.of(sorted.subList(0, c1));
            Bucket p2 = Bucket.of(sorted.subList(c1, c2));
            Bucket p3 = Bucket.of(sorted.subList(c2, sorted.size()));
            Bucket whole = Bucket.of(sorted);
            assertSameCounter(whole, p1.merge(p2).merge(p3), "trial " + trial + ", (1 2) 3");
            assertSameCounter(whole, p1.merge(p2.merge(p3)), "trial " + trial + ", 1 (2 3)");
            assertSameCounter(whole, p3.merge(p2).merge(p1), "trial " + trial + ", (3 2) 1");
            Bucket gapFilledLater = p3.merge(p1).merge(p2);
            assertSameBucket(whole, gapFilledLater, "trial " + trial + ", (3 1) 2");
            boolean degenerate = Sample.ORDER.compare(p3.last(), p2.first()) == 0
                    || Sample.ORDER.compare(p2.last(), p1.first()) == 0;
            if (!degenerate) {
                assertFalse(gapFilledLater.increaseExact(), "trial " + trial + ", (3 1) 2");
            }
            assertTrue(gapFilledLater.increase() <= whole.increase() * (1 + RELATIVE), "trial " + trial);
        }
    }

    /**
     * Parts whose samples interleave in time (late samples of one bucket stored in the next raw partition): all but
     * the increase exactly; the increase exactly for a counter with no reset, never more than the truth otherwise.
     */
    @Test
    void interleavedPartsMergeExactlyButForTheIncreaseWhichIsALowerBound() {
        Random r = new Random(7);
        for (int trial = 0; trial < 3_000; trial++) {
            boolean resets = trial % 2 == 0;
            List<Sample> samples = counter(r, 2 + r.nextInt(40), resets ? 0.2 : 0.0);
            List<Sample> a = new ArrayList<>();
            List<Sample> b = new ArrayList<>();
            for (Sample s : samples) {
                (r.nextBoolean() ? a : b).add(s);
            }
            if (a.isEmpty() || b.isEmpty()) {
                continue;
            }
            Bucket whole = Bucket.of(samples);
            Bucket merged = Bucket.of(a).merge(Bucket.of(b));
            assertSameBucket(whole, merged, "trial " + trial);
            assertTrue(merged.increase() <= whole.increase() * (1 + RELATIVE), "trial " + trial + ": "
                    + merged.increase() + " is more than " + whole.increase());
            assertTrue(merged.resets() <= whole.resets(), "trial " + trial);
            if (whole.resets() == 0) {
                assertClose(whole.increase(), merged.increase(), "trial " + trial + ", no reset");
                assertEquals(0, merged.resets());
            }
        }
    }

    @Test
    void onlyAnInterleavedMergeMarksTheIncreaseInexactAndTheMarkStays() {
        Bucket a = of(s(1, 1), s(3, 3));
        Bucket b = of(s(2, 2), s(4, 4));
        Bucket interleaved = a.merge(b);
        assertFalse(interleaved.increaseExact());
        assertEquals(3, interleaved.increase());
        assertFalse(interleaved.merge(of(s(9, 9))).increaseExact());
        assertTrue(a.merge(of(s(3, 5))).increaseExact(), "sharing the last sample's time is not interleaving");
    }

    @Test
    void nonFiniteSamplesAreRefusedAndNegativeZeroIsZero() {
        assertThrows(IllegalArgumentException.class, () -> s(1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> s(1, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> s(1, Double.NEGATIVE_INFINITY));
        assertFalse(Sample.usable(Double.NaN));
        assertEquals(s(1, 0.0), s(1, -0.0));
        assertThrows(IllegalArgumentException.class, () -> Bucket.of(List.of()));
    }

    /** Values around zero, repeated times and repeated values: a gauge. */
    static List<Sample> gauge(Random r, int n) {
        List<Sample> samples = new ArrayList<>();
        long t = r.nextInt(1_000_000);
        for (int i = 0; i < n; i++) {
            t += r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(15_000_000);
            double v = switch (r.nextInt(5)) {
                case 0 -> 0.0;
                case 1 -> Math.round(r.nextGaussian() * 10);
                default -> r.nextGaussian() * 1e3;
            };
            samples.add(new Sample(t, v));
        }
        Collections.shuffle(samples, r);
        return samples;
    }

    /** A counter that resets to a small value with probability {@code resetChance} a sample. */
    static List<Sample> counter(Random r, int n, double resetChance) {
        List<Sample> samples = new ArrayList<>();
        long t = r.nextInt(1_000_000);
        double v = r.nextInt(1000);
        for (int i = 0; i < n; i++) {
            t += r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(15_000_000);
            v = r.nextDouble() < resetChance ? r.nextInt(5) : v + (r.nextInt(3) == 0 ? 0 : r.nextInt(100) + r.nextDouble());
            samples.add(new Sample(t, v));
        }
        Collections.shuffle(samples, r);
        return samples;
    }

    /** A counter, with resets two times in three. */
    static List<Sample> someCounter(Random r, int n) {
        return counter(r, n, r.nextInt(3) == 0 ? 0.0 : 0.15);
    }
}
