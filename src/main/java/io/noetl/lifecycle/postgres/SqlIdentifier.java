package io.noetl.lifecycle.postgres;

/** The one place identifiers become SQL text: always double-quoted, embedded quotes doubled. */
public final class SqlIdentifier {
    private SqlIdentifier() {
    }

    public static String quote(String identifier) {
        if (identifier == null || identifier.isEmpty() || identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not an SQL identifier: " + identifier);
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    public static String quote(String schema, String name) {
        return quote(schema) + '.' + quote(name);
    }
}
