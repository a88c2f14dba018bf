package io.noetl.lifecycle.postgres;

/**
 * Text as an SQL string literal, for the few places PostgreSQL takes no parameters (DDL, DO blocks, COMMENT).
 * Uses the escape-string form so the result means the same whatever standard_conforming_strings says.
 */
public final class SqlLiteral {
    private SqlLiteral() {
    }

    public static String of(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("text with a NUL byte cannot be an SQL literal");
        }
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
