package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithoutOperatorProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The application's entry point in command mode, in-process: {@code plan} and a refused spec's exit status. */
@QuarkusMainTest
@TestProfile(WithoutOperatorProfile.class)
class CommandModeTest {

    @TempDir
    Path dir;

    private Path policy(String spec) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: MetricRetentionPolicy
                metadata:
                  name: noetl-metrics
                spec:
                  %s
                """.formatted(spec));
        return file;
    }

    @Test
    void planRunsAsACommandAndReportsTheMissingTable(QuarkusMainLauncher launcher) throws Exception {
        try (TestDatabase db = TestDatabase.create("cli_main")) {
            LaunchResult result = launcher.launch("plan", "-f", policy("retention: 1d").toString(), "-o", "json",
                    "--database-url", db.url(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD);

            assertEquals(1, result.exitCode(), result.getErrorOutput());
            assertTrue(result.getOutput().contains("\"reason\" : \"TableMissing\""), result.getOutput());
        }
    }

    @Test
    void checkExitsWithItsOwnStatusThroughTheMain(QuarkusMainLauncher launcher) throws Exception {
        try (TestDatabase db = TestDatabase.create("cli_main_check")) {
            // one partition on the daily grid around now, and a row in the default partition: a finding
            db.execute("CREATE SCHEMA noetl", "CREATE TABLE noetl.metric (metric_name text, created_at timestamptz "
                    + "NOT NULL) PARTITION BY RANGE (created_at)",
                    "CREATE TABLE noetl.metric_now PARTITION OF noetl.metric FOR VALUES FROM "
                            + "(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 day') TO "
                            + "(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '10 days')",
                    "CREATE TABLE noetl.metric_default PARTITION OF noetl.metric DEFAULT",
                    "INSERT INTO noetl.metric VALUES ('cpu', now() + interval '1 year')");
            LaunchResult result = launcher.launch("check", "-f", policy("retention: 30d").toString(),
                    "--database-url", db.url(), "--username", TestDatabase.USER, "--password", TestDatabase.PASSWORD);

            assertEquals(MaintenanceCommand.NEEDS_ATTENTION, result.exitCode(), result.getErrorOutput());
            assertTrue(result.getOutput().contains("RowsInDefaultPartition"), result.getOutput());
        }
    }

    @Test
    void anInvalidSpecExitsWithStatusTwo(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult result = launcher.launch("plan", "-f", policy("premake: -1").toString(), "--database-url",
                "jdbc:postgresql://127.0.0.1:1/none");

        assertEquals(2, result.exitCode());
        assertTrue(result.getErrorOutput().contains("spec.premake"), result.getErrorOutput());
    }
}
