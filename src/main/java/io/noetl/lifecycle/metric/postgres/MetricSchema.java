package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.registry.postgres.RegistrySchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;
import java.util.Optional;

/**
 * NoETL's metric table: created idempotently for {@code bootstrap: IfMissing} as NoETL's own schema has it, with its
 * indexes and partition view and the registry it references ({@link RegistrySchema}, the one part of the registry the
 * metric kind knows); and the mapping of an existing table's columns ({@link MetricColumns}).
 */
public final class MetricSchema {
    private MetricSchema() {
    }

    /** The runtime registry the metric table references ({@code runtime_id}): NoETL's own shape. */
    public static final TableName REGISTRY = RegistrySchema.RUNTIME;

    /**
     * The metric-table mapping of {@code raw} ({@link MetricColumns}): which column is the sample time, the value,
     * and the rest, for a policy whose spec names {@code sampleTimeColumn} (or not) and reads wall-clock times in
     * {@code zone}.
     */
    public static MetricColumns columns(Connection c, TableName raw, Optional<String> sampleTimeColumn,
            String partitionKey, ZoneId zone) throws SQLException {
        return MetricColumns.choose(CatalogReader.columnTypes(c, raw), sampleTimeColumn, partitionKey, zone);
    }

    /**
     * NoETL's metric table under {@code table}, as NoETL's own schema creates {@code noetl.metric}: RANGE-partitioned
     * on {@code created_at TIMESTAMP} (without time zone: NoETL writes its session's wall-clock time, which the policy
     * reads in {@code spec.timeZone}), {@code expires_at TIMESTAMPTZ} (its per-row TTL), no {@code timestamp} column,
     * NoETL's indexes, and a {@code <table>_partitions} view of its partitions. NoETL's server writes into it as into
     * its own: its statements name these columns, and its schema script's {@code CREATE TABLE IF NOT EXISTS} leaves it
     * be. {@code metric_id} takes {@code <schema>.snowflake_id()} as its default where that function exists (NoETL's
     * schema script sets the same default when it runs), a sequence of its own otherwise.
     */
    public static void ensureMetricTable(Connection c, TableName table) throws SQLException {
        String idx = "idx_" + table.name() + "_";
        boolean snowflake = CatalogReader.functionExists(c, table.sibling("snowflake_id").sql() + "()");
        try (Statement s = c.createStatement()) {
            if (!c.getAutoCommit() && !CatalogReader.exists(c, table)
                    && CatalogReader.exists(c, RegistrySchema.RUNTIME)) {
                // The create asks for SHARE ROW EXCLUSIVE on the registry (the foreign key's triggers), and the
                // registry's own IF NOT EXISTS statements before it take weaker locks on it (an index's SHARE): two
                // bootstraps at once (policies of one database) each hold a weaker lock and wait for the other, a
                // deadlock PostgreSQL ends by failing one. Taking the strong lock first, before any other, makes them
                // queue instead. It is the lock the create takes anyway, held to the end of this short transaction;
                // NoETL's registry writes wait that long, as they would for the create. (A registry that does not
                // exist yet is made by whichever bootstrap comes first; a deadlock then is retried by DdlTransaction,
                // and the retry finds the registry and takes this lock.)
                s.execute("LOCK TABLE " + RegistrySchema.RUNTIME.sql() + " IN SHARE ROW EXCLUSIVE MODE");
            }
            RegistrySchema.ensureRuntimeRegistry(s);
            IdempotentDdl.execute(s, "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(table.schema()));
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + table.sql() + " ("
                    + (snowflake ? "metric_id BIGINT DEFAULT " + table.sibling("snowflake_id").sql() + "(), "
                            : "metric_id BIGSERIAL, ")
                    + "runtime_id BIGINT NOT NULL REFERENCES " + RegistrySchema.RUNTIME.sql() + " (runtime_id) ON DELETE CASCADE, "
                    + "metric_name TEXT NOT NULL, "
                    + "metric_type TEXT NOT NULL CHECK (metric_type IN ('counter', 'gauge', 'histogram', 'summary')), "
                    + "metric_value DOUBLE PRECISION NOT NULL, "
                    + "labels JSONB, "
                    + "help_text TEXT, "
                    + "unit TEXT, "
                    + "created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "
                    + "expires_at TIMESTAMPTZ NOT NULL DEFAULT (now() + interval '1 day'), "
                    + "PRIMARY KEY (metric_id, created_at)"
                    + ") PARTITION BY RANGE (created_at)");
            SeedSchema.index(s, idx + "runtime_id", table, "(runtime_id)");
            SeedSchema.index(s, idx + "name", table, "(metric_name)");
            SeedSchema.index(s, idx + "created_at", table, "(created_at)");
            SeedSchema.index(s, idx + "runtime_name", table, "(runtime_id, metric_name)");
            SeedSchema.index(s, idx + "labels", table, "USING GIN (labels)");
            SeedSchema.ensurePartitionView(s, table, "timestamp", null);
        }
    }
}
