package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A short transaction for DDL: {@code lock_timeout} and {@code statement_timeout} set locally, and a lock not
 * granted in time retried a bounded number of times with jittered exponential backoff, so maintenance never
 * keeps writers queued behind it for long. A transaction PostgreSQL ended to break a deadlock (40P01: two passes of
 * one database creating tables that reference the same table) was rolled back whole and is retried the
 * same way.
 */
public final class DdlTransaction {

    @FunctionalInterface
    public interface Work {
        void run(Connection c) throws SQLException;
    }

    private DdlTransaction() {
    }

    /**
     * Runs {@code statements} as one transaction in a single round trip (plus the commit). The statements are
     * built from quoted identifiers and typed values only.
     */
    public static void run(Connection c, LockPolicy policy, List<LockGate.Need> needs, List<String> statements)
            throws SQLException {
        String batch = String.join(";\n", statements);
        run(c, policy, needs, conn -> {
            try (Statement s = conn.createStatement()) {
                s.execute(batch);
            }
        });
    }

    /**
     * @param needs the table locks {@code work} will take: before each attempt the {@link LockGate} waits,
     *     queueing nothing, while a long transaction holds a conflicting one
     */
    public static void run(Connection c, LockPolicy policy, List<LockGate.Need> needs, Work work) throws SQLException {
        for (int attempt = 1;; attempt++) {
            LockGate.awaitClear(c, needs, policy);
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    s.execute(prologue(policy));
                }
                work.run(c);
                c.commit();
                return;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                if (!(e instanceof SQLException sql)
                        || !(DatabaseFailure.isLockTimeout(sql) || DatabaseFailure.isDeadlock(sql))) {
                    throw e;
                }
                if (attempt >= policy.maxAttempts()) {
                    restoreAutoCommit(c);
                    throw DatabaseFailure.isDeadlock(sql) ? sql : withHolder(c, needs, sql, attempt);
                }
                sleep(backoff(policy, attempt));
            } finally {
                restoreAutoCommit(c);
            }
        }
    }

    /**
     * Settings local to the transaction. Commits are asynchronous: every action is idempotent and re-planned
     * from the catalog, so losing the last commits in a server crash only means the next pass does them again,
     * and atomicity is never affected; waiting for a flush per partition would dominate the run time.
     */
    static String prologue(LockPolicy policy) {
        return "SET LOCAL lock_timeout = '" + policy.lockTimeout().toMillis() + "ms';"
                + "SET LOCAL statement_timeout = '" + policy.statementTimeout().toMillis() + "ms';"
                + "SET LOCAL synchronous_commit = " + (policy.synchronousCommit() ? "on" : "off");
    }

    /** The lock-timeout error, naming who held the lock when the catalog can tell. */
    private static SQLException withHolder(Connection c, List<LockGate.Need> needs, SQLException e, int attempts) {
        String holder;
        try {
            holder = LockGate.blocker(c, needs, java.time.Duration.ZERO).map(LockGate.Holder::describe)
                    .orElse("the holder has gone since");
        } catch (SQLException lookup) {
            holder = "the holder could not be looked up";
        }
        SQLException out = new SQLException("no lock after " + attempts + " attempts: " + holder,
                DatabaseFailure.LOCK_NOT_AVAILABLE_STATE);
        out.initCause(e);
        return out;
    }

    private static long backoff(LockPolicy policy, int attempt) {
        long base = policy.backoff().toMillis() << Math.min(attempt - 1, 6);
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    static void sleep(long millis) throws SQLException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting to retry", "57014", e);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it when it is closed
        }
    }

    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // as above
        }
    }
}
