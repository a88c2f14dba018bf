package io.noetl.lifecycle.postgres;

import io.noetl.lifecycle.api.Reason;
import java.sql.SQLException;

/**
 * A database error reduced to what status may show: a stable reason and a one-line message without
 * credentials or stack traces.
 */
public record DatabaseFailure(Reason reason, String message) {
    /** The executor's own SQLSTATE: a partition to retire no longer has the bounds the plan saw. */
    public static final String PARTITION_CHANGED_STATE = "LC001";
    /** The executor's own SQLSTATE: a row move counted, copied and deleted different numbers; rolled back. */
    public static final String ROW_COUNT_MISMATCH_STATE = "LC002";
    /** The rollup's own SQLSTATE: two series share a fingerprint; nothing was rolled up. */
    public static final String ROLLUP_COLLISION_STATE = "LC003";

    public DatabaseFailure {
        if (!reason.effect().readyFalse()) {
            throw new IllegalArgumentException(reason.name() + " is no failure: it is no Ready=False reason");
        }
    }

    /** PostgreSQL's lock_not_available, which the lock gate and the retries also raise when they give up. */
    public static final String LOCK_NOT_AVAILABLE_STATE = "55P03";
    /** PostgreSQL's check_violation, which ATTACH raises when the default partition holds rows of the range. */
    static final String CHECK_VIOLATION_STATE = "23514";

    public static DatabaseFailure of(SQLException e, DatabaseTarget target) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        Reason reason;
        if (state.startsWith("08") || state.startsWith("28") || state.equals("3D000") || state.startsWith("57P")
                || (state.isEmpty() && isConnectionProblem(e))) {
            reason = Reason.DATABASE_UNREACHABLE;
        } else if (state.equals(LOCK_NOT_AVAILABLE_STATE)) {
            reason = Reason.LOCK_TIMEOUT;
        } else if (state.equals("57014")) {
            reason = Reason.STATEMENT_TIMEOUT;
        } else if (state.equals("42501")) {
            reason = Reason.PERMISSION_DENIED;
        } else if (state.equals(PARTITION_CHANGED_STATE)) {
            reason = Reason.PARTITION_CHANGED;
        } else if (state.equals(ROW_COUNT_MISMATCH_STATE)) {
            reason = Reason.ROW_COUNT_MISMATCH;
        } else if (state.equals(CHECK_VIOLATION_STATE)) {
            // ATTACH found rows for the new range in the default partition, which arrived after the plan
            // counted them: the same conflict the planner reports when moveDefaultRows is false
            reason = Reason.DEFAULT_PARTITION_CONFLICT;
        } else {
            reason = Reason.DATABASE_ERROR;
        }
        return new DatabaseFailure(reason, oneLine(target == null ? e.getMessage() : target.redact(e.getMessage())));
    }

    public static boolean isLockTimeout(SQLException e) {
        return LOCK_NOT_AVAILABLE_STATE.equals(e.getSQLState());
    }

    /** PostgreSQL's deadlock_detected: this transaction was chosen to end a deadlock, and was rolled back whole. */
    public static final String DEADLOCK_DETECTED_STATE = "40P01";

    public static boolean isDeadlock(SQLException e) {
        return DEADLOCK_DETECTED_STATE.equals(e.getSQLState());
    }

    private static boolean isConnectionProblem(SQLException e) {
        // a pool or driver may report an acquisition timeout without a SQLState
        String m = String.valueOf(e.getMessage()).toLowerCase();
        return m.contains("acquisition timeout") || m.contains("connection");
    }

    static String oneLine(String message) {
        if (message == null) {
            return "no message";
        }
        String line = message.strip().lines().findFirst().orElse("").strip();
        return line.length() > 300 ? line.substring(0, 297) + "..." : line;
    }
}
