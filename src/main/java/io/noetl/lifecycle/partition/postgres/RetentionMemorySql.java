package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.Optional;

/**
 * What {@code spec.retentionChangeGrace} needs, kept in the database beside the table it is about, so that every
 * entry point finds it whatever resource or file it was given: {@code <schema>.lifecycle_retention}, one row per
 * parent table ({@code schema.table}) with the retention in force, a shortened one that waits and when that was
 * first seen ({@link RetentionGrace.Memory}).
 */
public final class RetentionMemorySql {
    public static final String TABLE = "lifecycle_retention";

    private RetentionMemorySql() {
    }

    static TableName tableFor(TableName parent) {
        return parent.sibling(TABLE);
    }

    /** The row of {@code parent}, or {@link RetentionGrace.Memory#NONE} when there is none (or no table yet). */
    public static RetentionGrace.Memory read(Connection c, TableName parent) throws SQLException {
        TableName table = tableFor(parent);
        if (!CatalogReader.exists(c, table)) {
            return RetentionGrace.Memory.NONE;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT in_force, shortened_to, seen_at FROM " + table.sql()
                + " WHERE parent_table = ?")) {
            ps.setString(1, parent.toString());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return RetentionGrace.Memory.NONE;
                }
                Timestamp seen = rs.getTimestamp(3);
                return new RetentionGrace.Memory(Optional.ofNullable(rs.getString(1)),
                        Optional.ofNullable(rs.getString(2)), Optional.ofNullable(seen).map(Timestamp::toInstant));
            }
        }
    }

    /**
     * Records {@code memory} for {@code parent} (creating the table when missing), when {@code parent} is a partitioned
     * table; nothing otherwise, as there is nothing to retire from yet. One statement each, in auto-commit.
     */
    public static void record(Connection c, TableName parent, RetentionGrace.Memory memory) throws SQLException {
        if (memory.inForce().isEmpty()) {
            return;
        }
        // only beside a partitioned table: nothing is created in a schema whose table is missing or not partitioned
        if (!CatalogReader.isPartitioned(c, parent)) {
            return;
        }
        TableName table = tableFor(parent);
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + table.sql() + " (parent_table text PRIMARY KEY, "
                    + "in_force text NOT NULL, shortened_to text, seen_at timestamptz, "
                    + "updated_at timestamptz NOT NULL DEFAULT now())");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table.sql()
                + " (parent_table, in_force, shortened_to, seen_at) VALUES (?, ?, ?, ?) ON CONFLICT (parent_table) DO "
                + "UPDATE SET in_force = excluded.in_force, shortened_to = excluded.shortened_to, "
                + "seen_at = excluded.seen_at, updated_at = now()")) {
            ps.setString(1, parent.toString());
            ps.setString(2, memory.inForce().get());
            ps.setString(3, memory.waiting().orElse(null));
            ps.setTimestamp(4, memory.seenAt().map(Timestamp::from).orElse(null));
            ps.executeUpdate();
        }
    }
}
