package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.noetl.lifecycle.support.MetricShape;
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

    /** The Secret document that the policies' {@code secretRef: noetl-db} names, {@code url} as the tests' user; no {@code ---}. */
    static String secret(String url) {
        return """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: noetl-db
                stringData:
                  url: %s
                  username: %s
                  password: "%s"
                """.formatted(url, TestDatabase.USER, TestDatabase.PASSWORD);
    }

    /** The MetricRetentionPolicy {@code noetl-metrics} on the Secret {@code noetl-db}, the rest of its spec {@code spec}. */
    static String metricPolicy(String spec) {
        return """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: MetricRetentionPolicy
                metadata:
                  name: noetl-metrics
                spec:
                  database:
                    secretRef:
                      name: noetl-db
                """ + spec.indent(2);
    }

    /** Raw rows of the seed's noetl.metric kept a day, two partitions ahead, rolled up hourly for 30 days. */
    static final String ROLLUP_POLICY = metricPolicy("""
            retention: 1d
            premake: 2
            rollups:
              - resolution: 1h
                retention: 30d
            """);


    /**
     * NoETL's metric table ({@link MetricShape#LIVE}, a fresh noetl schema), daily partitions 11-18 to 11-21, runtime
     * 1, and a gauge {@code metric} labelled {@code {"core": 0}} every 30 minutes from 11-18 00:00 to 11-21 09:30 UTC.
     */
    static void seedMetrics(TestDatabase db, String metric) throws java.sql.SQLException {
        seedMetrics(db, metric, MetricShape.LIVE);
    }

    /** {@link #seedMetrics(TestDatabase, String)} on the metric table of {@code shape}. */
    static void seedMetrics(TestDatabase db, String metric, MetricShape shape) throws java.sql.SQLException {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        try (java.sql.Connection c = db.connect()) {
            shape.create(c, "noetl.metric");
            shape.register(c, 1, "w");
            for (int d = 18; d <= 21; d++) {
                Instant from = Instant.parse(String.format("2026-11-%02dT00:00:00Z", d));
                db.execute(String.format("CREATE TABLE noetl.metric_2026_11_%02d PARTITION OF noetl.metric "
                        + "FOR VALUES FROM (%s) TO (%s)", d, shape.keyLiteral(from, java.time.ZoneOffset.UTC),
                        shape.keyLiteral(from.plusSeconds(86_400), java.time.ZoneOffset.UTC)));
            }
            java.util.List<MetricShape.Row> rows = new java.util.ArrayList<>();
            for (int g = 0; g <= 3 * 48 + 19; g++) {
                rows.add(new MetricShape.Row(1, metric, "gauge", g, "{\"core\": 0}",
                        Instant.parse("2026-11-18T00:00:00Z").plusSeconds(1800L * g)));
            }
            shape.insert(c, "noetl.metric", java.time.ZoneOffset.UTC, rows);
        }
    }

    /** The command as the jar builds it, at {@link #NOW}, writing to {@code out} and {@code err}. */
    static MaintenanceCommand command(ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return command(out, err, DatabaseConnections.postgres(), NOW);
    }

    /** The command as the jar builds it, at {@code now}. */
    static MaintenanceCommand command(ByteArrayOutputStream out, ByteArrayOutputStream err, Instant now) {
        return command(out, err, DatabaseConnections.postgres(), now);
    }

    /** The command at {@link #NOW} on other connections than the jar's (the operator's pools, for instance). */
    static MaintenanceCommand command(ByteArrayOutputStream out, ByteArrayOutputStream err,
            DatabaseConnections connections) {
        return command(out, err, connections, NOW);
    }

    /** The command at {@code now} on {@code connections}. */
    static MaintenanceCommand command(ByteArrayOutputStream out, ByteArrayOutputStream err,
            DatabaseConnections connections, Instant now) {
        MutableClock clock = new MutableClock();
        clock.set(now);
        return new MaintenanceCommand(new TargetResolver(StandaloneConfig.INSTANCE), connections,
                LockPolicy.from(StandaloneConfig.INSTANCE.ddl()), StandaloneConfig.INSTANCE.clock().maxSkew(), clock,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
