package io.noetl.lifecycle.metric.rollup;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One series' buckets at one resolution, by bucket start in epoch microseconds: the three ways a tier is filled.
 * Samples are grouped on their own time ({@code timestamp}), never on when they were stored.
 */
public final class Buckets {
    private Buckets() {
    }

    /** The buckets of samples in any order. */
    public static SortedMap<Long, Bucket> of(Resolution resolution, Collection<Sample> samples) {
        TreeMap<Long, List<Sample>> groups = new TreeMap<>();
        for (Sample s : samples) {
            groups.computeIfAbsent(resolution.bucketOf(s.time()), k -> new ArrayList<>()).add(s);
        }
        TreeMap<Long, Bucket> buckets = new TreeMap<>();
        groups.forEach((start, group) -> buckets.put(start, Bucket.of(group)));
        return Collections.unmodifiableSortedMap(buckets);
    }

    /**
     * Both sets of buckets in one, a bucket present in both merged ({@link Bucket#merge}): what a tier holds after
     * rolling up a second raw partition whose samples share buckets with the first's.
     */
    public static SortedMap<Long, Bucket> merge(Map<Long, Bucket> a, Map<Long, Bucket> b) {
        TreeMap<Long, Bucket> merged = new TreeMap<>(a);
        b.forEach((start, bucket) -> merged.merge(start, bucket, Bucket::merge));
        return Collections.unmodifiableSortedMap(merged);
    }

    /**
     * A finer tier's buckets merged into a coarser tier's, which must be a whole multiple of it; adjacent buckets
     * never interleave, so the result equals the coarser buckets of the samples themselves, to the sums' rounding.
     */
    public static SortedMap<Long, Bucket> coarsen(Resolution finer, Map<Long, Bucket> buckets, Resolution coarser) {
        if (!finer.divides(coarser) || finer.equals(coarser)) {
            throw new IllegalArgumentException(coarser + " is not a coarser multiple of " + finer);
        }
        TreeMap<Long, Bucket> merged = new TreeMap<>();
        buckets.forEach((start, bucket) -> {
            if (finer.bucketOf(start) != start) {
                throw new IllegalArgumentException(start + " is not the start of a " + finer + " bucket");
            }
            merged.merge(coarser.bucketOf(start), bucket, Bucket::merge);
        });
        return Collections.unmodifiableSortedMap(merged);
    }
}
