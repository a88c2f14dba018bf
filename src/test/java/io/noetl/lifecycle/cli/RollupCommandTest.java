package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.NestedLabels;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code plan} shows and {@code apply --once} runs the rollups too: real PostgreSQL, no cluster.
 *
 * <p>Runs on both shapes of the metric table ({@link MetricShape}), each in a database of its own:
 * {@link RollupCommandLiveTest} on {@link MetricShape#LIVE}, NoETL's real {@code noetl.metric} ({@code created_at
 * TIMESTAMP}, UTC wall-clock time, the sample time and the key; daily partitions made by NoETL's
 * {@code noetl.create_metric_partition}), and {@link RollupCommandSeedExampleTest} on {@link MetricShape#SEED_EXAMPLE},
 * seed 000's example table ({@code timestamp TIMESTAMPTZ} sample time, {@code created_at TIMESTAMPTZ} key). Same
 * checks on each. Run both with {@code -Dtest='RollupCommand*Test'}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RollupCommandTest extends CommandTest {
    private TestDatabase db;

    /** The shape of the metric table this run uses. */
    abstract MetricShape shape();

    @BeforeAll
    void createDatabase() {
        db = CommandFixtures.database("cli_rollup_it_" + shape().name());
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }

    /** The metric table of this shape, 11-18 to 11-21 (UTC days), 48 samples a day, written as NoETL writes them. */
    @BeforeEach
    void setUp() throws Exception {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        Instant first = Instant.parse("2026-11-18T00:00:00Z");
        try (Connection c = db.connect()) {
            shape().create(c, "noetl.metric");
            shape().register(c, 1, "w");
            for (int d = 18; d <= 21; d++) {
                Instant from = first.plus(Duration.ofDays(d - 18));
                db.execute(shape() == MetricShape.LIVE
                        // as NoETL makes them: bounds in the wall clock (UTC here)
                        ? String.format("SELECT noetl.create_metric_partition(date '2026-11-%02d')", d)
                        : String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric FOR VALUES "
                                + "FROM (%s) TO (%s)", d, shape().keyLiteral(from, ZoneOffset.UTC),
                                shape().keyLiteral(from.plus(Duration.ofDays(1)), ZoneOffset.UTC)));
            }
            List<MetricShape.Row> rows = new ArrayList<>();
            for (int g = 0; g <= 3 * 48 + 19; g++) {
                rows.add(new MetricShape.Row(1, "cpu", "gauge", g, null, first.plus(Duration.ofMinutes(30L * g))));
            }
            shape().insert(c, "noetl.metric", ZoneOffset.UTC, rows);
        }
        assertEquals(List.of("metric_2026_11_18", "metric_2026_11_19", "metric_2026_11_20", "metric_2026_11_21"),
                db.partitions("noetl.metric"));
    }

    private String file() throws Exception {
        return write("resources.yaml", CommandFixtures.secret(db.url()) + "---\n" + CommandFixtures.ROLLUP_POLICY);
    }

    @Test
    void planShowsTheRollupsAndWritesNothing() throws Exception {
        assertEquals(0, run("plan", "-f", file()), out + " " + err);
        String table = stdout();
        for (String day : List.of("18", "19", "20")) {
            assertTrue(table.lines().anyMatch(l -> l.contains("RollupPartition") && l.contains("metric_2026_11_" + day)),
                    table);
        }
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'metric_rollup_ledger'"));
        assertEquals(4, db.partitions("noetl.metric").size());
    }

    @Test
    void applyOnceRollsUpThenRetires() throws Exception {
        assertEquals(0, run("apply", "-f", file(), "--once"), out + " " + err);
        String table = stdout();
        assertTrue(table.lines().anyMatch(l -> l.contains("RollupPartition") && l.contains("metric_2026_11_19")), table);
        assertTrue(table.lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_19")), table);
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                db.partitions("noetl.metric"));
        assertEquals(3, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_ledger"));
        assertEquals(3 * 48, db.queryLong("SELECT sum(sample_count) FROM noetl.metric_rollup_1h WHERE bucket_start < "
                + "'2026-11-21 00:00+00'"));
    }

    @Test
    void aPartitionMovedToAnotherSchemaIsRolledUpWhereItIsNotFromATableOfItsName() throws Exception {
        // 11-19 moved out of the parent's schema, and an unrelated table of its name in its place (issue 23, 5): the
        // rollup must read the partition the catalog shows, not noetl.metric_2026_11_19
        db.execute("CREATE SCHEMA archive", "ALTER TABLE noetl.metric_2026_11_19 SET SCHEMA archive",
                "CREATE TABLE noetl.metric_2026_11_19 (LIKE noetl.metric INCLUDING DEFAULTS)");
        Instant noon = Instant.parse("2026-11-19T12:00:00Z");
        List<MetricShape.Row> unrelated = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            unrelated.add(new MetricShape.Row(1, "cpu", "gauge", 1000, null, noon.plusSeconds(i)));
        }
        try (Connection c = db.connect()) {
            shape().insert(c, "noetl.metric_2026_11_19", ZoneOffset.UTC, unrelated);
        }

        assertEquals(0, run("apply", "-f", file(), "--once"), out + " " + err);
        // the 1h tier holds 11-19's 48 half-hourly samples (values 48 to 95), none of the unrelated table's
        assertEquals(48, db.queryLong("SELECT sum(sample_count) FROM noetl.metric_rollup_1h WHERE bucket_start >= "
                + "'2026-11-19 00:00+00' AND bucket_start < '2026-11-20 00:00+00'"), stdout());
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_rollup_1h WHERE max_value >= 1000"));
        // the partition went once rolled up, from where it was; the unrelated table is untouched
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'archive' AND c.relname = 'metric_2026_11_19'"), stdout());
        assertEquals(10, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_19"));
    }

    /**
     * One row whose labels nest 1,000 levels deep, among the ordinary rows of 11-19: it is left out of the tiers and
     * counted (the ledger's {@code rows_refused}, a RollupRefusedRows finding naming the partition, the count and the row's
     * {@code metric_id}), and the rest of the partition is rolled up and retired as usual. Before, the fingerprint
     * failed with "stack depth limit exceeded" for the whole partition on every pass: never rolled up, never retired.
     */
    @Test
    void aRowWithLabelsNestedTooDeepIsRefusedAndItsPartitionIsStillRolledUpAndRetired() throws Exception {
        out.reset(); // this test's output only
        try (Connection c = db.connect()) {
            shape().insert(c, "noetl.metric", ZoneOffset.UTC, List.of(new MetricShape.Row(1, "cpu", "gauge", 1e6,
                    NestedLabels.json(1000), Instant.parse("2026-11-19T12:15:00Z"))));
        }
        long id = db.queryLong("SELECT metric_id FROM noetl.metric WHERE metric_value = 1e6");
        assertEquals(0, run("apply", "-f", file(), "--once"), out + " " + err);
        String table = stdout();
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                db.partitions("noetl.metric"), table);
        assertEquals(3 * 48, db.queryLong("SELECT sum(sample_count) FROM noetl.metric_rollup_1h WHERE bucket_start < "
                + "'2026-11-21 00:00+00'"), "the tiers hold the ordinary rows, and only them");
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric_series"));
        assertEquals(List.of("metric_2026_11_18 0", "metric_2026_11_19 1", "metric_2026_11_20 0"), db.queryStrings(
                "SELECT raw_partition || ' ' || rows_refused FROM noetl.metric_rollup_ledger ORDER BY 1"));
        assertTrue(table.lines().anyMatch(l -> l.contains("RollupRefusedRows") && l.contains("metric_2026_11_19")
                && l.contains("1 row") && l.contains("metric_id " + id)), table);
    }
}
