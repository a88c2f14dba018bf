package io.noetl.lifecycle.metric.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.NestedLabels;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The history reader on the real PostgreSQL, against what this test works out itself from the samples it generated:
 * six series over four and a half days in daily raw partitions, the four older days rolled up into a 1m tier (which
 * keeps two days) and a 1h tier, the three oldest raw partitions dropped; the function also lists a 1d tier whose
 * table never exists. Gauges arrive up to 90 s late, so some rows sit in the partition after their sample time's;
 * counters arrive on time. Each test that needs another layout (a raw partition dropped, a tier or the catalogue
 * gone, a partition off the grid) changes it in a transaction it rolls back.
 *
 * <p>Runs on both shapes of the metric table ({@link MetricShape}), each in a database of its own:
 * {@link MetricHistorySqlLiveTest} on {@link MetricShape#LIVE}, NoETL's real {@code noetl.metric} ({@code created_at
 * TIMESTAMP} the partition key and the sample time, written as UTC wall-clock time, its daily partitions made by
 * NoETL's {@code noetl.create_metric_partition}), and {@link MetricHistorySqlSeedExampleTest} on
 * {@link MetricShape#SEED_EXAMPLE}, seed 000's example table ({@code timestamp TIMESTAMPTZ} sample time beside a
 * {@code created_at TIMESTAMPTZ} insert time). Same checks on each, but for what needs a row stored in a later
 * partition than its sample time's, which only the seed's shape can hold (on the live shape the sample time is the
 * key): there the gauges arrive late; on the live shape no row is late, and the two tests that show what late rows
 * do check instead what the live shape gives in their place (said at each). Run both with
 * {@code -Dtest='MetricHistorySql*Test'}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MetricHistorySqlTest {
    private static final TableName RAW = new TableName("noetl", "metric");
    private static final RollupSql.Tables TABLES = RollupSql.Tables.of(RAW, RAW.sibling("metric_series"));
    private static final Instant TODAY = Instant.parse("2026-12-10T00:00:00Z");
    private static final Instant NOW = TODAY.plus(Duration.ofHours(12));
    /** Raw partitions: day index -4 .. 0 (today); -4 .. -1 are rolled up, -4 .. -2 then dropped. */
    private static final int FIRST_DAY = -4;
    private static final Set<Integer> ROLLED = Set.of(-4, -3, -2, -1);
    private static final RollupSql.Tier MINUTE = tier("1m", Duration.ofHours(60)); // keeps buckets from day -2 on
    private static final RollupSql.Tier HOUR = tier("1h", Duration.ofDays(30));
    private static final RollupSql.Tier DAY = tier("1d", Duration.ofDays(365)); // never created
    private static final List<RollupSql.Tier> TIERS = List.of(MINUTE, HOUR, DAY);
    private static final String TEMPERATURE = "temperature";
    private static final String REQUESTS = "requests_total";
    /** name, type, runtime, labels (null for SQL NULL), late (gauges) or not (counters). */
    private static final String[][] SERIES = {
        {TEMPERATURE, "gauge", "1", "{\"host\": \"h0\", \"dc\": \"a\"}"},
        {TEMPERATURE, "gauge", "2", "{\"host\": \"h1\", \"dc\": \"a\"}"},
        {TEMPERATURE, "gauge", "1", "{\"host\": \"h2\", \"dc\": \"b\"}"},
        {TEMPERATURE, "gauge", "2", null},
        {REQUESTS, "counter", "1", "{\"host\": \"h0\", \"dc\": \"a\"}"},
        {REQUESTS, "counter", "2", "{\"host\": \"h1\", \"dc\": \"b\"}"},
    };
    private final long[] fingerprints = new long[SERIES.length];
    private TestDatabase db;
    /** Every sample: series index, sample time (µs), the day index of the raw partition holding its row. */
    private final List<long[]> samples = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();
    /** The operator's mapping of the raw table's columns on this shape. */
    private io.noetl.lifecycle.metric.plan.MetricColumns rawColumns;

    /** The shape of the metric table this run uses. */
    abstract MetricShape shape();

    private boolean live() {
        return shape() == MetricShape.LIVE;
    }

    private static RollupSql.Tier tier(String resolution, Duration retention) {
        return new RollupSql.Tier(RAW.sibling("metric_rollup_" + resolution), Resolution.parse(resolution), retention);
    }

    private static Instant day(int index) {
        return TODAY.plus(Duration.ofDays(index));
    }

    private static String partition(int index) {
        return "metric_" + DateTimeFormatter.ofPattern("yyyy_MM_dd").withZone(ZoneOffset.UTC).format(day(index));
    }

    private static io.noetl.lifecycle.metric.plan.MetricColumns cols(Connection c, TableName table)
            throws SQLException {
        return MetricShape.columns(c, table, ZoneOffset.UTC);
    }

    @BeforeAll
    void createDatabase() throws SQLException {
        db = TestDatabase.create("history_it_" + shape().name());
        db.setServerTime(NOW);
        try (Connection c = db.connect()) {
            shape().create(c, RAW.toString());
            rawColumns = cols(c, RAW);
            // before any tier table or the catalogue exists: creating the function needs none of them
            MetricHistorySql.ensureFunction(c, TABLES, rawColumns, TIERS);
            RollupSql.ensureShared(c, TABLES);
            RollupSql.ensureTierTable(c, MINUTE.table());
            RollupSql.ensureTierTable(c, HOUR.table());
            shape().register(c, 1, "w1");
            shape().register(c, 2, "w2");
        }
        for (int d = FIRST_DAY; d <= 1; d++) {
            if (live()) {
                // as NoETL makes them: bounds in the wall clock (UTC here)
                db.execute("SELECT noetl.create_metric_partition(date '" + day(d).toString().substring(0, 10) + "')");
            } else {
                db.execute("CREATE TABLE noetl." + partition(d) + " PARTITION OF noetl.metric FOR VALUES FROM ("
                        + shape().keyLiteral(day(d), ZoneOffset.UTC) + ") TO ("
                        + shape().keyLiteral(day(d + 1), ZoneOffset.UTC) + ")");
            }
        }
        assertEquals(IntStream.rangeClosed(FIRST_DAY, 1).mapToObj(MetricHistorySqlTest::partition).toList(),
                db.partitions("noetl.metric"));
        for (int d = -2; d <= 0; d++) {
            db.execute("CREATE TABLE noetl.metric_rollup_1m_" + (d + 2) + " PARTITION OF noetl.metric_rollup_1m "
                    + "FOR VALUES FROM ('" + day(d) + "') TO ('" + day(d + 1) + "')");
        }
        db.execute("CREATE TABLE noetl.metric_rollup_1h_all PARTITION OF noetl.metric_rollup_1h FOR VALUES FROM ('"
                + day(-10) + "') TO ('" + day(2) + "')");
        generate();
        try (Connection c = db.connect()) {
            for (int d : new TreeSet<>(ROLLED)) {
                RollupSql.rollUp(c, TABLES, new RollupSql.RawPartition(partition(d), day(d), day(d + 1), cols(c, RAW)),
                        List.of(MINUTE, HOUR));
            }
        }
        for (int d = FIRST_DAY; d <= -2; d++) {
            db.execute("DROP TABLE noetl." + partition(d));
        }
        for (int i = 0; i < SERIES.length; i++) {
            fingerprints[i] = db.queryLong("SELECT noetl.series_fingerprint(?, ?, ?, ?::jsonb)", SERIES[i][0],
                    SERIES[i][1], Long.parseLong(SERIES[i][2]), SERIES[i][3]);
        }
    }

    @AfterAll
    void dropDatabase() {
        Teardown.close(db);
    }

    /**
     * A sample every 45 s (jittered by up to 30 s) from 00:05 of day -4 to 11:00 today; gauges on both sides of zero
     * arrive up to 90 s late on the seed's shape (on the live shape the sample time is the insert time), counters grow
     * and reset now and then and arrive on time; written as NoETL writes them ({@link MetricShape#insert}).
     */
    private void generate() throws SQLException {
        Random random = new Random(29);
        List<MetricShape.Row> rows = new ArrayList<>();
        Instant start = day(FIRST_DAY).plus(Duration.ofMinutes(5));
        long span = Duration.between(start, TODAY.plus(Duration.ofHours(11))).getSeconds();
        for (int s = 0; s < SERIES.length; s++) {
            boolean counter = "counter".equals(SERIES[s][1]);
            double value = 0;
            for (long t = 0; t < span; t += 45) {
                Instant time = start.plusSeconds(t).plusMillis(random.nextInt(30_000));
                if (counter) {
                    value = random.nextInt(300) == 0 ? random.nextInt(3) : value + random.nextInt(9);
                } else {
                    value = random.nextGaussian() * 20 + (s - 1) * 5;
                }
                Instant late = counter ? time : time.plusMillis(random.nextInt(90_000));
                Instant created = live() ? time : late;
                int dayIndex = (int) Math.floorDiv(Duration.between(TODAY, created).getSeconds(), 86_400L);
                rows.add(new MetricShape.Row(Long.parseLong(SERIES[s][2]), SERIES[s][0], SERIES[s][1], value,
                        SERIES[s][3], time, created));
                samples.add(new long[] {s, micros(time), dayIndex});
                values.add(value);
            }
        }
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            shape().insert(c, RAW.toString(), ZoneOffset.UTC, rows);
            c.commit();
        }
        assertEquals(rows.size(), db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    // ---- the layouts: what answers which range of sample time, by the rule in MetricHistorySql's Javadoc ----

    /** One source's range of sample time: the raw table, or a tier's buckets of {@code width} µs. */
    private record Source(String tier, long width, long from, long to) {
    }

    private record Layout(Set<Integer> rawPartitions, List<Source> sources) {
    }

    private static long at(Instant t) {
        return micros(t);
    }

    private static final long HOUR_US = 3_600_000_000L;
    private static final long MINUTE_US = 60_000_000L;
    private static final long INF = Long.MAX_VALUE;

    /** As set up: raw partitions -1 and 0 (-1 rolled, still there); 1m from day -2, 1h from day -10. */
    private static final Layout AS_SET_UP = new Layout(Set.of(-1, 0, 1), List.of(
            new Source("raw", 0, at(day(-1)), INF),
            new Source("1m", MINUTE_US, at(day(-2)), at(day(-1))),
            new Source("1h", HOUR_US, at(day(-10)), at(day(-2)))));

    /** Raw partition -1 dropped too: raw from today. */
    private static final Layout RAW_TODAY = new Layout(Set.of(0, 1), List.of(
            new Source("raw", 0, at(TODAY), INF),
            new Source("1m", MINUTE_US, at(day(-2)), at(TODAY)),
            new Source("1h", HOUR_US, at(day(-10)), at(day(-2)))));

    // ---- the tests ----

    @Test
    void everySampleIsAnsweredOnceRawWhereItIsAndTheFinestTierBeforeThat() throws SQLException {
        long from = at(day(-6));
        long to = at(day(1));
        List<Row> rows = history(TEMPERATURE, null, day(-6), day(1));
        assertMatches(AS_SET_UP, allOf(TEMPERATURE), from, to, rows);
        // no gap, no double count: the counts add up to the samples of the range
        assertEquals(samplesIn(allOf(TEMPERATURE), from, to), sumOfCounts(rows));
        // the rolled partition still there is answered by raw alone: raw rows from day -1, none before
        assertTrue(minStart(rows, "raw") >= at(day(-1)), "raw answered before its boundary");
        assertTrue(minStart(rows, "raw") < at(day(-1)) + MINUTE_US, "raw did not answer from its boundary");
        assertEquals(at(day(-2)), minStart(rows, "1m"), "the 1m tier answers from its oldest partition");
        assertEquals(at(day(-1)), maxEnd(rows, "1m"), "the 1m tier answers up to the raw boundary");
        assertEquals(at(day(-4)), minStart(rows, "1h"), "the 1h tier answers from its first bucket");
        assertEquals(at(day(-2)), maxEnd(rows, "1h"), "the 1h tier answers up to the 1m tier's boundary");
        assertEquals(Set.of("raw", "1m", "1h"), tiers(rows));
    }

    @Test
    void withTheRolledPartitionDroppedRawAnswersTodayAndTheLateRowsOfYesterdayAreTheOnlyGap() throws SQLException {
        long from = at(day(-6));
        long to = at(day(1));
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE noetl." + partition(-1));
            }
            List<Row> rows = history(c, TEMPERATURE, null, day(-6), day(1));
            assertMatches(RAW_TODAY, allOf(TEMPERATURE), from, to, rows);
            assertTrue(minStart(rows, "raw") >= at(TODAY));
            assertEquals(at(TODAY), maxEnd(rows, "1m"));
            // the gap the Javadoc describes: rows of today's partition whose sample time is yesterday's
            long late = samples.stream().filter(s -> s[2] == 0 && s[1] < at(TODAY)
                    && TEMPERATURE.equals(SERIES[(int) s[0]][0])).count();
            // the live shape's key is the sample time: no row is late (late is 0), so there dropping the rolled
            // partition leaves no gap at all, the tiers answering every sample before today and raw every one after
            if (!live()) {
                assertTrue(late > 0, "the data has no late rows across midnight; the test proves nothing");
            }
            assertEquals(samplesIn(allOf(TEMPERATURE), from, to) - late, sumOfCounts(rows));
            // away from that seam, every sample is there once
            long seam = at(TODAY) - 2 * MINUTE_US;
            assertEquals(samplesIn(allOf(TEMPERATURE), from, seam), sumOfCounts(history(c, TEMPERATURE, null,
                    day(-6), instant(seam))));
            c.rollback();
        }
    }

    @Test
    void aRangeOlderThanRawIsAnsweredByTheTiersTheFinestWhereItExists() throws SQLException {
        Instant from = day(-3).plus(Duration.ofHours(6));
        Instant to = day(-1).plus(Duration.ofHours(6));
        List<Row> rows = history(TEMPERATURE, null, from, to);
        assertMatches(AS_SET_UP, allOf(TEMPERATURE), at(from), at(to), rows);
        assertEquals(samplesIn(allOf(TEMPERATURE), at(from), at(to)), sumOfCounts(rows));
        assertEquals(at(from), minStart(rows, "1h"));
        assertEquals(at(day(-2)), maxEnd(rows, "1h"));
        assertEquals(at(day(-2)), minStart(rows, "1m"));
        assertEquals(Set.of("raw", "1m", "1h"), tiers(rows));
        List<Row> old = history(TEMPERATURE, null, day(-4), day(-3));
        assertEquals(Set.of("1h"), tiers(old), "beyond the 1m tier only the 1h tier answers");
        assertEquals(samplesIn(allOf(TEMPERATURE), at(day(-4)), at(day(-3))), sumOfCounts(old));
    }

    @Test
    void aRangeEntirelyInRawReturnsOnlyRawRows() throws SQLException {
        Instant from = TODAY.plus(Duration.ofHours(1));
        Instant to = TODAY.plus(Duration.ofHours(2));
        List<Row> rows = history(TEMPERATURE, null, from, to);
        assertEquals(Set.of("raw"), tiers(rows));
        assertMatches(AS_SET_UP, allOf(TEMPERATURE), at(from), at(to), rows);
        assertEquals(samplesIn(allOf(TEMPERATURE), at(from), at(to)), rows.size());
        for (Row r : rows) {
            assertEquals(r.start, r.end, "a raw row is one sample");
            assertEquals(1, r.count);
            assertEquals(r.min, r.avg, 0.0);
            assertEquals(r.min, r.sum, 0.0);
            assertEquals(0.0, r.increase, 0.0);
        }
    }

    /**
     * A raw row whose labels nest 1,000 levels deep is answered like any other, with no fingerprint (NULL: such labels
     * have none), and the other rows keep theirs. Before, the function failed ("stack depth limit exceeded") for any
     * range holding such a row.
     */
    @Test
    void aRawRowWithLabelsNestedTooDeepIsAnsweredWithoutAFingerprint() throws SQLException {
        Instant from = TODAY.plus(Duration.ofHours(1));
        Instant to = TODAY.plus(Duration.ofHours(2));
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            shape().insert(c, RAW.toString(), ZoneOffset.UTC, List.of(new MetricShape.Row(1, TEMPERATURE, "gauge",
                    1e6, NestedLabels.json(1000), from.plus(Duration.ofMinutes(30)))));
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*), count(*) FILTER (WHERE fingerprint IS "
                    + "NULL), count(*) FILTER (WHERE fingerprint IS NULL AND max_value = 1e6 AND tier = 'raw'), "
                    + "count(DISTINCT fingerprint) FROM noetl.metric_history(?, NULL, ?, ?)")) {
                ps.setString(1, TEMPERATURE);
                ps.setObject(2, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
                ps.setObject(3, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(samplesIn(allOf(TEMPERATURE), at(from), at(to)) + 1, rs.getLong(1));
                    assertEquals(1, rs.getLong(2), "rows without a fingerprint");
                    assertEquals(1, rs.getLong(3), "the deep row is the one without");
                    assertEquals(allOf(TEMPERATURE).size(), rs.getLong(4), "the other series keep theirs");
                }
            }
            c.rollback();
        }
    }

    @Test
    void labelsSelectTheSeriesThatContainTheSubsetAndNullLabelsCountAsEmpty() throws SQLException {
        Instant from = day(-3);
        Instant to = TODAY.plus(Duration.ofHours(3));
        Map<String, Set<Integer>> cases = new TreeMap<>(Map.of(
                "{\"dc\": \"a\"}", Set.of(0, 1),
                "{\"host\": \"h2\", \"dc\": \"b\"}", Set.of(2),
                "{\"host\": \"h2\", \"dc\": \"a\"}", Set.of(),
                "{}", Set.of(0, 1, 2, 3)));
        for (Map.Entry<String, Set<Integer>> e : cases.entrySet()) {
            List<Row> rows = history(TEMPERATURE, e.getKey(), from, to);
            assertMatches(AS_SET_UP, e.getValue(), at(from), at(to), rows);
            assertEquals(samplesIn(e.getValue(), at(from), at(to)), sumOfCounts(rows), e.getKey());
            if (!e.getValue().isEmpty()) {
                assertEquals(Set.of("raw", "1m", "1h"), tiers(rows), e.getKey());
            }
        }
        List<Row> counters = history(REQUESTS, "{\"dc\": \"a\"}", from, to);
        assertMatches(AS_SET_UP, Set.of(4), at(from), at(to), counters);
        assertTrue(counters.stream().allMatch(r -> "counter".equals(r.type) && r.runtime == 1
                && r.labels.contains("\"h0\"")), "name, type, runtime and labels of the series");
        assertTrue(history("no_such_metric", null, from, to).isEmpty());
    }

    @Test
    void aMissingTierIsSkippedAndTheNextOneAnswersInItsPlace() throws SQLException {
        long from = at(day(-6));
        long to = at(day(1));
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE noetl.metric_rollup_1m");
            }
            List<Row> rows = history(c, TEMPERATURE, null, day(-6), day(1));
            assertMatches(new Layout(Set.of(-1, 0, 1), List.of(new Source("raw", 0, at(day(-1)), INF),
                    new Source("1h", HOUR_US, at(day(-10)), at(day(-1))))), allOf(TEMPERATURE), from, to, rows);
            assertEquals(samplesIn(allOf(TEMPERATURE), from, to), sumOfCounts(rows));
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE noetl.metric_series");
            }
            // without the catalogue no tier can name its series: raw alone
            rows = history(c, TEMPERATURE, null, day(-6), day(1));
            assertEquals(Set.of("raw"), tiers(rows));
            assertMatches(new Layout(Set.of(-1, 0, 1), List.of(new Source("raw", 0, at(day(-1)), INF))),
                    allOf(TEMPERATURE), from, to, rows);
            c.rollback();
        }
    }

    @Test
    void anEmptyTierListAnswersFromRawOnly() throws SQLException {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            MetricHistorySql.ensureFunction(c, TABLES, cols(c, RAW), List.of());
            List<Row> rows = history(c, TEMPERATURE, null, day(-6), day(1));
            assertEquals(Set.of("raw"), tiers(rows));
            assertMatches(new Layout(Set.of(-1, 0, 1), List.of(new Source("raw", 0, at(day(-1)), INF))),
                    allOf(TEMPERATURE), at(day(-6)), at(day(1)), rows);
            c.rollback();
        }
        assertEquals(Set.of("raw", "1m", "1h"), tiers(history(TEMPERATURE, null, day(-6), day(1))));
    }

    /**
     * Partitions off the grids: an empty 1m partition from 23:30 of day -3 makes the 1m tier's oldest bound fall
     * inside a 1h bucket, which the rule hands to the 1h tier whole (the 1m tier starts at the next hour, and the
     * counts add up); a raw partition from 30 s before day -1 puts the raw boundary on the minute before it, where the
     * late rows of day -1's partition are answered by raw and the 1m buckets before it by the tier. What that costs,
     * as the Javadoc says: the samples of the dropped partitions from that minute on are answered by no one (their
     * 1m bucket is not whole before the boundary), and nothing is answered twice.
     */
    @Test
    void boundariesOffTheGridRoundToBucketEdgesWithoutDoubleCount() throws SQLException {
        long from = at(day(-6));
        long to = at(day(1));
        Instant offHour = day(-2).minus(Duration.ofMinutes(30));
        Instant offMinute = day(-1).minus(Duration.ofSeconds(30));
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE noetl.metric_rollup_1m_early PARTITION OF noetl.metric_rollup_1m FOR VALUES "
                        + "FROM ('" + offHour + "') TO ('" + day(-2) + "')");
                s.execute("CREATE TABLE noetl.metric_early PARTITION OF noetl.metric FOR VALUES FROM ("
                        + shape().keyLiteral(offMinute, ZoneOffset.UTC) + ") TO ("
                        + shape().keyLiteral(day(-1), ZoneOffset.UTC) + ")");
            }
            List<Row> rows = history(c, TEMPERATURE, null, day(-6), day(1));
            long rawEdge = at(day(-1)) - MINUTE_US;
            assertMatches(new Layout(Set.of(-1, 0, 1), List.of(new Source("raw", 0, rawEdge, INF),
                    new Source("1m", MINUTE_US, at(day(-2)), rawEdge),
                    new Source("1h", HOUR_US, at(day(-10)), at(day(-2))))), allOf(TEMPERATURE), from, to, rows);
            long lost = samples.stream().filter(s -> s[2] <= -2 && s[1] >= rawEdge
                    && TEMPERATURE.equals(SERIES[(int) s[0]][0])).count();
            assertTrue(lost > 0, "no sample of day -2's partition in the minute before day -1");
            assertEquals(samplesIn(allOf(TEMPERATURE), from, to) - lost, sumOfCounts(rows));
            if (live()) {
                // the live shape holds no late row, so raw answers nothing before midnight; the raw boundary shows
                // as the 1m tier stopping at it, a minute short of day -1
                assertEquals(rawEdge, maxEnd(rows, "1m"), "the 1m tier does not stop at the raw boundary");
            } else {
                assertTrue(rows.stream().anyMatch(r -> "raw".equals(r.tier) && r.start < at(day(-1))),
                        "no late row of day -1's partition fell before midnight; the raw boundary is not exercised");
            }
            assertEquals(at(day(-2)), maxEnd(rows, "1h"));
            c.rollback();
            // the 1m partition off the hour grid alone costs nothing: the 1h tier answers its whole last hour
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE noetl.metric_rollup_1m_early PARTITION OF noetl.metric_rollup_1m FOR VALUES "
                        + "FROM ('" + offHour + "') TO ('" + day(-2) + "')");
            }
            rows = history(c, TEMPERATURE, null, day(-6), day(1));
            assertMatches(AS_SET_UP, allOf(TEMPERATURE), from, to, rows);
            assertEquals(samplesIn(allOf(TEMPERATURE), from, to), sumOfCounts(rows));
            c.rollback();
        }
    }

    /** The SQL examples of docs/operations.md, "Reading history", verbatim, in order. */
    private static List<String> documentedExamples() throws IOException {
        String doc = Files.readString(Path.of("docs", "operations.md"));
        int from = doc.indexOf("## Reading history");
        assertTrue(from >= 0, "docs/operations.md has no section Reading history");
        int to = doc.indexOf("\n## ", from + 1);
        Matcher m = Pattern.compile("```sql\n(.*?)```", Pattern.DOTALL).matcher(doc.substring(from, to < 0
                ? doc.length() : to));
        List<String> examples = new ArrayList<>();
        while (m.find()) {
            examples.add(m.group(1).strip().replaceAll(";$", ""));
        }
        assertEquals(3, examples.size(), "the examples of Reading history");
        return examples;
    }

    /**
     * The documented hourly average over the last 30 days (the server's now() is {@link #NOW}) of the series with
     * host h1 equals the samples', hour by hour, though its hours come from the 1h and 1m tiers and from raw.
     */
    @Test
    void theDocumentedHourlyAverageEqualsTheSamples() throws IOException {
        List<List<Object>> got = db.query("SELECT (extract(epoch FROM hour) * 1000000)::bigint, avg_value, samples "
                + "FROM (" + documentedExamples().get(0) + ") x ORDER BY 1");
        long from = at(NOW.minus(Duration.ofDays(30)));
        Map<Long, double[]> expected = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            long[] s = samples.get(i);
            if (s[0] == 1 && s[1] >= from && s[1] < at(NOW)) {
                double[] a = expected.computeIfAbsent(Math.floorDiv(s[1], HOUR_US) * HOUR_US, k -> new double[2]);
                a[0] += values.get(i);
                a[1]++;
            }
        }
        assertTrue(expected.size() > 24 * 4, "hours of samples: " + expected.size());
        assertEquals(expected.size(), got.size());
        int i = 0;
        for (Map.Entry<Long, double[]> e : expected.entrySet()) {
            List<Object> r = got.get(i++);
            String where = "hour " + instant(e.getKey());
            assertEquals(e.getKey(), ((Number) r.get(0)).longValue(), where);
            double avg = e.getValue()[0] / e.getValue()[1];
            assertEquals(avg, (Double) r.get(1), Math.max(Math.abs(avg), 1) * 1e-9, where);
            assertEquals((long) e.getValue()[1], ((Number) r.get(2)).longValue(), where + " samples");
        }
    }

    /** The documented increase of a counter, across the 1h and 1m tiers and raw, equals the samples'. */
    @Test
    void theDocumentedIncreaseOfACounterEqualsTheSamples() throws IOException, SQLException {
        Instant from = Instant.parse("2026-12-04T00:00:00Z");
        Instant to = Instant.parse("2026-12-11T00:00:00Z");
        List<List<Object>> got = db.query(documentedExamples().get(1));
        assertEquals(1, got.size());
        assertEquals(fingerprints[4], ((Number) got.get(0).get(0)).longValue());
        double expected = 0;
        Double prev = null;
        for (int i = 0; i < samples.size(); i++) {
            long[] s = samples.get(i);
            if (s[0] == 4 && s[1] >= at(from) && s[1] < at(to)) {
                double v = values.get(i);
                expected += prev == null ? 0 : v >= prev ? v - prev : v;
                prev = v;
            }
        }
        assertTrue(expected > 1000, "the counter hardly grew: " + expected);
        assertEquals(expected, (Double) got.get(0).get(2), expected * 1e-9);
        assertEquals(Set.of("raw", "1m", "1h"), tiers(history(REQUESTS, "{\"host\": \"h0\"}", from, to)));
    }

    /** The documented breakdown by tier: raw, 1m and 1h, one after the other, their samples all of the range's. */
    @Test
    void theDocumentedBreakdownByTierAddsUpToTheSamples() throws IOException {
        List<List<Object>> got = db.query(documentedExamples().get(2));
        assertEquals(List.of("1h", "1m", "raw"), got.stream().map(r -> (String) r.get(0)).toList());
        assertEquals(samplesIn(allOf(TEMPERATURE), at(NOW.minus(Duration.ofDays(90))), at(NOW)),
                got.stream().mapToLong(r -> ((Number) r.get(4)).longValue()).sum());
    }

    /** With this shape's mapping of the raw table. */
    @Test
    void tiersTheRollupCouldNotHaveMadeAreRefused() {
        RollupSql.Tier fiveMinutes = tier("5m", Duration.ofDays(1));
        RollupSql.Tier sevenMinutes = tier("7m", Duration.ofDays(1));
        assertThrows(IllegalArgumentException.class, () -> MetricHistorySql.functionSql(TABLES, rawColumns,
                List.of(HOUR, MINUTE)), "coarsest first");
        assertThrows(IllegalArgumentException.class, () -> MetricHistorySql.functionSql(TABLES, rawColumns,
                List.of(fiveMinutes, sevenMinutes)), "7m is no multiple of 5m");
        assertThrows(IllegalArgumentException.class, () -> MetricHistorySql.functionSql(TABLES, rawColumns,
                List.of(MINUTE, new RollupSql.Tier(MINUTE.table(), Resolution.parse("1h"), Duration.ofDays(1)))),
                "one table twice");
        assertEquals(new TableName("noetl", "metric_history"), MetricHistorySql.functionName(RAW));
        assertThrows(IllegalArgumentException.class, () -> MetricHistorySql.functionName(RAW.sibling("m".repeat(56))));
    }

    /** Names with quotes and the body's dollar tag are quoted, not spliced: the function is created and answers. */
    @Test
    void oddTableNamesAreQuoted() throws SQLException {
        TableName raw = new TableName("noetl", "odd'raw$fn$\"x");
        RollupSql.Tables tables = RollupSql.Tables.of(raw, raw.sibling("odd$fn$series"));
        RollupSql.Tier hour = new RollupSql.Tier(raw.sibling("odd'tier$fn1$"), Resolution.parse("1h"),
                Duration.ofDays(1));
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            if (live()) {
                // NoETL's live shape under the odd name: what bootstrap makes (MetricShape.LIVE is noetl.metric only)
                MetricSchema.ensureMetricTable(c, raw);
            } else {
                shape().create(c, raw.sql());
            }
            RollupSql.ensureShared(c, tables);
            RollupSql.ensureTierTable(c, hour.table());
            MetricHistorySql.ensureFunction(c, tables, cols(c, raw), List.of(hour));
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE noetl.odd_p PARTITION OF " + raw.sql() + " FOR VALUES FROM ("
                        + shape().keyLiteral(day(0), ZoneOffset.UTC) + ") TO (" + shape().keyLiteral(day(1),
                                ZoneOffset.UTC) + ")");
                shape().insert(c, raw.sql(), ZoneOffset.UTC, List.of(new MetricShape.Row(1, "x", "gauge", 2.5, null,
                        NOW)));
                try (ResultSet rs = s.executeQuery("SELECT tier, sample_count, avg_value FROM "
                        + MetricHistorySql.functionName(raw).sql() + "('x', NULL, NULL, NULL)")) {
                    assertTrue(rs.next());
                    assertEquals("raw", rs.getString(1));
                    assertEquals(1, rs.getLong(2));
                    assertEquals(2.5, rs.getDouble(3), 0.0);
                    assertTrue(!rs.next());
                }
            }
            c.rollback();
        }
    }

    // ---- reading the function and the model ----

    private record Row(String tier, long fingerprint, long start, long end, long count, double min, double max,
            double avg, double sum, double first, double last, double increase, String type, long runtime,
            String labels) {
    }

    private List<Row> history(String name, String labels, Instant from, Instant to) throws SQLException {
        try (Connection c = db.connect()) {
            return history(c, name, labels, from, to);
        }
    }

    private static List<Row> history(Connection c, String name, String labels, Instant from, Instant to)
            throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT tier, fingerprint, "
                + "(extract(epoch FROM bucket_start) * 1000000)::bigint, (extract(epoch FROM bucket_end) * 1000000)"
                + "::bigint, sample_count, min_value, max_value, avg_value, sum_value, first_value, last_value, "
                + "increase, metric_type, runtime_id, labels::text FROM noetl.metric_history(?, ?::jsonb, ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, labels);
            ps.setObject(3, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
            ps.setObject(4, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getDouble(6), rs.getDouble(7), rs.getDouble(8), rs.getDouble(9), rs.getDouble(10),
                            rs.getDouble(11), rs.getDouble(12), rs.getString(13), rs.getLong(14), rs.getString(15)));
                }
            }
        }
        return rows;
    }

    /** What one row should be: the samples in it, in time order. */
    private static final class Expected {
        long count;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum;
        double first;
        double last;
        long firstTime = Long.MAX_VALUE;
        long lastTime = Long.MIN_VALUE;

        void add(long t, double v) {
            count++;
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            if (t < firstTime) {
                firstTime = t;
                first = v;
            }
            if (t > lastTime) {
                lastTime = t;
                last = v;
            }
        }
    }

    /**
     * The rows {@code layout} gives for {@code series} over {@code [from, to)}: a raw row for each sample whose row is
     * in a raw partition there with its time in the raw range; a tier row for each bucket of the tier's range, from
     * the samples of the rolled partitions (from day -2 on for the 1m tier, which keeps no older bucket). Then the
     * function's rows must be exactly these, keyed by (tier, fingerprint, bucket start).
     */
    private void assertMatches(Layout layout, Set<Integer> series, long from, long to, List<Row> rows) {
        Map<String, Expected> expected = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            long[] s = samples.get(i);
            if (!series.contains((int) s[0])) {
                continue;
            }
            for (Source src : layout.sources()) {
                long start;
                if (src.width() == 0) {
                    if (!layout.rawPartitions().contains((int) s[2])) {
                        continue;
                    }
                    start = s[1];
                } else {
                    start = Math.floorDiv(s[1], src.width()) * src.width();
                    if (!ROLLED.contains((int) s[2]) || ("1m".equals(src.tier()) && start < at(day(-2)))) {
                        continue;
                    }
                }
                if (start >= Math.max(from, src.from()) && start < Math.min(to, src.to())) {
                    expected.computeIfAbsent(src.tier() + "/" + fingerprints[(int) s[0]] + "/" + start,
                            k -> new Expected()).add(s[1], values.get(i));
                }
            }
        }
        Map<String, Row> actual = new TreeMap<>();
        for (Row r : rows) {
            Row before = actual.put(r.tier + "/" + r.fingerprint + "/" + r.start, r);
            assertTrue(before == null, "two rows for " + r);
        }
        Set<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        Set<String> extra = new TreeSet<>(actual.keySet());
        extra.removeAll(expected.keySet());
        assertTrue(missing.isEmpty() && extra.isEmpty(), missing.size() + " rows missing, first "
                + missing.stream().limit(3).map(this::describe).toList() + "; " + extra.size()
                + " rows not expected, first " + extra.stream().limit(3).map(this::describe).toList());
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            Row r = actual.get(e.getKey());
            Expected x = e.getValue();
            String where = describe(e.getKey());
            long width = layout.sources().stream().filter(src -> src.tier().equals(r.tier)).findFirst().get().width();
            assertEquals(r.start + width, r.end, where + " end");
            assertEquals(x.count, r.count, where + " count");
            assertEquals(x.min, r.min, 0.0, where + " min");
            assertEquals(x.max, r.max, 0.0, where + " max");
            assertEquals(x.first, r.first, 0.0, where + " first");
            assertEquals(x.last, r.last, 0.0, where + " last");
            assertEquals(x.sum, r.sum, Math.max(Math.abs(x.sum), 1) * 1e-9, where + " sum");
            assertEquals(x.sum / x.count, r.avg, Math.max(Math.abs(x.sum / x.count), 1) * 1e-9, where + " avg");
        }
    }

    private String describe(String key) {
        String[] p = key.split("/");
        long fp = Long.parseLong(p[1]);
        int series = IntStream.range(0, SERIES.length).filter(i -> fingerprints[i] == fp).findFirst().orElse(-1);
        return p[0] + " series " + series + " at " + instant(Long.parseLong(p[2]));
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
    }

    private static Set<Integer> allOf(String name) {
        return IntStream.range(0, SERIES.length).filter(i -> SERIES[i][0].equals(name)).boxed()
                .collect(Collectors.toSet());
    }

    /** The samples of {@code series} with their sample time in {@code [from, to)}, wherever their rows are now. */
    private long samplesIn(Set<Integer> series, long from, long to) {
        return samples.stream().filter(s -> series.contains((int) s[0]) && s[1] >= from && s[1] < to).count();
    }

    private static long sumOfCounts(List<Row> rows) {
        return rows.stream().mapToLong(Row::count).sum();
    }

    private static Set<String> tiers(List<Row> rows) {
        return rows.stream().map(Row::tier).collect(Collectors.toSet());
    }

    private static long minStart(List<Row> rows, String tier) {
        return rows.stream().filter(r -> r.tier.equals(tier)).mapToLong(Row::start).min().orElseThrow();
    }

    private static long maxEnd(List<Row> rows, String tier) {
        return rows.stream().filter(r -> r.tier.equals(tier)).mapToLong(Row::end).max().orElseThrow();
    }
}
