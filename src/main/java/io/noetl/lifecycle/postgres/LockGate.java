package io.noetl.lifecycle.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps maintenance from queueing behind a long transaction. A lock request that waits makes every later
 * request for a conflicting lock wait behind it, so a DDL statement waiting for a reader would stall all
 * writers. Before each attempt the gate looks in {@code pg_locks} for a conflicting lock held by a
 * transaction older than {@link LockPolicy#gateMinAge()}, and if it sees one it waits — holding and queueing
 * nothing — until it is gone or {@link LockPolicy#lockWait()} has passed. Short transactions (writers) do not
 * count: waiting behind them costs milliseconds.
 */
public final class LockGate {

    /** The two table locks maintenance takes, with the granted modes that block them. */
    public enum Mode {
        /** DROP, DETACH, and ATTACH's hold on the default partition. */
        ACCESS_EXCLUSIVE(List.of("AccessShareLock", "RowShareLock", "RowExclusiveLock",
                "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock",
                "AccessExclusiveLock")),
        /** ATTACH PARTITION on the parent. */
        SHARE_UPDATE_EXCLUSIVE(List.of("ShareUpdateExclusiveLock", "ShareLock",
                "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"));

        private final List<String> blockedBy;

        Mode(List<String> blockedBy) {
            this.blockedBy = blockedBy;
        }
    }

    /** A lock an action will take. */
    public record Need(TableName relation, Mode mode) {
    }

    /** Who holds a conflicting lock, as far as the catalog tells. */
    public record Holder(int pid, Duration transactionAge, String relation, String mode) {
        public String describe() {
            return "pid " + pid + " holds " + mode + " on " + relation + " in a transaction open for "
                    + transactionAge.toMillis() / 1000.0 + "s";
        }
    }

    private LockGate() {
    }

    /** The oldest transaction holding a lock that blocks one of {@code needs}, if it is older than {@code minAge}. */
    public static Optional<Holder> blocker(Connection c, List<Need> needs, Duration minAge) throws SQLException {
        if (needs.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder sql = new StringBuilder("""
                SELECT l.pid, extract(epoch FROM clock_timestamp() - a.xact_start)::float8,
                       l.relation::regclass::text, l.mode
                  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()
                   AND a.xact_start < clock_timestamp() - make_interval(secs => ?)
                   AND (""");
        for (int i = 0; i < needs.size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append("(l.relation = to_regclass(?) AND l.mode = ANY (?))");
        }
        sql.append(") ORDER BY a.xact_start LIMIT 1");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            ps.setDouble(p++, minAge.toMillis() / 1000.0);
            for (Need need : needs) {
                ps.setString(p++, need.relation().sql());
                ps.setArray(p++, c.createArrayOf("text", need.mode().blockedBy.toArray()));
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Holder(rs.getInt(1), Duration.ofMillis((long) (rs.getDouble(2) * 1000)),
                        rs.getString(3), lockName(rs.getString(4))));
            }
        }
    }

    /**
     * Waits until no long transaction holds a lock that blocks {@code needs}. Throws a lock-timeout error
     * naming the holder when {@link LockPolicy#lockWait()} runs out.
     */
    public static void awaitClear(Connection c, List<Need> needs, LockPolicy policy) throws SQLException {
        long deadline = System.nanoTime() + policy.lockWait().toNanos();
        long pause = Math.max(10, Math.min(policy.backoff().toMillis(), 250));
        while (true) {
            Optional<Holder> holder = blocker(c, needs, policy.gateMinAge());
            if (holder.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                throw new SQLException("gave up after waiting " + policy.lockWait().toSeconds()
                        + "s for a lock: " + holder.get().describe(),
                        DatabaseFailure.LOCK_NOT_AVAILABLE_STATE);
            }
            DdlTransaction.sleep(pause);
        }
    }

    /** "AccessExclusiveLock" as people say it: "ACCESS EXCLUSIVE". */
    private static String lockName(String mode) {
        return mode.replace("Lock", "").replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(Locale.ROOT);
    }
}
