package io.noetl.lifecycle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** What the benchmarks that time rounds against writers share: round tags, percentiles, medians, formats, pacing. */
final class BenchSupport {
    private BenchSupport() {
    }

    static int tag(int round, int phase) {
        return round * 8 + phase;
    }

    static int[] tags(int rounds, int phase) {
        int[] t = new int[rounds];
        for (int r = 1; r <= rounds; r++) {
            t[r - 1] = tag(r, phase);
        }
        return t;
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    static void sleepUntil(long nanoTime) {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Percentile of microseconds, in ms. */
    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        long[] s = sorted.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1)] / 1000.0;
    }

    static double max(long[] micros) {
        return micros.length == 0 ? Double.NaN : Arrays.stream(micros).max().getAsLong() / 1000.0;
    }

    static long peak(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    static long median(long[] values) {
        if (values.length == 0) {
            return 0;
        }
        long[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    static double medianD(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    static String fmt(List<Double> ms) {
        return ms.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList().toString();
    }

    static String mib(long kb) {
        return String.format(Locale.ROOT, "%.1f", kb / 1024.0);
    }
}
