package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.noetl.lifecycle.support.MutableClock;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** What the command-line tests share: the time they run at, the table they start from, the command itself. */
final class CommandFixtures {
    static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    private CommandFixtures() {
    }

    /**
     * A test database whose {@code now()} is {@link #NOW}, the time of {@link #command}'s fixed clock, so that the
     * command and the database agree on the time as they do in production. It stays there: nothing in these tests
     * moves {@link io.noetl.lifecycle.support.TestClockProducer#CLOCK}, which would move it too.
     */
    static TestDatabase database(String prefix) {
        TestDatabase db = TestDatabase.create(prefix);
        db.setServerTime(NOW);
        return db;
    }

    /** A fresh {@code noetl} schema holding {@code noetl.metric}, range-partitioned on created_at, no partition yet. */
    static void metricTable(TestDatabase db) {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "CREATE SCHEMA noetl",
                "CREATE TABLE noetl.metric (metric_id bigserial, metric_name text NOT NULL, "
                        + "metric_value double precision NOT NULL, created_at timestamptz NOT NULL, "
                        + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
    }

    /** The command as the jar builds it, at {@link #NOW}, writing to {@code out} and {@code err}. */
    static MaintenanceCommand command(ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return command(out, err, DatabaseConnections.postgres());
    }

    /** The command at {@link #NOW} on other connections than the jar's (the operator's pools, for instance). */
    static MaintenanceCommand command(ByteArrayOutputStream out, ByteArrayOutputStream err,
            DatabaseConnections connections) {
        MutableClock clock = new MutableClock();
        clock.set(NOW);
        return new MaintenanceCommand(new TargetResolver(StandaloneConfig.INSTANCE), connections,
                LockPolicy.from(StandaloneConfig.INSTANCE.ddl()), StandaloneConfig.INSTANCE.clock().maxSkew(), clock,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
