package io.noetl.lifecycle.postgres;

import java.sql.SQLException;

/**
 * A database error reduced to what status may show: a stable reason and a one-line message without
 * credentials or stack traces.
 */
public record DatabaseFailure(String reason, String message) {

    public static final String UNREACHABLE = "DatabaseUnreachable";
    public static final String LOCK_TIMEOUT = "LockTimeout";
    /** PostgreSQL's lock_not_available, which the lock gate and the retries also raise when they give up. */
    public static final String LOCK_NOT_AVAILABLE_STATE = "55P03";

    public static DatabaseFailure of(SQLException e, DatabaseTarget target) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String reason;
        if (state.startsWith("08") || state.startsWith("28") || state.equals("3D000") || state.startsWith("57P")
                || (state.isEmpty() && isConnectionProblem(e))) {
            reason = UNREACHABLE;
        } else if (state.equals(LOCK_NOT_AVAILABLE_STATE)) {
            reason = LOCK_TIMEOUT;
        } else if (state.equals("57014")) {
            reason = "StatementTimeout";
        } else if (state.equals("42501")) {
            reason = "PermissionDenied";
        } else if (state.equals(PartitionExecutor.PARTITION_CHANGED_STATE)) {
            reason = "PartitionChanged";
        } else if (state.equals(PartitionExecutor.ROW_COUNT_MISMATCH_STATE)) {
            reason = "RowCountMismatch";
        } else if (state.equals("23514")) {
            reason = "DefaultPartitionConflict";
        } else {
            reason = "DatabaseError";
        }
        return new DatabaseFailure(reason, oneLine(target == null ? e.getMessage() : target.redact(e.getMessage())));
    }

    public static boolean isLockTimeout(SQLException e) {
        return LOCK_NOT_AVAILABLE_STATE.equals(e.getSQLState());
    }

    private static boolean isConnectionProblem(SQLException e) {
        // Agroal reports an acquisition timeout without a SQLState
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
