package io.noetl.lifecycle.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Days of NoETL metric rows as its components write them, and what the tests expect of them, computed here with plain
 * loops (not the operator's {@code Bucket}, not SQL): twelve series ({@code live_temperature}, gauges that cross zero,
 * and {@code live_requests_total}, counters that reset now and then), labelled {@code {"series": "<i>"}}, across three
 * runtimes of the registry, one sample every 30 s (jittered by up to a second), values with three decimals (so that a
 * receiver that keeps fewer digits than a double still answers them exactly).
 */
public final class LiveMetricData {
    public static final int SERIES = 12;
    public static final String GAUGE = "live_temperature";
    public static final String COUNTER = "live_requests_total";

    /** One generated sample. */
    public record Sample(int series, Instant time, double value) {
        public String name() {
            return series % 2 == 0 ? GAUGE : COUNTER;
        }

        public long runtimeId() {
            return 1 + series % 3;
        }
    }

    /** A tier bucket as this class computes it. */
    public record Bucket(long count, double min, double max, double sum, double first, double last, double increase) {
    }

    private final List<Sample> samples = new ArrayList<>();

    /** Samples every 30 s from {@code from} for {@code days} days, from a fixed seed. */
    public LiveMetricData(Instant from, int days) {
        this(from, days, 30);
    }

    /** Samples every {@code stepSeconds} from {@code from} for {@code days} days, from a fixed seed. */
    public LiveMetricData(Instant from, int days, int stepSeconds) {
        Random random = new Random(21);
        for (int s = 0; s < SERIES; s++) {
            double counter = random.nextInt(100);
            for (long t = 0; t < days * 86_400L; t += stepSeconds) {
                Instant time = from.plusSeconds(t).plusMillis(random.nextInt(1000));
                double value;
                if (s % 2 == 0) {
                    // a gauge around zero: a slow wave plus noise
                    value = Math.sin(t / 3600.0 + s) * 10 + random.nextGaussian();
                } else {
                    counter = random.nextInt(400) == 0 ? random.nextInt(3) : counter + random.nextInt(5);
                    value = counter;
                }
                samples.add(new Sample(s, time, Math.round(value * 1000) / 1000.0));
            }
        }
    }

    private LiveMetricData(List<Sample> samples) {
        this.samples.addAll(samples);
    }

    /** The samples at or after {@code t}. */
    public LiveMetricData from(Instant t) {
        return new LiveMetricData(samples.stream().filter(x -> !x.time().isBefore(t)).toList());
    }

    public List<Sample> samples() {
        return samples;
    }

    /** Registers the three runtimes in the registry of {@code shape} and writes every sample into {@code table}. */
    public void load(Connection c, MetricShape shape, String table, ZoneId zone) throws SQLException {
        for (int r = 1; r <= 3; r++) {
            shape.register(c, r, "live-worker-" + r);
        }
        List<MetricShape.Row> rows = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            rows.add(new MetricShape.Row(s.runtimeId(), s.name(), s.series() % 2 == 0 ? "gauge" : "counter",
                    s.value(), "{\"series\": \"" + s.series() + "\"}", s.time()));
        }
        shape.insert(c, table, zone, rows);
    }

    /**
     * Each series' buckets of width {@code width} on the epoch grid, by series then bucket start: count, min, max,
     * sum, first and last value, and the counter increase (each step between consecutive samples of the bucket, a
     * drop counting as a reset to zero).
     */
    public Map<Integer, TreeMap<Instant, Bucket>> buckets(Duration width) {
        Map<Integer, TreeMap<Instant, List<Sample>>> grouped = new TreeMap<>();
        long w = width.toMillis();
        for (Sample s : samples) {
            long start = Math.floorDiv(s.time().toEpochMilli(), w) * w;
            grouped.computeIfAbsent(s.series(), k -> new TreeMap<>())
                    .computeIfAbsent(Instant.ofEpochMilli(start), k -> new ArrayList<>()).add(s);
        }
        Map<Integer, TreeMap<Instant, Bucket>> out = new TreeMap<>();
        grouped.forEach((series, byStart) -> byStart.forEach((start, list) -> {
            list.sort((a, b) -> a.time().compareTo(b.time()));
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            double increase = 0;
            for (int i = 0; i < list.size(); i++) {
                double v = list.get(i).value();
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
                if (i > 0) {
                    double prev = list.get(i - 1).value();
                    increase += v >= prev ? v - prev : v;
                }
            }
            out.computeIfAbsent(series, k -> new TreeMap<>()).put(start, new Bucket(list.size(), min, max, sum,
                    list.get(0).value(), list.get(list.size() - 1).value(), increase));
        }));
        return out;
    }

    /**
     * Asserts that tier table {@code tier} (joined to the series catalogue {@code catalogue}) holds exactly
     * {@link #buckets} of {@code width}, within a rounding tolerance on sums; returns what differs, empty when none.
     */
    public List<String> compareTier(Connection c, String tier, String catalogue, Duration width) throws SQLException {
        Map<Integer, TreeMap<Instant, Bucket>> expected = buckets(width);
        Map<Integer, TreeMap<Instant, Bucket>> actual = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT (s.labels->>'series')::int, "
                + "t.bucket_start, t.sample_count, t.min_value, t.max_value, t.positive_sum + t.negative_sum, "
                + "t.first_value, t.last_value, t.increase FROM " + tier + " t JOIN " + catalogue
                + " s ON s.fingerprint = t.fingerprint")) {
            while (rs.next()) {
                actual.computeIfAbsent(rs.getInt(1), k -> new TreeMap<>()).put(rs.getTimestamp(2).toInstant(),
                        new Bucket(rs.getLong(3), rs.getDouble(4), rs.getDouble(5), rs.getDouble(6), rs.getDouble(7),
                                rs.getDouble(8), rs.getDouble(9)));
            }
        }
        List<String> diffs = new ArrayList<>();
        if (!expected.keySet().equals(actual.keySet())) {
            diffs.add(tier + ": series " + actual.keySet() + ", expected " + expected.keySet());
        }
        expected.forEach((series, buckets) -> {
            TreeMap<Instant, Bucket> got = actual.getOrDefault(series, new TreeMap<>());
            if (!got.keySet().equals(buckets.keySet())) {
                diffs.add(tier + " series " + series + ": " + got.size() + " buckets, expected " + buckets.size());
                return;
            }
            buckets.forEach((start, e) -> {
                Bucket a = got.get(start);
                if (a.count() != e.count() || a.min() != e.min() || a.max() != e.max() || a.first() != e.first()
                        || a.last() != e.last() || Math.abs(a.sum() - e.sum()) > 1e-6 * Math.max(1, Math.abs(e.sum()))
                        || Math.abs(a.increase() - e.increase()) > 1e-6 * Math.max(1, e.increase())) {
                    diffs.add(tier + " series " + series + " bucket " + start + ": " + a + ", expected " + e);
                }
            });
        });
        return diffs.size() > 10 ? diffs.subList(0, 10) : diffs;
    }

    /**
     * What the receiver's {@code /api/v1/export} lines hold, as series index to (millisecond, value) pairs in time
     * order; the runtime labels of each line are checked against the registry's names.
     */
    public static Map<Integer, TreeMap<Long, Double>> exported(List<String> lines) throws java.io.IOException {
        Map<Integer, TreeMap<Long, Double>> out = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            int series = Integer.parseInt(n.get("metric").get("series").asText());
            TreeMap<Long, Double> points = out.computeIfAbsent(series, k -> new TreeMap<>());
            for (int i = 0; i < n.get("values").size(); i++) {
                Double previous = points.put(n.get("timestamps").get(i).asLong(), n.get("values").get(i).asDouble());
                if (previous != null) {
                    throw new IllegalStateException("series " + series + " holds two samples at "
                            + n.get("timestamps").get(i).asLong());
                }
            }
        }
        return out;
    }

    /** The samples as {@link #exported} shows them. */
    public Map<Integer, TreeMap<Long, Double>> expectedExport() {
        Map<Integer, TreeMap<Long, Double>> out = new TreeMap<>();
        for (Sample s : samples) {
            out.computeIfAbsent(s.series(), k -> new TreeMap<>()).put(s.time().toEpochMilli(), s.value());
        }
        return out;
    }
}
