package io.noetl.lifecycle.bench;

import io.noetl.lifecycle.support.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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

    /** The step that makes {@code p}, a standalone table shaped as a partition of noetl.metric, to load into. */
    static String[] standaloneTable(String p) {
        return new String[] {"standalone table", "CREATE TABLE " + p
            + " (LIKE noetl.metric INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"};
    }

    /**
     * The head of the statement loading {@code p} from {@code bench_series} crossed with the sample numbers {@code i}
     * ({@code x} a series with its sample time {@code ts}): ids numbered by sample and series, the time columns
     * ({@code time}: the columns, then their values over {@code ts} and {@code ca}, an insert time up to 3 s later and
     * before {@code to}); the caller adds the value ({@code CASE x.kind ... END AS v}) and the FROM clause.
     */
    static String rowsInsert(String p, String[] time, int seriesCount, String to) {
        return "INSERT INTO " + p + " (metric_id, runtime_id, metric_name, metric_type, metric_value, labels, "
            + time[0] + ") SELECT id, runtime_id, metric_name, metric_type, v, labels, " + time[1] + " FROM ("
            + "SELECT i::bigint * " + seriesCount + " + x.id + 1 AS id, x.runtime_id, x.metric_name, x.metric_type, "
            + "x.labels, x.ts, least(x.ts + random() * interval '3 seconds', " + to
            + " - interval '1 microsecond') AS ca, ";
    }

    /**
     * The end of a day's load into the standalone table {@code p}: a CHECK of the partition's bounds ({@code lo},
     * {@code hi}) so that ATTACH need not scan, the seed's primary key and {@code indexes} ({name, definition}),
     * ATTACH, the CHECK dropped, VACUUM ANALYZE (no round pays for hint bits) and a checkpoint; {name, sql} steps.
     */
    static List<String[]> attachSteps(String p, String lo, String hi, String[][] indexes) {
        List<String[]> steps = new ArrayList<>();
        steps.add(new String[] {"bounds CHECK", "ALTER TABLE " + p + " ADD CONSTRAINT bench_bounds CHECK (created_at >= "
            + lo + " AND created_at < " + hi + ")"});
        steps.add(new String[] {"primary key", "ALTER TABLE " + p + " ADD PRIMARY KEY (metric_id, created_at)"});
        for (String[] idx : indexes) {
            steps.add(new String[] {"index " + idx[0], "CREATE INDEX ON " + p + " " + idx[1]});
        }
        steps.add(new String[] {"ATTACH PARTITION", "ALTER TABLE noetl.metric ATTACH PARTITION " + p + " FOR VALUES "
            + "FROM (" + lo + ") TO (" + hi + ")"});
        steps.add(new String[] {"drop bounds CHECK", "ALTER TABLE " + p + " DROP CONSTRAINT bench_bounds"});
        steps.add(new String[] {"VACUUM ANALYZE", "VACUUM (ANALYZE) " + p});
        steps.add(new String[] {"CHECKPOINT", "CHECKPOINT"});
        return steps;
    }

    /** Runs each {name, sql} step of a load on one connection, printing how long each took. */
    static void runSteps(TestDatabase db, List<String[]> steps) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET maintenance_work_mem = '512MB'");
            for (String[] step : steps) {
                long t0 = System.nanoTime();
                s.execute(step[1]);
                System.out.printf("  %-42s %8d ms%n", step[0], (System.nanoTime() - t0) / 1_000_000);
            }
        }
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
