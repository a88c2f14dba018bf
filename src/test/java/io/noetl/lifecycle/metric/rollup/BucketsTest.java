package io.noetl.lifecycle.metric.rollup;

import static io.noetl.lifecycle.metric.rollup.BucketTest.assertSameCounter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

class BucketsTest {
    private static final Resolution M1 = Resolution.parse("1m");
    private static final Resolution M5 = Resolution.parse("5m");
    private static final Resolution H1 = Resolution.parse("1h");

    private static long micros(String iso) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(iso));
    }

    @Test
    void bucketsAreAlignedToTheEpoch() {
        assertEquals(micros("2026-01-13T10:35:00Z"), M5.bucketOf(micros("2026-01-13T10:39:59.999999Z")));
        assertEquals(micros("2026-01-13T10:40:00Z"), M5.bucketOf(micros("2026-01-13T10:40:00Z")));
        assertEquals(micros("2026-01-13T10:00:00Z"), H1.bucketOf(micros("2026-01-13T10:59:00Z")));
        assertEquals(micros("2026-01-13T00:00:00Z"), Resolution.parse("1d").bucketOf(micros("2026-01-13T23:59:59Z")));
        // before 1970 a bucket still starts at or before its samples
        assertEquals(micros("1969-12-31T23:55:00Z"), M5.bucketOf(micros("1969-12-31T23:59:59Z")));
        // seven days from the epoch: Thursdays
        assertEquals(micros("2026-01-08T00:00:00Z"), Resolution.parse("7d").bucketOf(micros("2026-01-13T12:00:00Z")));
        assertEquals(300_000_000L, M5.micros());
        assertEquals("5m", M5.toString());
        assertEquals("1h", H1.toString());
    }

    @Test
    void aResolutionIsAPositiveWholeNumberOfSeconds() {
        assertThrows(IllegalArgumentException.class, () -> new Resolution(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Resolution(Duration.ofSeconds(-60)));
        assertThrows(IllegalArgumentException.class, () -> new Resolution(Duration.ofMillis(1500)));
        assertThrows(IllegalArgumentException.class, () -> Resolution.parse("5min"));
        assertTrue(M1.divides(M5));
        assertFalse(M5.divides(Resolution.parse("7m")));
    }

    @Test
    void samplesAreGroupedOnTheirOwnTime() {
        long t = micros("2026-01-13T10:00:00Z");
        SortedMap<Long, Bucket> buckets = Buckets.of(M1, List.of(new Sample(t + 59_999_999, 2), new Sample(t, 1),
                new Sample(t + 60_000_000, 3)));
        assertEquals(List.of(t, t + 60_000_000), List.copyOf(buckets.keySet()));
        assertEquals(2, buckets.get(t).count());
        assertEquals(new Sample(t + 59_999_999, 2), buckets.get(t).last());
    }

    /** A tier filled from the tier before it equals the tier filled from the samples: 1m to 5m to 1h. */
    @Test
    void aCoarserTierFromTheFinerOneEqualsItFromTheSamples() {
        Random r = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            List<Sample> samples = series(r, micros("2026-01-13T09:50:00Z"), 600, trial % 2 == 0);
            SortedMap<Long, Bucket> minutes = Buckets.of(M1, samples);
            SortedMap<Long, Bucket> fives = Buckets.coarsen(M1, minutes, M5);
            assertSameTier(Buckets.of(M5, samples), fives, "trial " + trial + ", 1m to 5m");
            assertSameTier(Buckets.of(H1, samples), Buckets.coarsen(M5, fives, H1), "trial " + trial + ", 5m to 1h");
            assertSameTier(Buckets.of(H1, samples), Buckets.coarsen(M1, minutes, H1), "trial " + trial + ", 1m to 1h");
        }
    }

    @Test
    void coarseningNeedsAWholeMultiple() {
        SortedMap<Long, Bucket> fives = Buckets.of(M5, List.of(new Sample(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> Buckets.coarsen(M5, fives, Resolution.parse("7m")));
        assertThrows(IllegalArgumentException.class, () -> Buckets.coarsen(M5, fives, M1));
        assertThrows(IllegalArgumentException.class, () -> Buckets.coarsen(M5, fives, M5));
        assertThrows(IllegalArgumentException.class,
                () -> Buckets.coarsen(M5, Map.of(60_000_000L, Bucket.of(new Sample(60_000_000L, 1))), H1));
    }

    /**
     * Two daily raw partitions (on the time a row was stored) share the buckets around midnight; the tier after both
     * rollups equals the tier of all samples. A sample stored a little late (less than the sampling interval) keeps the
     * two parts of a bucket in time order, so the merge is exact, the counter's increase across the seam included.
     */
    @Test
    void bucketsSplitByTwoRawPartitionsMergeToTheWholeTier() {
        Random r = new Random(11);
        long midnight = micros("2026-01-14T00:00:00Z");
        for (int trial = 0; trial < 200; trial++) {
            List<Sample> samples = new ArrayList<>();
            List<Sample> yesterday = new ArrayList<>();
            List<Sample> today = new ArrayList<>();
            double v = 0;
            for (long t = midnight - 600_000_000L + r.nextInt(15_000_000); t < midnight + 600_000_000L; t += 15_000_000L) {
                v = r.nextInt(20) == 0 ? r.nextInt(3) : v + r.nextInt(50);
                Sample s = new Sample(t, v);
                samples.add(s);
                long storedAt = t + r.nextInt(14_000_000);
                (storedAt < midnight ? yesterday : today).add(s);
            }
            for (Resolution res : List.of(M1, M5, H1)) {
                SortedMap<Long, Bucket> tier = Buckets.merge(Buckets.of(res, yesterday), Buckets.of(res, today));
                assertSameTier(Buckets.of(res, samples), tier, "trial " + trial + " at " + res);
            }
        }
    }

    private static void assertSameTier(SortedMap<Long, Bucket> expected, SortedMap<Long, Bucket> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": bucket starts");
        expected.forEach((start, bucket) -> assertSameCounter(bucket, actual.get(start), what + " at " + start));
    }

    /** One sample every 0 to 2 s for {@code n} samples: a gauge around zero or a counter with resets. */
    private static List<Sample> series(Random r, long from, int n, boolean counter) {
        List<Sample> samples = new ArrayList<>();
        long t = from;
        double v = 0;
        for (int i = 0; i < n; i++) {
            t += r.nextInt(2_000_000);
            v = counter ? (r.nextInt(50) == 0 ? r.nextInt(3) : v + r.nextInt(10)) : r.nextGaussian() * 100;
            samples.add(new Sample(t, v));
        }
        return samples;
    }
}
