package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Runs a statement that is meant to be repeatable ({@code CREATE ... IF NOT EXISTS}, {@code CREATE OR REPLACE}) so that
 * it also holds when another session runs the same statement at the same moment. PostgreSQL's {@code IF NOT EXISTS}
 * checks the catalog before it inserts into it: two sessions that both find the object missing both insert, and the
 * second fails on the catalog's unique index ({@code duplicate key value violates unique constraint
 * "pg_type_typname_nsp_index"}, SQLSTATE 23505) once the first commits; two {@code CREATE OR REPLACE} of one function
 * give {@code tuple concurrently updated} (XX000). When the first commits after the second's {@code IF NOT EXISTS}
 * check but before the second's own look at the catalog, the second fails with an ordinary duplicate instead:
 * {@code relation "x" already exists} (42P07; deterministic when the second waits for a lock in between, as a
 * partition's create waits for its parent), {@code type "x" already exists} (42710, the table's row type, seen by a
 * lookup a moment after the relation's; CI met it with eight policies bootstrapping one database's
 * {@code lifecycle_retention}) or {@code schema "x" already exists} (42P06). These three are races only for a statement
 * that says {@code IF NOT EXISTS}; without it they are the caller's error and are thrown at once. Both passes of one database meet this at the operator's start (a MetricRetentionPolicy and an
 * EventPartitionPlan in one schema share {@code lifecycle_retention}), and so do many policies of one database.
 *
 * <p>Two creates of different tables that reference one table can deadlock as well (40P01): each holds a weaker lock
 * on the referenced table ({@code noetl.runtime}, which every metric table of a database references), taken by an
 * earlier statement (an index's {@code IF NOT EXISTS} on it), then both ask for the {@code SHARE ROW EXCLUSIVE} lock
 * the foreign key's triggers need, and PostgreSQL ends one of them. Policies of many metric tables in one database
 * bootstrapping at once met it (ConnectionBudgetReconcileTest did, in CI); the bootstrap now takes the strong lock
 * first ({@code MetricSchema}), and this is the net under it.
 * In autocommit the statement that lost was rolled back whole, so running it again is safe; in a transaction the
 * deadlock may be over locks taken before the statement, so it ends the transaction, which {@link DdlTransaction}
 * retries from its start.
 *
 * <p>The conflicting statement is run again, a few times at most: by then the other session's object is committed
 * (the unique check waited for that), so {@code IF NOT EXISTS} finds it and does nothing, and a replace replaces
 * again; a deadlock's survivor has committed, so the rerun takes its locks after it. In a transaction each try runs
 * under a savepoint, so that the failure does not end the transaction. No lock and no session setting is used, so
 * this holds through PgBouncer in transaction pooling.
 */
public final class IdempotentDdl {
    /** unique_violation: in a DDL statement, only a catalog's unique index, which a concurrent creator trips. */
    private static final String UNIQUE_VIOLATION = "23505";
    /** duplicate_table, duplicate_object, duplicate_schema: a race only under {@code IF NOT EXISTS}. */
    private static final Set<String> DUPLICATE = Set.of("42P07", "42710", "42P06");
    /** How many times a statement runs at most when it keeps meeting other sessions' same statements. */
    static final int ATTEMPTS = 5;

    private static final Pattern IF_NOT_EXISTS = Pattern.compile(
            "\\bIF\\s+NOT\\s+EXISTS\\b", Pattern.CASE_INSENSITIVE);

    private IdempotentDdl() {
    }

    /** Runs {@code sql} on {@code s}, again when it met the same statement of another session. */
    public static void execute(Statement s, String sql) throws SQLException {
        Connection c = s.getConnection();
        for (int attempt = 1;; attempt++) {
            Savepoint before = c.getAutoCommit() ? null : c.setSavepoint();
            try {
                s.execute(sql);
                if (before != null) {
                    c.releaseSavepoint(before);
                }
                return;
            } catch (SQLException e) {
                // in a transaction, a deadlock may be over locks taken before this statement, which a savepoint does
                // not give back: the whole transaction has to go and be retried (DdlTransaction does)
                if (!raced(e, sql) || attempt >= ATTEMPTS || (before != null && DatabaseFailure.isDeadlock(e))) {
                    throw e;
                }
                if (before != null) {
                    c.rollback(before);
                    c.releaseSavepoint(before);
                }
                if (DatabaseFailure.isDeadlock(e)) {
                    // both sides of a deadlock may be ours: a jittered pause keeps them from meeting again
                    DdlTransaction.sleep(ThreadLocalRandom.current().nextLong(10, 50L * attempt));
                }
            }
        }
    }

    static boolean raced(SQLException e, String sql) {
        String state = e.getSQLState();
        return UNIQUE_VIOLATION.equals(state) || DatabaseFailure.isDeadlock(e)
                || (state != null && DUPLICATE.contains(state) && IF_NOT_EXISTS.matcher(sql).find())
                || ("XX000".equals(state) && String.valueOf(e.getMessage()).contains("tuple concurrently updated"));
    }
}
