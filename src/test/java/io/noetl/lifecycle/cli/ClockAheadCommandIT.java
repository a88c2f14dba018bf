package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code apply --once} from the packaged jar with the whole JVM's clock 30 days ahead (libfaketime, as a node whose
 * NTP failed), on a real PostgreSQL holding rows written today by its own, real clock. Nothing is stood in for:
 * the jar, the clock shift and the database are real. Skipped, loudly, where libfaketime is not found
 * ({@link OsTool#LIBFAKETIME}: Debian's {@code libfaketime}, which .ci/run installs, or unpacked by .ci/os-tools).
 */
class ClockAheadCommandIT {
    private static TestDatabase db;
    private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

    @BeforeAll
    static void createDatabase() {
        OsTool.LIBFAKETIME.assumePresent("to run the packaged jar with its clock 30 days ahead");
        db = TestDatabase.create("faketime_it");
        db.useRealServerTime();
        db.execute("CREATE SCHEMA noetl",
                "CREATE TABLE noetl.metric (metric_id bigserial, metric_name text NOT NULL, metric_value double "
                        + "precision NOT NULL, created_at timestamptz NOT NULL DEFAULT pg_catalog.now(), "
                        + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
        for (int back = 6; back >= 0; back--) {
            LocalDate day = TODAY.minusDays(back);
            db.execute("CREATE TABLE noetl." + name(day) + " PARTITION OF noetl.metric FOR VALUES FROM ('" + day
                    + " 00:00+00') TO ('" + day.plusDays(1) + " 00:00+00')");
        }
        db.execute("INSERT INTO noetl.metric (metric_name, metric_value) SELECT 'cpu', g FROM generate_series(1, 1000) g");
    }

    @AfterAll
    static void dropDatabase() {
        Teardown.close(db);
    }

    private static String name(LocalDate day) {
        return "metric_" + day.toString().replace('-', '_');
    }

    @Test
    void theJarThirtyDaysAheadDropsNothingAndCreatesForTheServersTime() throws Exception {
        String jar = Objects.requireNonNull(System.getProperty("operator.jar"),
                "operator.jar: run through failsafe (./mvnw verify), after package");
        Path file = Files.createTempFile("faketime-policy", ".yaml");
        Files.writeString(file, """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: MetricRetentionPolicy
                metadata:
                  name: metrics
                spec:
                  interval: 1d
                  premake: 7
                  retention: 1d
                """);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar,
                "apply", "-f", file.toString(), "--once", "--database-url", db.url(), "--username", TestDatabase.USER));
        if (!TestDatabase.PASSWORD.isEmpty()) {
            command.addAll(List.of("--password", TestDatabase.PASSWORD));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // what Debian's faketime wrapper does, without it: the library preloaded and the offset in FAKETIME (the
        // wrapper finds the library at its installed path only, not where .ci/os-tools unpacks it)
        pb.environment().put("LD_PRELOAD", OsTool.LIBFAKETIME.require().toString());
        pb.environment().put("FAKETIME", "+30d");
        // libfaketime and the JVM: leave the monotonic clock alone, or timed waits misbehave
        pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "apply --once finished");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);

        assertTrue(output.contains("ClockSkew"), output);
        assertTrue(output.contains("ahead of the database server's"), output);
        assertFalse(output.contains("DropPartition"), output);
        List<String> partitions = db.partitions("noetl.metric");
        for (int back = 6; back >= 0; back--) {
            assertTrue(partitions.contains(name(TODAY.minusDays(back))), "nothing dropped: " + partitions);
        }
        assertTrue(partitions.contains(name(TODAY.plusDays(7))), "created for the server's time: " + partitions);
        assertFalse(partitions.contains(name(TODAY.plusDays(8))), partitions.toString());
        assertFalse(partitions.contains(name(TODAY.plusDays(30))), "nothing for the operator's time: " + partitions);
        assertEquals(1000, db.queryLong("SELECT count(*) FROM noetl.metric"));
        Files.deleteIfExists(file);
    }
}
