package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Work in explicit transactions on a connection that may be in auto-commit (the pools hand connections out in
 * auto-commit), which is left as it was found. On any failure what is not committed is rolled back (a rollback that
 * fails too, on a connection already gone, is added to the failure as suppressed: the server rolled back) and the
 * failure is thrown as it was. Nothing is set on the session, so this holds through a transaction-pooling PgBouncer.
 */
public final class Transactions {
    private Transactions() {
    }

    /** Work that may throw {@link SQLException} and one more kind of its own ({@code X}). */
    @FunctionalInterface
    public interface Work<T, X extends Exception> {
        T run() throws SQLException, X;
    }

    /** Runs {@code work} as one transaction, committed when it returns. */
    public static <T, X extends Exception> T inOne(Connection c, Work<T, X> work) throws SQLException, X {
        return withoutAutoCommit(c, () -> {
            T result = work.run();
            c.commit();
            return result;
        });
    }

    /**
     * Runs {@code work} with auto-commit off; it commits what it wants itself (a run of steps, each its own
     * transaction; an early return). A failure rolls back what it had not committed.
     */
    public static <T, X extends Exception> T withoutAutoCommit(Connection c, Work<T, X> work) throws SQLException, X {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            return work.run();
        } catch (Exception e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            try {
                c.setAutoCommit(autoCommit);
            } catch (SQLException ignored) {
                // a connection already gone: the pool discards it
            }
        }
    }
}
