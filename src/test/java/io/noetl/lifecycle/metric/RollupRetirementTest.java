package io.noetl.lifecycle.metric;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.HistoryWorkPace;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.PlannedActionRef;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.api.RollupTierStatus;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.MetricsScrape;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The retirement gate, end to end: real kube-apiserver, the operator as deploy/ runs it, real PostgreSQL. Raw
 * partitions that expired before rollups were configured are rolled up first, then retired; a partition past
 * retention whose rollup has not run is kept as RollupPending and goes in the pass after its rollup; a tier table
 * dropped by hand makes the policy Degraded RollupFailed and retires nothing; dryRun shows the rollups as planned
 * actions and writes nothing. The operator's clock is the injected test clock and the server's the test database's
 * shadow of now() (a stand-in: PostgreSQL's own clock cannot be moved), both at the same time.
 *
 * <p>Every test runs on both shapes of the metric table ({@link MetricShape}), NoETL's live one first, each from a
 * fresh {@code noetl} schema and with policies of its own names (so that the operator's metrics of one are not the
 * other's): in one class, since each {@code @QuarkusTest} class with its own test resource restarts Quarkus.
 */
@QuarkusTest
@WithApiServer("rollup")
class RollupRetirementTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static TestDatabase db;

    ApiServerContext kube;

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("rollup_e2e");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    /**
     * The metric table of {@code shape} with daily partitions 11-14 to 11-21 and 24 rows an hour in each, for two
     * series, until 09:00 today; each row's {@code expires_at} a day after it was stored (as NoETL's default was when
     * it wrote it). On the seed's example the sample times are a few seconds before the insert times; on the live
     * shape both are {@code created_at}, UTC wall-clock times (the policy's {@code timeZone}).
     */
    private void setUp(MetricShape shape) throws SQLException {
        TestClockProducer.CLOCK.set(NOW);
        db.setServerTime(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        try (Connection c = db.connect()) {
            shape.create(c, "noetl.metric");
        }
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, " + shape.registryTypeColumn() + ", status) VALUES "
                + "(1, 'w1', 'worker_pool', 'ready')");
        for (int d = 14; d <= 21; d++) {
            db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric "
                    + "FOR VALUES FROM ('2026-11-%02d 00:00%s') TO ('2026-11-%02d 00:00%s')", d, d, zoneSuffix(shape),
                    d + 1, zoneSuffix(shape)));
        }
        String times = shape == MetricShape.LIVE ? "created_at" : "timestamp, created_at";
        String values = shape == MetricShape.LIVE ? "t AT TIME ZONE 'UTC'" : "t - interval '3 seconds', t";
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, labels, expires_at, "
                + times + ") SELECT 1, 'cpu', 'gauge', (g % 100) - 20, jsonb_build_object('host', 'h' || (g % 2)), "
                + "t + interval '1 day', " + values + " FROM generate_series(0, 7 * 24 * 24 + 9 * 24 - 1) g, "
                + "LATERAL (SELECT timestamptz '2026-11-14 00:00+00' + g * interval '150 seconds' AS t) x");
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "rollup-db", db);
    }

    /** The partition bounds' zone: none on the live shape's wall-clock key, UTC on the seed's {@code timestamptz}. */
    private static String zoneSuffix(MetricShape shape) {
        return shape == MetricShape.LIVE ? "" : "+00";
    }

    /** The sample time of a row as a {@code timestamptz}: the live shape's {@code created_at} is UTC wall clock. */
    private static String sampleTime(MetricShape shape) {
        return shape == MetricShape.LIVE ? "(created_at AT TIME ZONE 'UTC')" : "\"timestamp\"";
    }

    /** A policy name of its own for each shape. */
    private static String name(String base, MetricShape shape) {
        return base + (shape == MetricShape.LIVE ? "-live" : "-seed");
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), MetricRetentionPolicy.class, kube.namespace());
    }

    private MetricRetentionPolicy apply(String name, Consumer<MetricRetentionPolicySpec> customize) {
        return KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                kube.namespace(), name, "rollup-db", s -> {
                    s.setInterval("1d");
                    s.setPremake(2);
                    s.setRetention("1d");
                    s.setRollups(List.of(new RollupTier("1m", "7d"), new RollupTier("1h", "90d")));
                    customize.accept(s);
                });
    }

    private MetricRetentionPolicy await(String name, Predicate<LifecycleStatus> check) {
        return KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), name,
                MetricRetentionPolicy::getStatus, check);
    }

    private static List<String> days(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(d -> String.format("metric_2026_11_%02d", d)).toList();
    }

    @ParameterizedTest
    @EnumSource(MetricShape.class)
    void partitionsThatExpiredBeforeRollupsWereConfiguredAreRolledUpFirstThenRetired(MetricShape shape)
            throws SQLException {
        setUp(shape);
        String rolled = name("rolled", shape);
        long samplesBefore = db.queryLong("SELECT count(*) FROM noetl.metric WHERE " + sampleTime(shape)
                + " < '2026-11-20 00:00+00'");
        apply(rolled, s -> {
        });
        MetricRetentionPolicy p = await(rolled, s -> ((MetricRetentionPolicyStatus) s).getRollupWatermark() != null
                && condition("Degraded", "False", "AsExpected").test(s));

        // 11-14 .. 11-19 ended before 11-20 10:00: rolled into both tiers, then dropped; 11-20 is closed and rolled
        // up but not expired; 11-21 is still open
        List<String> partitions = db.partitions("noetl.metric");
        assertEquals(days(20, 23), partitions);
        assertEquals(7, db.queryLong("SELECT count(DISTINCT raw_partition) FROM noetl.metric_rollup_ledger"));
        assertEquals(14, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger"));
        // every sample taken before 11-20 (all in the partitions rolled up, 11-20's first seconds included) is in the
        // hourly tier, counted once
        assertEquals(samplesBefore, db.queryLong("SELECT sum(sample_count) FROM noetl.metric_rollup_1h "
                + "WHERE bucket_start < '2026-11-20 00:00+00'"));
        assertEquals(2, db.queryLong("SELECT count(*) FROM noetl.metric_series"));
        // the 1m tier keeps 7 days, in whole daily partitions: from the day that holds 11-14 10:00, all of it.
        // Only on the seed's example does a sample time differ from its insert time: there the first sample of
        // 11-14's partition was taken at 11-13 23:59:57, a day the tier no longer keeps, and h1's first (00:02:27)
        // is the tier's first bucket; on the live shape the first sample is 11-14 00:00:00 itself
        assertEquals(shape == MetricShape.LIVE ? "2026-11-14 00:00:00+00" : "2026-11-14 00:02:00+00",
                db.queryStrings("SELECT min(bucket_start)::text FROM noetl.metric_rollup_1m").get(0));
        assertEquals(db.queryLong("SELECT count(*) FROM noetl.metric_rollup_1h WHERE bucket_start >= '2026-11-14 "
                + "00:00+00' AND bucket_start < '2026-11-20 00:00+00'") * 12, db.queryLong("SELECT count(*) FROM "
                + "noetl.metric_rollup_1m WHERE bucket_start < '2026-11-20 00:00+00'"), "each series has a sample "
                + "every 5 minutes, so 12 one-minute buckets for each hourly one");

        // the history reader: raw rows for today, the 1m tier where it reaches, the 1h tier before that. Only the
        // seed's example has samples before the 1m tier's reach (11-13 23:59:57, taken seconds before their insert
        // into 11-14's partition), so only there does the 1h tier answer; on the live shape the sample time is the
        // insert time and the 1m tier reaches back to the first sample
        List<String> sources = db.queryStrings("SELECT tier FROM noetl.metric_history('cpu', '{\"host\": \"h0\"}', "
                + "'2026-11-10 00:00+00', '2026-11-22 00:00+00') GROUP BY tier ORDER BY min(bucket_start)");
        assertEquals(shape == MetricShape.LIVE ? List.of("1m", "raw") : List.of("1h", "1m", "raw"), sources);
        assertEquals(db.queryLong("SELECT count(*) FROM noetl.metric WHERE labels @> '{\"host\": \"h0\"}' AND "
                + sampleTime(shape) + " >= '2026-11-20 00:00+00'")
                + db.queryLong("SELECT sum(t.sample_count) FROM noetl.metric_rollup_1h t JOIN noetl.metric_series s "
                        + "USING (fingerprint) WHERE s.labels @> '{\"host\": \"h0\"}' AND t.bucket_start < "
                        + "'2026-11-20 00:00+00'"),
                db.queryLong("SELECT sum(sample_count) FROM noetl.metric_history('cpu', '{\"host\": \"h0\"}', NULL, "
                        + "NULL)"), "every sample once: raw from 11-20, the tiers before");

        MetricRetentionPolicyStatus status = p.getStatus();
        assertEquals("2026-11-21T00:00:00Z", status.getRollupWatermark());
        assertEquals(List.of("1m", "1h"), status.getRollups().stream().map(RollupTierStatus::getResolution).toList());
        RollupTierStatus hourly = status.getRollups().get(1);
        assertEquals("noetl.metric_rollup_1h", hourly.getTable());
        assertEquals("metric_2026_11_20", hourly.getWatermarkPartition());
        assertEquals(0L, hourly.getLagSeconds());
        assertEquals(7L, hourly.getRolledUpPartitions());
        assertTrue(hourly.getPartitions() >= 1 && hourly.getBytes() > 0, () -> "tier partitions: " + hourly.getPartitions());
        assertTrue(Double.parseDouble(hourly.getStorageRatio()) > 1, hourly.getStorageRatio());
        assertTrue(status.getLastMaintenance().getDropped().containsAll(days(14, 19)));
        assertEquals(days(14, 20), status.getLastMaintenance().getRolledUp());
        // the pace of the rollups' steps, on the database's own signal (no cap): seven partitions, a step each at least
        HistoryWorkPace pace = status.getHistoryPace().getRollup();
        assertTrue(pace.getSteps() >= 7, () -> "steps: " + pace.getSteps());
        assertTrue(pace.getUnits() > 0 && pace.getWalBytes() > 0, () -> pace.getUnits() + " rows, " + pace.getWalBytes()
                + " WAL bytes");
        assertEquals(2, pace.getActiveBackendsLimit());
        assertEquals(null, pace.getMaxUnitsPerSecond());
        assertEquals(null, status.getHistoryPace().getExport(), "no export");

        String labels = "kind=\"MetricRetentionPolicy\",name=\"" + rolled + "\",namespace=\"" + kube.namespace()
                + "\",table=\"noetl.metric\",tier=\"1h\"";
        String scrape = MetricsScrape.scrape(metricsUrl);
        assertEquals(0.0, MetricsScrape.sample(scrape, "lifecycle_rollup_lag_seconds{" + labels + "}"), 0.0);
        assertEquals(86400.0, MetricsScrape.sample(scrape, "lifecycle_partition_interval_seconds{"
                + labels.replace(",tier=\"1h\"", "") + "}"), 0.0);
        assertTrue(MetricsScrape.sample(scrape, "lifecycle_history_steps_total{kind=\"MetricRetentionPolicy\","
                + "work=\"rollup\"}") >= 7, scrape);
        MetricsScrape.sample(scrape, "lifecycle_history_held_seconds_total{kind=\"MetricRetentionPolicy\","
                + "reason=\"ActiveBackends\",work=\"rollup\"}");
    }

    @ParameterizedTest
    @EnumSource(MetricShape.class)
    void aPartitionPastRetentionWithoutItsRollupIsKeptAndGoesInThePassAfterItsRollup(MetricShape shape)
            throws SQLException {
        setUp(shape);
        String pending = name("pending", shape);
        // a grace of 3 days: 11-14 .. 11-17 are closed for rollup; 11-18 and 11-19 are past retention but not yet
        apply(pending, s -> s.setRollupGrace("3d"));
        MetricRetentionPolicy p = await(pending, condition("Degraded", "True", "RollupPending"));
        assertEquals(days(18, 23), db.partitions("noetl.metric"));
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger WHERE raw_partition IN "
                + "('metric_2026_11_18', 'metric_2026_11_19')"));
        String message = p.getStatus().condition("Degraded").orElseThrow().getMessage();
        assertTrue(message.contains("metric_2026_11_18") && message.contains("metric_2026_11_19"), message);
        // Events are written by their own thread, after the status
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kube.admin().v1().events()
                .inNamespace(kube.namespace()).list().getItems().stream()
                .filter(e -> pending.equals(e.getInvolvedObject().getName())).map(Event::getReason)
                .anyMatch("RollupPending"::equals));

        // the grace back to its default: the next pass rolls them up and then retires them
        apply(pending, s -> {
        });
        await(pending, condition("Degraded", "False", "AsExpected"));
        assertEquals(days(20, 23), db.partitions("noetl.metric"));
        assertEquals(2, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger WHERE raw_partition = "
                + "'metric_2026_11_19'"));
    }

    @ParameterizedTest
    @EnumSource(MetricShape.class)
    void aTierTableDroppedByHandMakesThePolicyDegradedAndRetiresNothing(MetricShape shape) throws SQLException {
        setUp(shape);
        String lost = name("lost", shape);
        apply(lost, s -> {
        });
        await(lost, s -> ((MetricRetentionPolicyStatus) s).getRollupWatermark() != null);
        // the kind's counter counts every policy's failures: this policy's are what it gains from here
        String failures = "lifecycle_rollup_failures_total{kind=\"MetricRetentionPolicy\"}";
        double failedBefore = MetricsScrape.sampleOrZero(MetricsScrape.scrape(metricsUrl), failures);
        db.execute("DROP TABLE noetl.metric_rollup_1h");
        // a day later 11-20 expires; the policy's spec changes to make it look now
        TestClockProducer.CLOCK.set(NOW.plusSeconds(86400));
        db.setServerTime(NOW.plusSeconds(86400));
        apply(lost, s -> s.setPremake(3));
        MetricRetentionPolicy p = await(lost, condition("Degraded", "True", "RollupFailed"));
        String message = p.getStatus().condition("Degraded").orElseThrow().getMessage();
        assertTrue(message.contains("noetl.metric_rollup_1h") && message.contains("missing"), message);
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_20"), "nothing retired");
        assertFalse(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'metric_rollup_1h'") > 0,
                "a lost tier is not re-created");
        assertTrue(condition("Ready", "True", "Maintained").test(p.getStatus()), "the pass itself works");
        assertTrue(MetricsScrape.sample(MetricsScrape.scrape(metricsUrl), failures) >= failedBefore + 1.0, failures);
    }

    @ParameterizedTest
    @EnumSource(MetricShape.class)
    void dryRunShowsTheRollupsAsPlannedActionsAndWritesNothing(MetricShape shape) throws SQLException {
        setUp(shape);
        String dry = name("dry", shape);
        apply(dry, s -> s.setDryRun(true));
        MetricRetentionPolicy p = await(dry, s -> condition("Ready", "True", "DryRun").test(s)
                && ((MetricRetentionPolicyStatus) s).getPlannedActionCount() != null);
        List<PlannedActionRef> planned = p.getStatus().getPlannedActions();
        List<String> rollups = planned.stream().filter(a -> "RollupPartition".equals(a.getAction()))
                .map(PlannedActionRef::getPartition).toList();
        assertEquals(days(14, 20), rollups);
        assertEquals(days(14, 21), db.partitions("noetl.metric"));
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_class WHERE relname IN ('metric_rollup_1m', "
                + "'metric_rollup_1h', 'metric_rollup_ledger', 'metric_series')"));
    }
}
