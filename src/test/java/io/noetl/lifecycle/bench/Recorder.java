package io.noetl.lifecycle.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tagged values with the time each was taken, appended by one thread (a writer, the RSS sampler) and read by the main
 * thread after the round of a tag; every access holds the lock, so a reader sees whole entries.
 */
final class Recorder {
    private int[] tags = new int[1 << 16];
    private long[] values = new long[1 << 16];
    private long[] times = new long[1 << 16];
    private int size;
    /** Writes that failed; only the appending thread counts them, and it is read after it is done. */
    volatile long failed;

    synchronized void add(int tag, long value, long atNanos) {
        int n = size;
        if (n == tags.length) {
            tags = Arrays.copyOf(tags, n * 2);
            values = Arrays.copyOf(values, n * 2);
            times = Arrays.copyOf(times, n * 2);
        }
        tags[n] = tag;
        times[n] = atNanos;
        values[n] = value;
        size = n + 1;
    }

    /** The values of the entries with any of the tags {@code wanted}, in the order they came. */
    synchronized long[] values(int... wanted) {
        long[] out = new long[size];
        int k = 0;
        for (int i = 0; i < size; i++) {
            for (int w : wanted) {
                if (tags[i] == w) {
                    out[k++] = values[i];
                    break;
                }
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** {start nanoTime, value} of the entries with tag {@code wanted}. */
    synchronized List<long[]> timed(int wanted) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (tags[i] == wanted) {
                out.add(new long[] {times[i], values[i]});
            }
        }
        return out;
    }

    /** The values of every recorder's entries with the tags {@code wanted}, sorted. */
    static long[] latencies(Recorder[] recorders, int... wanted) {
        return Arrays.stream(recorders).flatMapToLong(w -> Arrays.stream(w.values(wanted))).sorted().toArray();
    }
}
