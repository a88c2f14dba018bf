package io.noetl.lifecycle.support;

import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.postgres.TableName;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The two shapes of NoETL's metric table the tests run on, with its registry.
 *
 * <ul>
 * <li>{@link #LIVE}, the primary one: the table a NoETL installation really has, loaded from
 * {@code src/test/resources/noetl/live-schema.sql} (written from NoETL's DDL, not by the operator):
 * {@code created_at TIMESTAMP} without time zone is the partition key and the only time column, {@code expires_at} a
 * per-row TTL, {@code metric_id} a snowflake id, the registry's columns {@code kind}/{@code uri}/{@code heartbeat}.
 * Only {@code noetl.metric} and {@code noetl.runtime}: NoETL's DDL names them.</li>
 * <li>{@link #SEED_EXAMPLE}, the second: seed 000's "legacy non-partitioned example" made partitioned, with a
 * {@code timestamp TIMESTAMPTZ} sample time beside a {@code created_at TIMESTAMPTZ} insert time, and the seed's
 * registry ({@code component_type}/{@code base_url}/{@code last_heartbeat}). Kept so that a table of that shape stays
 * served; a table of any name in any schema.</li>
 * </ul>
 *
 * <p>Rows are written with {@link #insert}: a sample's time goes to the sample-time column, and its insert time to
 * {@code created_at}; on the live shape both are {@code created_at}, written as NoETL writes it, the wall-clock time of
 * {@code zone} (NoETL's {@code CURRENT_TIMESTAMP}, or its driver's conversion of an aware datetime, in the session's
 * zone), and {@code expires_at} as its default was when the row was written, a day after it was stored (a test
 * database's {@code now()} is the test's clock, usually long after the rows' times).
 */
public enum MetricShape {
    LIVE, SEED_EXAMPLE;

    /** One metric row: its sample time, and the time it was stored (the partition key); equal on the live shape. */
    public record Row(long runtimeId, String name, String type, double value, String labelsJson, Instant sampleTime,
            Instant storedAt) {
        public Row(long runtimeId, String name, String type, double value, String labelsJson, Instant sampleTime) {
            this(runtimeId, name, type, value, labelsJson, sampleTime, sampleTime);
        }
    }

    /**
     * The operator's mapping of {@code table}'s columns, as a policy on {@code created_at} that names no sample-time
     * column and reads wall-clock times in {@code zone} has it.
     */
    public static MetricColumns columns(Connection c, TableName table, ZoneId zone) throws SQLException {
        return MetricSchema.columns(c, table, java.util.Optional.empty(), "created_at", zone);
    }

    /** The live shape's DDL, as NoETL's server would run it. */
    public static String liveDdl() {
        try (InputStream in = MetricShape.class.getResourceAsStream("/noetl/live-schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("noetl/live-schema.sql is not on the test class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads NoETL's live registry and metric table ({@code noetl.runtime}, {@code noetl.metric}) into a database. */
    public static void loadLive(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(liveDdl());
        }
    }

    /** The registry table this shape's metric table references. */
    public String registry() {
        return "noetl.runtime";
    }

    /** The registry's type column: {@code kind} on the live shape, {@code component_type} on the seed's. */
    public String registryTypeColumn() {
        return this == LIVE ? "kind" : "component_type";
    }

    /** The type of a worker pool, as NoETL writes it (the live registry's CHECK accepts it; the seed's has none). */
    public String workerType() {
        return "worker_pool";
    }

    /**
     * Creates the metric table {@code table} ({@code schema.name}) and its registry, partitioned and without
     * partitions. The live shape exists only as {@code noetl.metric}.
     */
    public void create(Connection c, String table) throws SQLException {
        if (this == LIVE) {
            if (!"noetl.metric".equals(table)) {
                throw new IllegalArgumentException("NoETL's live metric table is noetl.metric, not " + table);
            }
            loadLive(c);
            return;
        }
        String schema = table.substring(0, table.indexOf('.'));
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS noetl");
            s.execute("CREATE TABLE IF NOT EXISTS noetl.runtime (runtime_id BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                    + "component_type TEXT NOT NULL, base_url TEXT, status TEXT NOT NULL, labels JSONB, "
                    + "capabilities JSONB, capacity INTEGER, runtime JSONB, "
                    + "last_heartbeat TIMESTAMPTZ NOT NULL DEFAULT now(), created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), UNIQUE (component_type, name))");
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            s.execute("CREATE TABLE " + table + " (metric_id BIGSERIAL, runtime_id BIGINT NOT NULL REFERENCES "
                    + "noetl.runtime (runtime_id) ON DELETE CASCADE, metric_name TEXT NOT NULL, metric_type TEXT NOT "
                    + "NULL CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'summary')), metric_value DOUBLE "
                    + "PRECISION NOT NULL, labels JSONB, help_text TEXT, unit TEXT, "
                    + "timestamp TIMESTAMPTZ NOT NULL DEFAULT now(), created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "expires_at TIMESTAMPTZ NOT NULL DEFAULT (now() + interval '1 day'), "
                    + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)");
            s.execute("CREATE INDEX ON " + table + " (timestamp)");
        }
    }

    /** Registers a component in the registry: {@code (kind, name)} on the live shape, seed's names otherwise. */
    public void register(Connection c, long runtimeId, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + registry() + " (runtime_id, name, "
                + registryTypeColumn() + ", status) VALUES (?, ?, ?, 'ready')")) {
            ps.setLong(1, runtimeId);
            ps.setString(2, name);
            ps.setString(3, workerType());
            ps.executeUpdate();
        }
    }

    /** The SQL of the partition key value for an instant, as a literal of the key's type ({@code zone}'s wall clock). */
    public String keyLiteral(Instant t, ZoneId zone) {
        return this == LIVE
                ? "'" + t.atZone(zone).toLocalDateTime() + "'::timestamp"
                : "'" + t + "'::timestamptz";
    }

    /**
     * Inserts rows into {@code table}, in batches; the sample time in {@code zone}'s wall clock on the live shape.
     * {@code expiresAt} null leaves the column's default.
     */
    public void insert(Connection c, String table, ZoneId zone, List<Row> rows) throws SQLException {
        String sql = this == LIVE
                ? "INSERT INTO " + table + " (runtime_id, metric_name, metric_type, metric_value, labels, expires_at, "
                        + "created_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)"
                : "INSERT INTO " + table + " (runtime_id, metric_name, metric_type, metric_value, labels, expires_at, "
                        + "timestamp, created_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int n = 0;
            for (Row r : rows) {
                ps.setLong(1, r.runtimeId());
                ps.setString(2, r.name());
                ps.setString(3, r.type());
                ps.setDouble(4, r.value());
                if (r.labelsJson() == null) {
                    ps.setNull(5, Types.VARCHAR);
                } else {
                    ps.setString(5, r.labelsJson());
                }
                // the column's default as it was when the row was written: a day after it was stored
                ps.setObject(6, OffsetDateTime.ofInstant(r.storedAt().plus(java.time.Duration.ofDays(1)),
                        ZoneOffset.UTC));
                if (this == LIVE) {
                    // NoETL writes created_at as the wall clock of its session's zone
                    ps.setObject(7, r.sampleTime().atZone(zone).toLocalDateTime());
                } else {
                    ps.setObject(7, OffsetDateTime.ofInstant(r.sampleTime(), ZoneOffset.UTC));
                    ps.setObject(8, OffsetDateTime.ofInstant(r.storedAt(), ZoneOffset.UTC));
                }
                ps.addBatch();
                if (++n % 1000 == 0) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
    }
}
