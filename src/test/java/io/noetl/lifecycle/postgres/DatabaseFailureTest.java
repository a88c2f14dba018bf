package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Reason;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which reason each SQLSTATE becomes: the codes users see are those of docs/operations.md. */
class DatabaseFailureTest {
    @Test
    void sqlStatesBecomeReadyFalseReasons() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("08001", "DatabaseUnreachable");
        expected.put("28P01", "DatabaseUnreachable");
        expected.put("3D000", "DatabaseUnreachable");
        expected.put("57P01", "DatabaseUnreachable");
        expected.put("55P03", "LockTimeout");
        expected.put("57014", "StatementTimeout");
        expected.put("42501", "PermissionDenied");
        expected.put(DatabaseFailure.PARTITION_CHANGED_STATE, "PartitionChanged");
        expected.put(DatabaseFailure.ROW_COUNT_MISMATCH_STATE, "RowCountMismatch");
        expected.put("23514", "DefaultPartitionConflict");
        expected.put("42P01", "DatabaseError");
        expected.forEach((state, code) -> {
            Reason reason = DatabaseFailure.of(new SQLException("line one\nline two", state), null).reason();
            assertEquals(code, reason.code(), state);
            assertTrue(reason.effect().readyFalse(), state + " stops the pass: " + reason);
        });
        assertEquals(Reason.DATABASE_UNREACHABLE,
                DatabaseFailure.of(new SQLException("Acquisition timeout while waiting for new connection"), null)
                        .reason());
        assertEquals("line one", DatabaseFailure.of(new SQLException("line one\nline two", "42P01"), null).message());
    }
}
