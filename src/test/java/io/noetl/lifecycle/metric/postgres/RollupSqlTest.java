package io.noetl.lifecycle.metric.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.NestedLabels;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The rollup on the real PostgreSQL, against aggregates this test computes itself from the samples it generated (plain
 * loops, not {@code Bucket}): three tiers, two raw partitions with one bucket drawing samples from both, gauges on both
 * sides of zero, counters with resets; the ledger makes a second run add nothing; a connection killed mid-rollup
 * leaves nothing half-merged and the next run completes it.
 *
 * <p>Runs on both shapes of the metric table ({@link MetricShape}), each in a database of its own:
 * {@link RollupSqlLiveTest} on {@link MetricShape#LIVE}, NoETL's real {@code noetl.metric} ({@code created_at
 * TIMESTAMP} the partition key and the sample time, written as wall-clock time), and {@link RollupSqlSeedExampleTest}
 * on {@link MetricShape#SEED_EXAMPLE}, seed 000's example table ({@code timestamp TIMESTAMPTZ} sample time beside a
 * {@code created_at TIMESTAMPTZ} insert time). Same checks on each. How a bucket comes to draw from both partitions
 * differs: on the seed's shape a row is inserted up to 90 s after its sample time, so rows of the minutes before
 * midnight land in the next day's partition; on the live shape a row's partition is its sample time's, so its wall
 * clock is read in Asia/Kolkata (UTC+05:30), whose midnight, the partitions' bound, falls inside an hour of the 1h
 * tier's epoch grid. Run both with {@code -Dtest='RollupSql*Test'}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RollupSqlTest {
    private static final TableName RAW = new TableName("noetl", "metric");
    private static final RollupSql.Tables TABLES = RollupSql.Tables.of(RAW, RAW.sibling("metric_series"));
    private static final LocalDate FIRST_DAY = LocalDate.of(2026, 11, 28);
    private static final List<RollupSql.Tier> TIERS = List.of(
            tier("1m", Duration.ofDays(30)), tier("5m", Duration.ofDays(90)), tier("1h", Duration.ofDays(365)));
    /** The partitions' bounds: midnights of {@link #zone()} from 11-28 to 11-30. */
    private Instant day1;
    private Instant day2;
    private Instant day3;
    private TestDatabase db;
    /** Every sample generated: series index, sample time (µs), value, and which raw partition holds it. */
    private final List<long[]> times = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();
    private static final int SERIES = 12;

    /** The shape of the metric table this run uses. */
    abstract MetricShape shape();

    /**
     * The zone of the partitions' days and of the live shape's wall clock: Asia/Kolkata on the live shape (see the
     * class's comment), UTC on the seed's (a timestamptz key; its late rows put a bucket in both partitions).
     */
    private ZoneId zone() {
        return shape() == MetricShape.LIVE ? ZoneId.of("Asia/Kolkata") : ZoneOffset.UTC;
    }

    private static RollupSql.Tier tier(String resolution, Duration retention) {
        return new RollupSql.Tier(RAW.sibling("metric_rollup_" + resolution), Resolution.parse(resolution), retention);
    }

    @BeforeAll
    void createDatabase() throws SQLException {
        day1 = FIRST_DAY.atStartOfDay(zone()).toInstant();
        day2 = FIRST_DAY.plusDays(1).atStartOfDay(zone()).toInstant();
        day3 = FIRST_DAY.plusDays(2).atStartOfDay(zone()).toInstant();
        db = TestDatabase.create("rollup_it_" + shape().name());
        db.setServerTime(day3.plus(Duration.ofHours(1)));
        try (Connection c = db.connect()) {
            shape().create(c, RAW.toString());
            RollupSql.ensureShared(c, TABLES);
            for (RollupSql.Tier t : TIERS) {
                RollupSql.ensureTierTable(c, t.table());
            }
            shape().register(c, 1, "w1");
            shape().register(c, 2, "w2");
        }
        for (int d = 0; d < 2; d++) {
            LocalDate date = FIRST_DAY.plusDays(d);
            if (shape() == MetricShape.LIVE) {
                // as NoETL makes them: bounds in the wall clock
                db.execute("SELECT noetl.create_metric_partition(date '" + date + "')");
            } else {
                db.execute("CREATE TABLE noetl.metric_" + date.toString().replace('-', '_') + " PARTITION OF "
                        + "noetl.metric FOR VALUES FROM (" + shape().keyLiteral(date.atStartOfDay(zone()).toInstant(),
                                zone()) + ") TO (" + shape().keyLiteral(date.plusDays(1).atStartOfDay(zone())
                                        .toInstant(), zone()) + ")");
            }
        }
        assertEquals(List.of("metric_2026_11_28", "metric_2026_11_29"), db.partitions("noetl.metric"));
        for (RollupSql.Tier t : TIERS) {
            db.execute("CREATE TABLE " + t.table().sql().replace("\"", "") + "_all PARTITION OF " + t.table().sql()
                    + " FOR VALUES FROM ('2026-11-01 00:00+00') TO ('2026-12-31 00:00+00')");
        }
        generate();
    }

    @AfterAll
    void dropDatabase() {
        Teardown.close(db);
    }

    @BeforeEach
    void emptyTiers() {
        db.execute("TRUNCATE noetl.metric_rollup_ledger, noetl.metric_series, noetl.metric_rollup_1m, "
                + "noetl.metric_rollup_5m, noetl.metric_rollup_1h");
        db.execute("DROP TABLE IF EXISTS noetl.metric_rollup_progress");
    }

    /**
     * Twelve series over the last 3 hours of day 1 and the first 3 of day 2, a sample every 15 s (jittered): gauges
     * around zero and counters that reset now and then, written as NoETL writes them ({@link MetricShape#insert}).
     * On the seed's shape each row's insert time is its sample time plus up to 90 s, so rows of the minutes before
     * midnight land in day 2's partition; on the live shape the sample time is the insert time.
     */
    private void generate() throws SQLException {
        Random random = new Random(13);
        List<MetricShape.Row> rows = new ArrayList<>();
        for (int series = 0; series < SERIES; series++) {
            boolean counter = series % 2 == 1;
            double value = counter ? 0 : random.nextGaussian();
            Instant start = day2.minus(Duration.ofHours(3));
            for (long t = 0; t < 6 * 3600; t += 15) {
                Instant time = start.plusSeconds(t).plusMillis(random.nextInt(15_000));
                if (counter) {
                    value = random.nextInt(200) == 0 ? random.nextInt(5) : value + random.nextInt(7);
                } else {
                    value = series % 4 == 0 ? random.nextGaussian() * 3 : Math.abs(random.nextGaussian()) * 100;
                }
                if (random.nextInt(50) == 0) {
                    value = 0.0; // a zero, which has no sign
                }
                Instant late = time.plusMillis(random.nextInt(90_000));
                Instant created = shape() == MetricShape.LIVE ? time : late;
                // label order varies row by row: jsonb and the fingerprint do not mind
                String labels = random.nextBoolean() ? "{\"s\": " + series + ", \"host\": \"h" + series % 3 + "\"}"
                        : "{\"host\": \"h" + series % 3 + "\", \"s\": " + series + ".0}";
                rows.add(new MetricShape.Row(1 + series % 2, counter ? "requests_total" : "temperature",
                        counter ? "counter" : "gauge", value, labels, time, created));
                times.add(new long[] {series, micros(time), created.isBefore(day2) ? 1 : 2});
                values.add(value);
            }
        }
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            shape().insert(c, RAW.toString(), zone(), rows);
            c.commit();
        }
        assertEquals(rows.size(), db.queryLong("SELECT count(*) FROM noetl.metric"));
        assertEquals(times.stream().filter(r -> r[2] == 1).count(),
                db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_28"), "rows of day 1's partition");
    }

    private RollupSql.RawPartition raw(Connection c, String partition, Instant from, Instant to)
            throws SQLException {
        return new RollupSql.RawPartition(partition, from, to, MetricShape.columns(c, RAW, zone()));
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    @Test
    void eachTierHoldsTheAggregatesOfItsBucketsAndASecondRunAddsNothing() throws SQLException {
        try (Connection c = db.connect()) {
            // what this test is about: a bucket of the 1h tier draws samples from both partitions
            assertTrue(times.stream().filter(r -> r[2] == 1).map(r -> r[0] + "/" + Math.floorDiv(r[1], 3_600_000_000L))
                    .anyMatch(times.stream().filter(r -> r[2] == 2).map(r -> r[0] + "/" + Math.floorDiv(r[1],
                            3_600_000_000L)).collect(java.util.stream.Collectors.toSet())::contains),
                    "no 1h bucket holds samples of both partitions; the merge is not exercised");
            RollupSql.Rolled first = roll(c, "metric_2026_11_28", day1, day2);
            assertEquals(TIERS.stream().map(RollupSql.Tier::table).toList(), first.tiers());
            assertEquals(SERIES, first.series());
            roll(c, "metric_2026_11_29", day2, day3);
            for (RollupSql.Tier t : TIERS) {
                assertTierMatches(t, List.of(1L, 2L));
            }
            List<List<Object>> before = snapshot();
            RollupSql.Rolled again = roll(c, "metric_2026_11_28", day1, day2);
            assertTrue(again.tiers().isEmpty(), "the ledger has it: " + again);
            assertEquals(before, snapshot(), "a second run changed the tiers");
            assertEquals(6, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger"));
        }
    }

    @Test
    void aTierAddedLaterIsRolledAloneAndTheOthersAreLeftAsTheyAre() throws SQLException {
        try (Connection c = db.connect()) {
            RollupSql.rollUp(c, TABLES, raw(c, "metric_2026_11_28", day1, day2), TIERS.subList(0, 2));
            List<List<Object>> fine = db.query("SELECT * FROM noetl.metric_rollup_1m ORDER BY 1, 2");
            RollupSql.Rolled later = roll(c, "metric_2026_11_28", day1, day2);
            assertEquals(List.of(TIERS.get(2).table()), later.tiers());
            assertEquals(fine, db.query("SELECT * FROM noetl.metric_rollup_1m ORDER BY 1, 2"));
            assertTierMatches(TIERS.get(2), List.of(1L));
        }
    }

    @Test
    void aBucketWithoutATierPartitionFailsTheRollupWhichThenChangedNothing() throws SQLException {
        db.execute("CREATE TABLE noetl.metric_rollup_narrow (LIKE noetl.metric_rollup_1m) PARTITION BY RANGE (bucket_start)",
                "ALTER TABLE noetl.metric_rollup_narrow ADD PRIMARY KEY (fingerprint, bucket_start)",
                // the last two hours of day 1's partition only
                "CREATE TABLE noetl.metric_rollup_narrow_p PARTITION OF noetl.metric_rollup_narrow FOR VALUES FROM "
                        + "('" + day2.minus(Duration.ofHours(2)) + "') TO ('" + day2 + "')");
        try (Connection c = db.connect()) {
            List<RollupSql.Tier> tiers = List.of(TIERS.get(0), new RollupSql.Tier(RAW.sibling("metric_rollup_narrow"),
                    Resolution.parse("5m"), Duration.ofDays(30)));
            SQLException e = assertThrows(SQLException.class, () -> RollupSql.rollUp(c, TABLES, raw(c, "metric_2026_11_28",
                    day1, day2), tiers));
            assertEquals("23514", e.getSQLState(), e.getMessage());
            assertTrue(c.getAutoCommit());
            assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger"));
            assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_1m"));
            assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_series"));
        } finally {
            db.execute("DROP TABLE noetl.metric_rollup_narrow");
        }
    }

    /**
     * A row whose labels nest 1,000 levels deep, in day 1's partition among the ordinary rows, is left out and counted:
     * the tiers hold exactly the aggregates of the ordinary rows, the catalogue has no series for it, and the ledger
     * records one refused row for that partition. Before, fingerprinting it failed the whole rollup ("stack depth limit
     * exceeded"), on every run.
     */
    @Test
    void aRowWithLabelsNestedTooDeepIsLeftOutAndCountedAndTheRestIsRolledUp() throws SQLException {
        try (Connection c = db.connect()) {
            shape().insert(c, RAW.toString(), zone(), List.of(new MetricShape.Row(1, "temperature", "gauge", 1e6,
                    NestedLabels.json(1000), day2.minus(Duration.ofHours(2)))));
        }
        try (Connection c = db.connect()) {
            long id = db.queryLong("SELECT metric_id FROM noetl.metric_2026_11_28 WHERE metric_value = 1e6");
            RollupSql.Rolled first = roll(c, "metric_2026_11_28", day1, day2);
            assertEquals(SERIES, first.series());
            assertEquals(1, first.rowsRefused());
            assertEquals(Optional.of(id), first.refusedExample());
            assertEquals(times.stream().filter(r -> r[2] == 1).count() + 1, first.rawRows(), "the partition's rows");
            assertEquals(0, roll(c, "metric_2026_11_29", day2, day3).rowsRefused());
            for (RollupSql.Tier t : TIERS) {
                assertTierMatches(t, List.of(1L, 2L));
            }
            assertEquals(SERIES, db.queryLong("SELECT count(*) FROM noetl.metric_series"));
            assertEquals(List.of("metric_2026_11_28 1", "metric_2026_11_29 0"), db.queryStrings("SELECT DISTINCT "
                    + "raw_partition || ' ' || rows_refused FROM noetl.metric_rollup_ledger ORDER BY 1"));
            for (RollupSql.TierLedger ledger : RollupSql.tierLedgers(c, TABLES).values()) {
                assertEquals(1, ledger.rowsRefused(), "each tier counts the row it left out");
            }
        } finally {
            db.execute("DELETE FROM noetl.metric WHERE metric_value = 1e6");
        }
    }

    /**
     * What an earlier version made (a ledger without {@code rows_refused}, a {@code series_label_bytes} of another
     * body) is read as it is and brought up to date by the first pass that writes, and only then.
     */
    @Test
    void aLedgerAndFunctionsOfAnEarlierVersionAreBroughtUpToDateOnce() throws SQLException {
        try (Connection c = db.connect()) {
            roll(c, "metric_2026_11_28", day1, day2);
            db.execute("ALTER TABLE noetl.metric_rollup_ledger DROP COLUMN rows_refused",
                    "CREATE OR REPLACE FUNCTION noetl.series_label_bytes(v jsonb) RETURNS bytea LANGUAGE sql "
                            + "IMMUTABLE AS 'SELECT NULL::bytea'");
            // a plan reads the old ledger
            assertEquals(0, RollupSql.tierLedgers(c, TABLES).get(TIERS.get(0).table().toString()).rowsRefused());
            assertTrue(RollupSql.upgradeShared(c, TABLES));
            assertFalse(RollupSql.upgradeShared(c, TABLES), "a second pass changed something");
            assertEquals(List.of("3"), db.queryStrings("SELECT count(*) FROM noetl.metric_rollup_ledger "
                    + "WHERE rows_refused IS NULL"), "the rows before the column have none");
            roll(c, "metric_2026_11_29", day2, day3);
            for (RollupSql.Tier t : TIERS) {
                assertTierMatches(t, List.of(1L, 2L));
            }
            assertEquals(0, RollupSql.tierLedgers(c, TABLES).get(TIERS.get(0).table().toString()).rowsRefused());
        } finally {
            try (Connection c = db.connect()) {
                RollupSql.upgradeShared(c, TABLES); // the other tests need this version's, whatever happened here
            }
        }
    }

    /**
     * Each round holds a lock one step of the rollup needs (the catalogue, or one of the tiers), so the rollup stops
     * there with its ledger rows and earlier merges written but not committed, and kills its connection then; in the
     * last rounds the kill lands at a random moment instead. Either way nothing of the rollup is left, and the next
     * run makes the tiers whole.
     */
    @Test
    void killingTheConnectionMidRollupLeavesTheLedgerAndTheTiersConsistentAndTheNextRunCompletesThem()
            throws Exception {
        List<String> blockers = List.of("noetl.metric_series", "noetl.metric_rollup_1m", "noetl.metric_rollup_5m",
                "noetl.metric_rollup_1h");
        Random random = new Random(7);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        int interrupted = 0;
        try {
            for (int round = 0; round < blockers.size() + 3; round++) {
                emptyTiers();
                Connection c = db.connect();
                long pid;
                try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    pid = rs.getLong(1);
                }
                Connection holder = db.connect();
                holder.setAutoCommit(false);
                boolean held = round < blockers.size();
                if (held) {
                    try (Statement s = holder.createStatement()) {
                        s.execute("LOCK TABLE " + blockers.get(round) + " IN SHARE MODE");
                    }
                }
                Future<RollupSql.Rolled> rollup = runner.submit(() -> roll(c, "metric_2026_11_28", day1, day2));
                if (held) {
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = "
                            + "'Lock'", pid) == 0) {
                        assertTrue(System.nanoTime() < deadline, "the rollup never waited on " + blockers.get(round));
                        Thread.sleep(10);
                    }
                    if (round > 0) {
                        assertTrue(db.queryLong("SELECT count(*) FROM pg_locks WHERE pid = ? AND relation = "
                                + "'noetl.metric_rollup_ledger'::regclass AND mode = 'RowExclusiveLock'", pid) == 1,
                                "the rollup had not written its ledger rows before " + blockers.get(round));
                    }
                } else {
                    Thread.sleep(random.nextInt(40));
                }
                db.queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid = ?", pid);
                holder.rollback();
                holder.close();
                boolean failed;
                try {
                    rollup.get();
                    failed = false;
                } catch (java.util.concurrent.ExecutionException e) {
                    failed = true;
                }
                c.close();
                long ledger = db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger");
                if (failed) {
                    interrupted++;
                    assertEquals(0, ledger, "a killed rollup left ledger rows");
                    assertEquals(0, db.queryLong("SELECT (SELECT count(*) FROM noetl.metric_rollup_1m) + (SELECT "
                            + "count(*) FROM noetl.metric_rollup_5m) + (SELECT count(*) FROM noetl.metric_rollup_1h) + "
                            + "(SELECT count(*) FROM noetl.metric_series)"), "a killed rollup left buckets");
                } else {
                    assertFalse(held, "a rollup held up on a lock was not killed");
                    assertEquals(3, ledger);
                }
                try (Connection next = db.connect()) {
                    roll(next, "metric_2026_11_28", day1, day2);
                }
                for (RollupSql.Tier t : TIERS) {
                    assertTierMatches(t, List.of(1L));
                }
            }
        } finally {
            runner.shutdownNow();
        }
        assertTrue(interrupted >= blockers.size(), "only " + interrupted + " rollups were interrupted");
    }

    /** What one transaction left of both partitions: the tiers and the catalogue, and the ledger. */
    private record OneTransaction(List<List<Object>> tiers, List<List<Object>> ledger) {
    }

    /** Rolls both partitions up in one transaction each, keeps what that left, and empties the tiers again. */
    private OneTransaction rolledInOneTransactionThenEmptied() throws SQLException {
        OneTransaction reference;
        try (Connection c = db.connect()) {
            roll(c, "metric_2026_11_28", day1, day2);
            roll(c, "metric_2026_11_29", day2, day3);
            reference = new OneTransaction(snapshot(), ledger());
        }
        emptyTiers();
        return reference;
    }

    /**
     * A rollup in steps ({@link RollupSteps}: slices of whole 1h buckets, each committed) leaves the tiers, the series
     * catalogue and the ledger exactly as one transaction does, bucket for bucket, a 1h bucket drawing on both
     * partitions included; stopped after two steps it has written no ledger row (the partition may not be retired),
     * and the next run goes on after those two steps, not from the start; a third run adds nothing.
     */
    @Test
    void aRollupInStepsLeavesExactlyWhatOneTransactionDoesAndResumesAfterItsLastStep() throws Exception {
        OneTransaction reference = rolledInOneTransactionThenEmptied();
        List<List<Object>> oneTransaction = reference.tiers();
        List<List<Object>> ledger = reference.ledger();
        try (Connection c = db.connect()) {
            RollupSteps.ensureProgress(c, TABLES);
            List<Long> stepRows = new ArrayList<>();
            List<Long> stepWal = new ArrayList<>();
            RollupSteps.Stepper stopsAfterTwo = new RollupSteps.Stepper() {
                @Override
                public void beforeStep() throws InterruptedException {
                    if (stepRows.size() == 2) {
                        throw new InterruptedException("stopped after two steps");
                    }
                }

                @Override
                public void stepDone(long rows, long walBytes) {
                    stepRows.add(rows);
                    stepWal.add(walBytes);
                }
            };
            assertThrows(InterruptedException.class, () -> RollupSteps.rollUp(c, TABLES, raw(c, "metric_2026_11_28",
                    day1, day2), TIERS, 500, 1000, stopsAfterTwo));
            assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger"),
                    "a half-done rollup shows in the ledger");
            assertEquals(2, db.queryLong("SELECT steps FROM noetl.metric_rollup_progress"));
            long mergedAfterTwo = db.queryLong("SELECT count(*) FROM noetl.metric_rollup_1m");
            assertTrue(mergedAfterTwo > 0, "the two steps committed nothing");
            RollupSteps.Stepped rest = RollupSteps.rollUp(c, TABLES, raw(c, "metric_2026_11_28", day1, day2), TIERS,
                    500, 1000, counting(stepRows, stepWal));
            assertTrue(rest.steps() >= 1, "nothing left after two steps: the test's slices are too wide");
            RollupSteps.Stepped second = RollupSteps.rollUp(c, TABLES, raw(c, "metric_2026_11_29", day2, day3),
                    TIERS, 500, 1000, counting(stepRows, stepWal));
            assertTrue(second.steps() >= 2, "day 2 in one step: " + second);
            assertEquals(TIERS.stream().map(RollupSql.Tier::table).toList(), second.rolled().tiers());
            assertEquals(SERIES, second.rolled().series());
            assertEquals(times.size(), stepRows.stream().mapToLong(Long::longValue).sum(),
                    "the steps' rows are not the partitions' rows, each once");
            assertTrue(stepWal.stream().allMatch(w -> w > 0), "a step wrote no WAL: " + stepWal);
            assertEquals(oneTransaction, snapshot(), "the tiers or the catalogue differ from one transaction's");
            assertEquals(ledger, ledger(), "the ledger differs from one transaction's");
            assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_progress"));
            RollupSteps.Stepped again = RollupSteps.rollUp(c, TABLES, raw(c, "metric_2026_11_28", day1, day2), TIERS,
                    500, 1000, RollupSteps.UNPACED);
            assertTrue(again.rolled().tiers().isEmpty(), "the ledger has it: " + again);
            assertEquals(0, again.steps());
            assertEquals(oneTransaction, snapshot(), "a second run changed the tiers");
        }
    }

    /**
     * Two processes rolling the same partitions in steps at once (the operator and {@code apply --once}) take turns
     * slice by slice under the progress row's lock: each slice is merged once, and the tiers, the catalogue and the
     * ledger are exactly one transaction's.
     */
    @Test
    void twoProcessesRollingInStepsAtOnceMergeEachSliceOnce() throws Exception {
        OneTransaction reference = rolledInOneTransactionThenEmptied();
        List<List<Object>> oneTransaction = reference.tiers();
        List<List<Object>> ledger = reference.ledger();
        try (Connection c = db.connect()) {
            RollupSteps.ensureProgress(c, TABLES);
        }
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            List<Future<Long>> runs = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                runs.add(two.submit(() -> {
                    long steps = 0;
                    try (Connection c = db.connect()) {
                        RollupSteps.Stepper slow = new RollupSteps.Stepper() {
                            @Override
                            public void beforeStep() throws InterruptedException {
                                Thread.sleep(20); // let the other one in between the steps
                            }

                            @Override
                            public void stepDone(long rows, long walBytes) {
                            }
                        };
                        steps += RollupSteps.rollUp(c, TABLES, raw(c, "metric_2026_11_28", day1, day2), TIERS, 500,
                                5000, slow).steps();
                        steps += RollupSteps.rollUp(c, TABLES, raw(c, "metric_2026_11_29", day2, day3), TIERS, 500,
                                5000, slow).steps();
                    }
                    return steps;
                }));
            }
            long a = runs.get(0).get();
            long b = runs.get(1).get();
            assertTrue(a + b >= 6, "steps: " + a + " + " + b);
        } finally {
            two.shutdownNow();
        }
        assertEquals(oneTransaction, snapshot(), "a slice merged twice, or not at all");
        assertEquals(ledger, ledger());
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_progress"));
    }

    private static RollupSteps.Stepper counting(List<Long> rows, List<Long> wal) {
        return new RollupSteps.Stepper() {
            @Override
            public void beforeStep() {
            }

            @Override
            public void stepDone(long r, long w) {
                rows.add(r);
                wal.add(w);
            }
        };
    }

    /** The ledger but for when each row was written. */
    private List<List<Object>> ledger() {
        return db.query("SELECT raw_table, raw_partition, tier_table, range_from, range_to, resolution_seconds, "
                + "raw_rows, raw_bytes, buckets, rows_refused FROM noetl.metric_rollup_ledger ORDER BY 1, 2, 3");
    }

    private RollupSql.Rolled roll(Connection c, String partition, Instant from, Instant to) throws SQLException {
        return RollupSql.rollUp(c, TABLES, raw(c, partition, from, to), TIERS);
    }

    private List<List<Object>> snapshot() {
        List<List<Object>> all = new ArrayList<>();
        for (RollupSql.Tier t : TIERS) {
            all.addAll(db.query("SELECT * FROM " + t.table().sql() + " ORDER BY 1, 2"));
        }
        all.addAll(db.query("SELECT * FROM noetl.metric_series ORDER BY 1"));
        return all;
    }

    /** What the test expects of one bucket, from the samples in time order. */
    private static final class Expected {
        long count;
        long positiveCount;
        long negativeCount;
        double positiveSum;
        double negativeSum;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        final List<double[]> samples = new ArrayList<>();
    }

    /**
     * The tier's rows equal the aggregates of the samples held by {@code partitions}: counts, min, max, first and last
     * exactly, sums to 1e-9 relative, and the increase exactly where the row says it is exact, else a lower bound at
     * least the last value less the first for a counter without resets.
     */
    private void assertTierMatches(RollupSql.Tier tier, List<Long> partitions) {
        long width = tier.resolution().micros();
        Map<String, Expected> expected = new HashMap<>();
        for (int i = 0; i < times.size(); i++) {
            long[] row = times.get(i);
            if (!partitions.contains(row[2])) {
                continue;
            }
            double v = values.get(i);
            String key = row[0] + "/" + Math.floorDiv(row[1], width) * width;
            Expected e = expected.computeIfAbsent(key, k -> new Expected());
            e.count++;
            e.min = Math.min(e.min, v);
            e.max = Math.max(e.max, v);
            if (v > 0) {
                e.positiveCount++;
                e.positiveSum += v;
            } else if (v < 0) {
                e.negativeCount++;
                e.negativeSum += v;
            }
            e.samples.add(new double[] {row[1], v});
        }
        List<List<Object>> rows = db.query("SELECT (s.labels->>'s')::numeric::int, (extract(epoch FROM t.bucket_start) "
                + "* 1000000)::bigint, t.sample_count, t.min_value, t.max_value, t.positive_count, t.positive_sum, "
                + "t.negative_count, t.negative_sum, (extract(epoch FROM t.first_time) * 1000000)::bigint, t.first_value, "
                + "(extract(epoch FROM t.last_time) * 1000000)::bigint, t.last_value, t.increase, t.resets, "
                + "t.increase_exact FROM " + tier.table().sql() + " t JOIN noetl.metric_series s USING (fingerprint)");
        assertEquals(expected.size(), rows.size(), tier.table() + ": buckets");
        for (List<Object> r : rows) {
            String key = r.get(0) + "/" + r.get(1);
            Expected e = expected.get(key);
            String where = tier.table() + " " + key;
            assertTrue(e != null, where + " is not a bucket of the samples");
            assertEquals(e.count, ((Number) r.get(2)).longValue(), where + " count");
            assertEquals(e.min, (Double) r.get(3), 0.0, where + " min");
            assertEquals(e.max, (Double) r.get(4), 0.0, where + " max");
            assertEquals(e.positiveCount, ((Number) r.get(5)).longValue(), where + " positive count");
            assertRelative(e.positiveSum, (Double) r.get(6), where + " positive sum");
            assertEquals(e.negativeCount, ((Number) r.get(7)).longValue(), where + " negative count");
            assertRelative(e.negativeSum, (Double) r.get(8), where + " negative sum");
            e.samples.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
            double[] first = e.samples.get(0);
            double[] last = e.samples.get(e.samples.size() - 1);
            assertEquals((long) first[0], ((Number) r.get(9)).longValue(), where + " first time");
            assertEquals(first[1], (Double) r.get(10), 0.0, where + " first value");
            assertEquals((long) last[0], ((Number) r.get(11)).longValue(), where + " last time");
            assertEquals(last[1], (Double) r.get(12), 0.0, where + " last value");
            double increase = 0;
            long resets = 0;
            for (int i = 1; i < e.samples.size(); i++) {
                double prev = e.samples.get(i - 1)[1];
                double next = e.samples.get(i)[1];
                increase += next >= prev ? next - prev : next;
                resets += next < prev ? 1 : 0;
            }
            double got = (Double) r.get(13);
            if ((Boolean) r.get(15)) {
                assertRelative(increase, got, where + " increase");
                assertEquals(resets, ((Number) r.get(14)).longValue(), where + " resets");
            } else {
                assertTrue(got <= increase * (1 + 1e-9) + 1e-9, where + " increase " + got + " over " + increase);
                if (resets == 0) {
                    assertRelative(last[1] - first[1], got, where + " increase of a counter without resets");
                }
            }
        }
    }

    private static void assertRelative(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.max(Math.abs(expected), 1e-300) * 1e-9, what);
    }
}
