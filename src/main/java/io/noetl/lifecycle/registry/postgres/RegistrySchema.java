package io.noetl.lifecycle.registry.postgres;

import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The {@code noetl.runtime} registry as NoETL's own schema creates it ({@code noetl/noetl},
 * {@code noetl/database/ddl/postgres/schema_ddl.sql}): columns {@code kind}, {@code uri} and {@code heartbeat},
 * unique on {@code (kind, name)}, with NoETL's index names, so that NoETL's servers and workers write into a registry
 * the operator created exactly as into their own. Created idempotently.
 */
public final class RegistrySchema {
    public static final TableName RUNTIME = new TableName("noetl", "runtime");

    private RegistrySchema() {
    }

    /** NoETL's registry, which metrics reference, keyed uniquely by {@code (kind, name)}. */
    public static void ensureRuntimeRegistry(Statement s) throws SQLException {
        IdempotentDdl.execute(s, "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(RUNTIME.schema()));
        IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + RUNTIME.sql() + " ("
                + "runtime_id BIGINT PRIMARY KEY, "
                + "name TEXT NOT NULL, "
                + "kind TEXT NOT NULL CHECK (kind IN ('worker_pool', 'server_api', 'broker')), "
                + "uri TEXT, "
                + "status TEXT NOT NULL, "
                + "labels JSONB, "
                + "capabilities JSONB, "
                + "capacity INTEGER, "
                + "runtime JSONB, "
                + "heartbeat TIMESTAMPTZ NOT NULL DEFAULT now(), "
                + "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                + "updated_at TIMESTAMPTZ NOT NULL DEFAULT now())");
        IdempotentDdl.execute(s, "CREATE UNIQUE INDEX IF NOT EXISTS idx_runtime_kind_name ON " + RUNTIME.sql() + " (kind, name)");
        IdempotentDdl.execute(s, "CREATE INDEX IF NOT EXISTS idx_runtime_kind ON " + RUNTIME.sql() + " (kind)");
        IdempotentDdl.execute(s, "CREATE INDEX IF NOT EXISTS idx_runtime_status ON " + RUNTIME.sql() + " (status)");
        IdempotentDdl.execute(s, "CREATE INDEX IF NOT EXISTS idx_runtime_runtime_type ON " + RUNTIME.sql() + " ((runtime->>'type'))");
    }
}
