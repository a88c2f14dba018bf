package io.noetl.lifecycle.registry.postgres;

import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.SQLException;
import java.sql.Statement;

/** The {@code noetl.runtime} registry as seed 000 describes it, created idempotently. */
public final class RegistrySchema {
    public static final TableName RUNTIME = new TableName("noetl", "runtime");

    private RegistrySchema() {
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
}
