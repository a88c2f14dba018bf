package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plan} shows and {@code apply --once} runs the rollups too: real PostgreSQL, no cluster. */
class RollupCommandTest {
    private static TestDatabase db;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void createDatabase() {
        db = CommandFixtures.database("cli_rollup_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    /** The seed's metric table, 11-18 to 11-21, 48 samples a day. */
    @BeforeEach
    void setUp() throws Exception {
        CommandFixtures.seedMetrics(db, "cpu");
    }

    private int run(String... args) {
        return CommandFixtures.command(out, err).run(List.of(args));
    }

    private String file() throws Exception {
        String yaml = CommandFixtures.secret(db.url()) + "---\n" + CommandFixtures.ROLLUP_POLICY;
        Path path = dir.resolve("resources.yaml");
        Files.writeString(path, yaml);
        return path.toString();
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
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
}
