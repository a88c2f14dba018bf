package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;

/**
 * Runs a statement that is meant to be repeatable ({@code CREATE ... IF NOT EXISTS}, {@code CREATE OR REPLACE}) so that
 * it also holds when another session runs the same statement at the same moment. PostgreSQL's {@code IF NOT EXISTS}
 * checks the catalog before it inserts into it: two sessions that both find the object missing both insert, and the
 * second fails on the catalog's unique index ({@code duplicate key value violates unique constraint
 * "pg_type_typname_nsp_index"}, SQLSTATE 23505) once the first commits; two {@code CREATE OR REPLACE} of one function
 * give {@code tuple concurrently updated} (XX000). Nothing else is retried: a duplicate without {@code IF NOT EXISTS}
 * (42P07) is the caller's error. Both passes of one database meet this at the operator's start (a MetricRetentionPolicy and an
 * EventPartitionPlan in one schema share {@code lifecycle_retention}), and so do many policies of one database.
 *
 * <p>The conflicting statement is run once more: by then the other session's object is committed (the unique check
 * waited for that), so {@code IF NOT EXISTS} finds it and does nothing, and a replace replaces again. In a transaction
 * the first try runs under a savepoint, so that the failure does not end the transaction. No lock and no session
 * setting is used, so this holds through PgBouncer in transaction pooling.
 */
public final class IdempotentDdl {
    /** unique_violation: in a DDL statement, only a catalog's unique index, which a concurrent creator trips. */
    private static final String UNIQUE_VIOLATION = "23505";

    private IdempotentDdl() {
    }

    /** Runs {@code sql} on {@code s}, once more when it met the same statement of another session. */
    public static void execute(Statement s, String sql) throws SQLException {
        Connection c = s.getConnection();
        Savepoint before = c.getAutoCommit() ? null : c.setSavepoint();
        try {
            s.execute(sql);
        } catch (SQLException e) {
            if (!raced(e)) {
                throw e;
            }
            if (before != null) {
                c.rollback(before);
            }
            s.execute(sql);
        }
        if (before != null) {
            c.releaseSavepoint(before);
        }
    }

    static boolean raced(SQLException e) {
        String state = e.getSQLState();
        return UNIQUE_VIOLATION.equals(state)
                || ("XX000".equals(state) && String.valueOf(e.getMessage()).contains("tuple concurrently updated"));
    }
}
