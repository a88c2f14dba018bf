package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NoETL's per-row TTL on its live table: a partition past retention whose rows' {@code expires_at} (pushed forward by
 * NoETL's {@code set_metric_ttl}) is still ahead of the database's clock is kept, and {@code plan}, {@code check} and
 * {@code apply --once} say so with the row count and when it can go; with {@code rowExpiry: Ignore} it goes by its
 * bounds alone, as NoETL's own {@code cleanup_expired_metrics()} would drop it. The database's clock is a stand-in set
 * to {@link #NOW} ({@link TestDatabase}), as is the command's.
 */
class RowExpiryCommandTest extends CommandTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static TestDatabase db;

    @BeforeAll
    static void create() {
        db = TestDatabase.create("cli_expiry_it");
        db.setServerTime(NOW);
    }

    @AfterAll
    static void drop() {
        Teardown.close(db);
    }

    /**
     * NoETL's tables; days 11-19 and 11-20 (both past a 1d retention at {@link #NOW}), 48 rows each, written with
     * the TTL of the time; then NoETL's {@code set_metric_ttl} kept {@code job_duration} alive three more days, while
     * it was live (its rows of 11-19 now expire on 11-25).
     */
    @BeforeEach
    void load() throws Exception {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        try (Connection c = db.connect()) {
            MetricShape.loadLive(c);
            MetricShape.LIVE.register(c, 1, "worker-a");
            db.execute("SELECT noetl.create_metric_partition(date '2026-11-19')",
                    "SELECT noetl.create_metric_partition(date '2026-11-20')");
            List<MetricShape.Row> rows = new ArrayList<>();
            for (int h = 0; h < 48; h++) {
                Instant t = Instant.parse("2026-11-19T00:30:00Z").plusSeconds(h * 3600L);
                rows.add(new MetricShape.Row(1, h < 24 && h % 4 == 0 ? "job_duration" : "cpu", "gauge", h, null, t));
            }
            MetricShape.LIVE.insert(c, "noetl.metric", ZoneOffset.UTC, rows);
        }
        db.execute("UPDATE noetl.metric SET expires_at = timestamptz '2026-11-25 08:00+00' "
                + "WHERE metric_name = 'job_duration'");
    }

    private String file(String extra) throws Exception {
        return write("policy.yaml", CommandFixtures.secret(db.url()) + "---\n" + CommandFixtures.metricPolicy(
                "retention: 1d\npremake: 1\n" + extra));
    }

    /** The command at this test's {@link #NOW}, its output of this run only. */
    @Override
    int run(String... args) {
        out.reset();
        err.reset();
        return CommandFixtures.command(out, err, NOW).run(List.of(args));
    }

    @Test
    void unexpiredRowsKeepTheirPartitionAndEveryCommandSaysUntilWhen() throws Exception {
        String file = file("");
        for (String command : List.of("plan", "check")) {
            run(command, "-f", file);
            String text = stdout();
            assertTrue(text.contains("RowsNotExpired") && text.contains("metric_2026_11_19") && text.contains("6 of its "
                    + "rows") && text.contains("2026-11-25T08:00:00Z"), command + ": " + text + err);
            assertTrue(text.lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_20")),
                    text);
            assertFalse(text.lines().anyMatch(l -> l.contains("DropPartition") && l.contains("metric_2026_11_19")),
                    text);
        }
        assertEquals(0, run("apply", "-f", file, "--once"), stdout() + err);
        String text = stdout();
        assertTrue(text.contains("RowsNotExpired") && text.contains("6 of its rows"), text);
        List<String> left = db.partitions("noetl.metric");
        assertTrue(left.contains("metric_2026_11_19"), "kept for its TTL: " + left);
        assertFalse(left.contains("metric_2026_11_20"), "every row of 11-20 expired: dropped: " + left);
        assertEquals(24, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_19"), "no row lost");
    }

    @Test
    void ignoringRowExpiryRetiresByBoundsAlone() throws Exception {
        assertEquals(0, run("apply", "-f", file("rowExpiry: Ignore\n"), "--once"), stdout() + err);
        List<String> left = db.partitions("noetl.metric");
        assertFalse(left.contains("metric_2026_11_19") || left.contains("metric_2026_11_20"), left.toString());
        assertFalse(stdout().contains("RowsNotExpired"), stdout());
    }

    @Test
    void theClockPassingTheLastExpiryLetsThePartitionGo() throws Exception {
        db.setServerTime(Instant.parse("2026-11-25T08:00:01Z"));
        try {
            out.reset();
            err.reset();
            assertEquals(0, CommandFixtures.command(out, err, Instant.parse("2026-11-25T08:00:01Z"))
                    .run(List.of("apply", "-f", file(""), "--once")), stdout() + err);
            assertFalse(db.partitions("noetl.metric").contains("metric_2026_11_19"), db.partitions("noetl.metric")
                    .toString());
        } finally {
            db.setServerTime(NOW);
        }
    }

    /**
     * A sample-time column the spec names but the table lacks stops the rollups with InvalidSpec naming it; the
     * partitions are still planned, and nothing is retired (issue 21: a named column missing or unusable).
     */
    @Test
    void aNamedSampleTimeColumnTheTableLacksIsInvalidSpecAndRetiresNothing() throws Exception {
        run("plan", "-f", file("sampleTimeColumn: observed_at\nrollups:\n  - resolution: 1h\n    retention: 30d\n"));
        String text = stdout();
        assertTrue(text.contains("InvalidSpec") && text.contains("spec.sampleTimeColumn observed_at is not a column of "
                + "noetl.metric"), text + err);
        assertFalse(text.lines().anyMatch(l -> l.contains("DropPartition")), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("CreatePartition")), "creates go on: " + text);
    }
}
