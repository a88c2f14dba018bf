package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The objects NoETL's schema documents describe, created idempotently for {@code bootstrap: IfMissing}: the
 * {@code noetl.runtime} registry and the metric table with its indexes and partition view (seed 000).
 */
public final class SeedSchema {
    public static final TableName RUNTIME = new TableName("noetl", "runtime");

    private SeedSchema() {
    }

    /** The registry that metrics reference (seed 000), keyed uniquely by (component_type, name). */
    public static void ensureRuntimeRegistry(Statement s) throws SQLException {
        s.execute("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(RUNTIME.schema()));
        s.execute("CREATE TABLE IF NOT EXISTS " + RUNTIME.sql() + " ("
                + "runtime_id BIGINT PRIMARY KEY, "
                + "name TEXT NOT NULL, "
                + "component_type TEXT NOT NULL, "
                + "base_url TEXT, "
                + "status TEXT NOT NULL, "
                + "labels JSONB, "
                + "capabilities JSONB, "
                + "capacity INTEGER, "
                + "runtime JSONB, "
                + "last_heartbeat TIMESTAMPTZ, "
                + "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                + "updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                + "CONSTRAINT runtime_component_type_name_key UNIQUE (component_type, name))");
    }

    /**
     * The partitioned metric table of seed 000 under {@code table}, RANGE-partitioned on {@code created_at},
     * with the seed's indexes and a {@code <table>_partitions} view of its partitions.
     */
    public static void ensureMetricTable(Connection c, TableName table) throws SQLException {
        String idx = "metric".equals(table.name()) ? "idx_metrics_" : "idx_" + table.name() + "_";
        try (Statement s = c.createStatement()) {
            ensureRuntimeRegistry(s);
            s.execute("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(table.schema()));
            s.execute("CREATE TABLE IF NOT EXISTS " + table.sql() + " ("
                    + "metric_id BIGSERIAL, "
                    + "runtime_id BIGINT NOT NULL REFERENCES " + RUNTIME.sql() + " (runtime_id) ON DELETE CASCADE, "
                    + "metric_name TEXT NOT NULL, "
                    + "metric_type TEXT NOT NULL CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'summary')), "
                    + "metric_value DOUBLE PRECISION NOT NULL, "
                    + "labels JSONB, "
                    + "help_text TEXT, "
                    + "unit TEXT, "
                    + "timestamp TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "expires_at TIMESTAMPTZ NOT NULL DEFAULT (now() + interval '1 day'), "
                    + "PRIMARY KEY (metric_id, created_at)"
                    + ") PARTITION BY RANGE (created_at)");
            index(s, idx + "runtime_id", table, "(runtime_id)");
            index(s, idx + "name", table, "(metric_name)");
            index(s, idx + "timestamp", table, "(timestamp)");
            index(s, idx + "runtime_name", table, "(runtime_id, metric_name)");
            index(s, idx + "labels", table, "USING GIN (labels)");
            ensurePartitionView(s, table, "timestamptz");
        }
    }

    /**
     * {@code <table>_partitions}: one row per partition with its bounds as values, its size in bytes and its
     * estimated rows, computed by the same catalog functions the operator's status uses.
     */
    static void ensurePartitionView(Statement s, TableName table, String boundType) throws SQLException {
        TableName view = table.sibling(table.name() + "_partitions");
        s.execute("CREATE OR REPLACE VIEW " + view.sql() + " AS "
                + "WITH p AS (SELECT c.relname AS partition_name, pg_get_expr(c.relpartbound, c.oid) AS bound, "
                + "pg_total_relation_size(c.oid) AS total_bytes, greatest(c.reltuples, 0)::bigint AS estimated_rows "
                + "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = '" + table.sql().replace("'", "''") + "'::regclass), "
                + "b AS (SELECT p.*, regexp_match(bound, '^FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)$') AS m FROM p) "
                + "SELECT partition_name, "
                + "CASE WHEN m[1] IN ('MINVALUE', 'MAXVALUE') THEN NULL ELSE btrim(m[1], '''')::" + boundType
                + " END AS range_start, "
                + "CASE WHEN m[2] IN ('MINVALUE', 'MAXVALUE') THEN NULL ELSE btrim(m[2], '''')::" + boundType
                + " END AS range_end, "
                + "bound = 'DEFAULT' AS is_default, bound, total_bytes, "
                + "pg_size_pretty(total_bytes) AS total_size, estimated_rows FROM b");
    }

    private static void index(Statement s, String name, TableName table, String definition) throws SQLException {
        s.execute("CREATE INDEX IF NOT EXISTS " + SqlIdentifier.quote(name) + " ON " + table.sql() + " "
                + definition);
    }
}
