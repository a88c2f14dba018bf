package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.postgres.DollarQuote;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.SqlLiteral;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The event table of seed 001 with its DBA helpers, created idempotently for {@code bootstrap: IfMissing}, and the
 * {@code <table>_partitions} view both partitioned tables of NoETL's schema documents have (the metric table's own
 * DDL is the metric kind's, {@code MetricSchema}).
 */
public final class SeedSchema {
    private SeedSchema() {
    }

    /**
     * The partitioned event table of seed 001 under {@code table}, RANGE-partitioned on {@code execution_id}
     * (Snowflake ids), with its default partition, the seed's DBA helpers for {@code layout} and the
     * {@code <table>_partitions} view.
     */
    public static void ensureEventTable(Connection c, TableName table, String defaultPartition, SnowflakeLayout layout)
            throws SQLException {
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(table.schema()));
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + table.sql() + " ("
                    + "execution_id BIGINT NOT NULL, "
                    + "event_id BIGINT NOT NULL, "
                    + "parent_event_id BIGINT, "
                    + "parent_execution_id BIGINT, "
                    + "catalog_id BIGINT, "
                    + "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "event_type TEXT NOT NULL, "
                    + "node_id TEXT, "
                    + "node_name TEXT, "
                    + "node_type TEXT, "
                    + "status TEXT NOT NULL, "
                    + "duration DOUBLE PRECISION, "
                    + "context JSONB, "
                    + "meta JSONB, "
                    + "result JSONB, "
                    + "error TEXT, "
                    + "PRIMARY KEY (execution_id, event_id)"
                    + ") PARTITION BY RANGE (execution_id)");
            index(s, "idx_" + table.name() + "_created_at", table, "(created_at)");
            index(s, "idx_" + table.name() + "_type_status", table, "(event_type, status)");
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + table.sibling(defaultPartition).sql() + " PARTITION OF "
                    + table.sql() + " DEFAULT");
            ensureEventHelpers(s, table, layout);
            ensurePartitionView(s, table, "bigint", layout);
        }
    }

    /**
     * The DBA helpers of seed 001, with its names and argument lists, for the id layout of the plan:
     * {@code partition_id_for_ts(ts)}, {@code CALL ensure_event_partition(start, end, name)},
     * {@code CALL drop_event_partition(name)}. Text arguments (as in {@code '2026-07-01'}) are read in UTC,
     * never in the session's time zone; timestamptz arguments are absolute anyway.
     */
    static void ensureEventHelpers(Statement s, TableName table, SnowflakeLayout layout) throws SQLException {
        String idFor = table.sibling("partition_id_for_ts").sql();
        String ensure = table.sibling("ensure_event_partition").sql();
        String drop = table.sibling("drop_event_partition").sql();
        String schemaText = SqlLiteral.of(table.schema());
        String tableText = SqlLiteral.of(table.name());
        IdempotentDdl.execute(s, DollarQuote.retag("CREATE OR REPLACE FUNCTION " + idFor + "(ts timestamptz) RETURNS bigint "
                + "LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $fn$ "
                + "SELECT (floor(extract(epoch FROM ts) * 1000)::bigint - " + layout.epoch().toEpochMilli() + ") << "
                + layout.shift() + " $fn$"));
        IdempotentDdl.execute(s, DollarQuote.retag("CREATE OR REPLACE FUNCTION " + idFor + "(ts text) RETURNS bigint "
                + "LANGUAGE sql STABLE STRICT PARALLEL SAFE SET timezone = 'UTC' AS $fn$ "
                + "SELECT " + idFor + "(ts::timestamptz) $fn$"));
        IdempotentDdl.execute(s, DollarQuote.retag("CREATE OR REPLACE PROCEDURE " + ensure + "(start_ts timestamptz, end_ts timestamptz, "
                + "partition_name text) LANGUAGE plpgsql AS $fn$ BEGIN "
                + "IF to_regclass(format('%I.%I', " + schemaText + ", partition_name)) IS NULL THEN "
                + "EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%s) TO (%s)', "
                + schemaText + ", partition_name, " + schemaText + ", " + tableText + ", "
                + idFor + "(start_ts), " + idFor + "(end_ts)); "
                + "END IF; END $fn$"));
        IdempotentDdl.execute(s, DollarQuote.retag("CREATE OR REPLACE PROCEDURE " + ensure + "(start_ts text, end_ts text, partition_name text) "
                + "LANGUAGE plpgsql SET timezone = 'UTC' AS $fn$ BEGIN "
                + "CALL " + ensure + "(start_ts::timestamptz, end_ts::timestamptz, partition_name); END $fn$"));
        IdempotentDdl.execute(s, DollarQuote.retag("CREATE OR REPLACE PROCEDURE " + drop + "(partition_name text) LANGUAGE plpgsql AS $fn$ "
                + "DECLARE rel regclass := to_regclass(format('%I.%I', " + schemaText + ", partition_name)); "
                + "parent regclass := to_regclass(format('%I.%I', " + schemaText + ", " + tableText + ")); BEGIN "
                + "IF rel IS NULL THEN RAISE NOTICE 'partition % does not exist', partition_name; RETURN; END IF; "
                + "IF NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = rel AND inhparent = parent) THEN "
                + "RAISE EXCEPTION '% is not a partition of %', partition_name, parent; END IF; "
                + "IF (SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = rel) = 'DEFAULT' THEN "
                + "RAISE EXCEPTION 'the default partition % must stay', partition_name; END IF; "
                + "EXECUTE format('DROP TABLE %s', rel); END $fn$"));
    }

    /**
     * {@code <table>_partitions}: one row per partition with its bounds as values, its size in bytes and its
     * estimated rows, computed by the same catalog functions the operator's status uses.
     */
    public static void ensurePartitionView(Statement s, TableName table, String boundType, SnowflakeLayout layout)
            throws SQLException {
        String decoded = layout == null ? "" : ", "
                + timeOfId("range_start", layout) + " AS start_time, " + timeOfId("range_end", layout) + " AS end_time";
        TableName view = table.sibling(table.name() + "_partitions");
        IdempotentDdl.execute(s, "CREATE OR REPLACE VIEW " + view.sql() + " AS "
                + "WITH p AS (SELECT c.relname AS partition_name, pg_get_expr(c.relpartbound, c.oid) AS bound, "
                + "pg_total_relation_size(c.oid) AS total_bytes, greatest(c.reltuples, 0)::bigint AS estimated_rows "
                + "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = " + SqlLiteral.of(table.sql()) + "::regclass), "
                + "b AS (SELECT p.*, regexp_match(bound, " + CatalogReader.RANGE_BOUND_PATTERN + ") AS m FROM p), "
                + "r AS (SELECT b.*, "
                + "(" + CatalogReader.boundLiteral("m", 1) + ")::" + boundType + " AS range_start, "
                + "(" + CatalogReader.boundLiteral("m", 2) + ")::" + boundType + " AS range_end FROM b) "
                + "SELECT partition_name, range_start, range_end" + decoded + ", "
                + "bound = 'DEFAULT' AS is_default, bound, total_bytes, "
                + "pg_size_pretty(total_bytes) AS total_size, estimated_rows FROM r ORDER BY range_start NULLS FIRST");
    }

    private static String timeOfId(String column, SnowflakeLayout layout) {
        return "to_timestamp((" + layout.epoch().toEpochMilli() + " + (" + column + " >> " + layout.shift()
                + "))::numeric / 1000)";
    }

    /** Creates index {@code name} on {@code table} ({@code definition}: the column list or method) when missing. */
    public static void index(Statement s, String name, TableName table, String definition) throws SQLException {
        IdempotentDdl.execute(s, "CREATE INDEX IF NOT EXISTS " + SqlIdentifier.quote(name) + " ON " + table.sql() + " "
                + definition);
    }
}
