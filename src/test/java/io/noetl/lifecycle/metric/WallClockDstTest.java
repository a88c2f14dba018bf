package io.noetl.lifecycle.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NoETL's {@code created_at TIMESTAMP} (wall-clock time, no zone) in a zone with daylight saving time, across the
 * night clocks go back (Europe/Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET, so the wall-clock hour 02:00-03:00
 * happens twice). One rule reads such a time everywhere, PostgreSQL's {@code AT TIME ZONE} (a repeated time is read
 * as its second occurrence, standard time): the partition bounds the operator computes ({@link TimeGrid}), the rollup
 * buckets, {@code metric_history}, the export's timestamps and the retirement cutoff all agree with it, so a row is
 * in the bucket, the answer and the receiver at one instant. What the column cannot say is lost before the operator
 * reads it: a sample written in the first 02:xx is read an hour later, in the second (docs/operations.md).
 *
 * <p>The database's clock is a stand-in ({@link TestDatabase}) at {@link #NOW}; VictoriaMetrics is real, on loopback.
 */
class WallClockDstTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Instant NOW = Instant.parse("2026-10-28T12:00:00Z");
    private static TestDatabase db;
    private static VictoriaMetricsServer vm;
    private static DatabasePools pools;
    private static DataSource ds;
    /** Each row's value and the instant PostgreSQL reads its created_at as, in Berlin. */
    private static final TreeMap<Double, Instant> READ_AS = new TreeMap<>();

    @BeforeAll
    static void load() throws Exception {
        OsTool.VICTORIA_METRICS.assumePresent("to check the export's timestamps across a DST change");
        db = TestDatabase.create("dst_it");
        db.setServerTime(NOW);
        vm = VictoriaMetricsServer.start();
        pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ds = pools.acquire("dst", db.target());
        List<MetricShape.Row> rows = new ArrayList<>();
        // every 10 minutes and i seconds (no two wall-clock times equal) from 22:00 CEST to 05:00 CET
        for (int i = 0; i < 48; i++) {
            Instant t = Instant.parse("2026-10-24T20:00:00Z").plusSeconds(600L * i + i);
            rows.add(new MetricShape.Row(1, "dst_gauge", "gauge", i, "{\"k\": \"v\"}", t));
        }
        try (Connection c = db.connect()) {
            MetricShape.loadLive(c);
            MetricShape.LIVE.register(c, 1, "worker-berlin");
            for (String day : List.of("2026-10-24", "2026-10-25", "2026-10-26")) {
                db.execute("SELECT noetl.create_metric_partition(date '" + day + "')");
            }
            MetricShape.LIVE.insert(c, "noetl.metric", BERLIN, rows);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT metric_value, created_at "
                    + "AT TIME ZONE 'Europe/Berlin', created_at FROM noetl.metric")) {
                while (rs.next()) {
                    Instant read = rs.getTimestamp(2).toInstant();
                    READ_AS.put(rs.getDouble(1), read);
                    // the operator's own reading of a wall-clock key follows the same rule
                    assertEquals(read, TimeGrid.wallClockInstant(rs.getObject(3, LocalDateTime.class), BERLIN));
                }
            }
        }
        // the first 02:xx (00:00-00:59Z) is read an hour later; every other row at its own instant
        rows.forEach(r -> {
            Instant read = READ_AS.get(r.value());
            boolean repeated = !r.sampleTime().isBefore(Instant.parse("2026-10-25T00:00:00Z"))
                    && r.sampleTime().isBefore(Instant.parse("2026-10-25T01:00:00Z"));
            assertEquals(repeated ? r.sampleTime().plusSeconds(3600) : r.sampleTime(), read, "row " + r.value());
        });
    }

    @AfterAll
    static void stop() {
        if (pools != null) {
            pools.release("dst");
        }
        Teardown.close(vm, db);
    }

    private static MetricPolicySettings settings() throws Exception {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setTimeZone("Europe/Berlin");
        spec.setRetention("30d");
        spec.setPremake(1);
        spec.setRollups(List.of(new RollupTier("1h", "365d")));
        MetricExport export = new MetricExport(vm.writeUrl().toString());
        spec.setExport(export);
        // rollup steps of one 1h bucket each (below what the spec allows): every slice of the night the clocks go back
        // is bounded in wall-clock time on its own, and the buckets must come out as one transaction's would
        MetricPolicySettings s = MetricPolicySettings.from(spec);
        return s.toBuilder().pace(s.pace().withRollupStepRows(1)).build();
    }

    @Test
    void partitionsBucketsHistoryAndExportReadOneInstantPerRow() throws Exception {
        MetricPolicySettings settings = settings();
        for (int pass = 0; pass < 2; pass++) {
            MaintenancePass.Outcome o = new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()),
                    Clock.systemUTC(), Duration.ofDays(3650)).preceded(new MetricHistoryPass(settings)).run(settings,
                            Optional.empty(), UnaryOperator.identity(), NOW, true);
            assertTrue(o.findings().stream().noneMatch(f -> f.reason().code().endsWith("Failed")), o.findings()
                    .toString());
        }
        // partitions: the day of the change is 25 hours long, and each row lies within its partition's instants
        TimeGrid grid = new TimeGrid(TimeInterval.DAY, BERLIN, KeyType.TIMESTAMP);
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT m.metric_value, p.relname, (regexp_match(pg_get_expr(p.relpartbound, p.oid), "
                        + "'FROM \\(''(.*)''\\) TO \\(''(.*)''\\)'))[1:2] FROM noetl.metric m "
                        + "JOIN pg_class p ON p.oid = m.tableoid")) {
            while (rs.next()) {
                String[] bounds = (String[]) rs.getArray(3).getArray();
                Instant lo = grid.instantOf(micros(LocalDateTime.parse(bounds[0].replace(' ', 'T'))));
                Instant hi = grid.instantOf(micros(LocalDateTime.parse(bounds[1].replace(' ', 'T'))));
                Instant read = READ_AS.get(rs.getDouble(1));
                assertTrue(!read.isBefore(lo) && read.isBefore(hi), rs.getString(2) + " [" + lo + ", " + hi
                        + ") and row " + rs.getDouble(1) + " at " + read);
                if (rs.getString(2).equals("metric_2026_10_25")) {
                    assertEquals(Duration.ofHours(25), Duration.between(lo, hi));
                }
            }
        }
        // buckets: the 1h tier counts each row in the hour of the instant it is read as
        Map<Instant, Long> expected = new TreeMap<>();
        READ_AS.values().forEach(t -> expected.merge(Instant.ofEpochSecond(t.getEpochSecond() / 3600 * 3600), 1L,
                Long::sum));
        assertEquals(0L, expected.getOrDefault(Instant.parse("2026-10-25T00:00:00Z"), 0L), "the first 02:xx is read "
                + "in the second");
        assertEquals(12L, expected.get(Instant.parse("2026-10-25T01:00:00Z")));
        Map<Instant, Long> tier = new TreeMap<>();
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT bucket_start, sample_count FROM noetl.metric_rollup_1h")) {
            while (rs.next()) {
                tier.put(rs.getTimestamp(1).toInstant(), rs.getLong(2));
            }
        }
        assertEquals(expected, tier);
        // history: the raw answer carries each row at the same instant
        TreeMap<Double, Instant> history = new TreeMap<>();
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT min_value, bucket_start FROM noetl.metric_history('dst_gauge', NULL, '2026-10-24 00:00+00', "
                        + "'2026-10-26 00:00+00') WHERE tier = 'raw'")) {
            while (rs.next()) {
                history.put(rs.getDouble(1), rs.getTimestamp(2).toInstant());
            }
        }
        assertEquals(READ_AS, history);
        // export: the receiver holds each row at the same instant, to the millisecond
        vm.flush();
        Map<Integer, TreeMap<Long, Double>> exported = new TreeMap<>();
        List<String> lines = vm.export("{__name__=\"dst_gauge\"}");
        for (String line : lines) {
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            for (int i = 0; i < n.get("values").size(); i++) {
                exported.computeIfAbsent(0, k -> new TreeMap<>()).put(n.get("timestamps").get(i).asLong(),
                        n.get("values").get(i).asDouble());
            }
        }
        TreeMap<Long, Double> want = new TreeMap<>();
        READ_AS.forEach((v, t) -> want.put(t.toEpochMilli(), v));
        assertEquals(Map.of(0, want), exported);
        assertEquals(48, want.size(), "no two rows at one instant");
    }

    private static long micros(LocalDateTime wallClock) {
        return wallClock.toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000L + wallClock.getNano() / 1000;
    }
}
