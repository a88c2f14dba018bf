package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A short transaction for DDL: {@code lock_timeout} and {@code statement_timeout} set locally, and a lock not
 * granted in time retried a bounded number of times with jittered exponential backoff, so maintenance never
 * keeps writers queued behind it for long.
 */
public final class DdlTransaction {

    @FunctionalInterface
    public interface Work {
        void run(Connection c) throws SQLException;
    }

    private DdlTransaction() {
    }

    public static void run(Connection c, LockPolicy policy, Work work) throws SQLException {
        for (int attempt = 1;; attempt++) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT set_config('lock_timeout', ?, true), set_config('statement_timeout', ?, true)")) {
                    ps.setString(1, policy.lockTimeout().toMillis() + "ms");
                    ps.setString(2, policy.statementTimeout().toMillis() + "ms");
                    ps.execute();
                }
                work.run(c);
                c.commit();
                return;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                if (!(e instanceof SQLException sql) || !DatabaseFailure.isLockTimeout(sql)
                        || attempt >= policy.maxAttempts()) {
                    throw e;
                }
                sleep(backoff(policy, attempt));
            } finally {
                restoreAutoCommit(c);
            }
        }
    }

    private static long backoff(LockPolicy policy, int attempt) {
        long base = policy.backoff().toMillis() << Math.min(attempt - 1, 6);
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    private static void sleep(long millis) throws SQLException {
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
