package io.noetl.lifecycle.postgres;

/** A schema-qualified table name as the catalog stores it (case-sensitive, unquoted). */
public record TableName(String schema, String name) {

    /** Parses {@code schema.table} or {@code table} (schema {@code public}). */
    public static TableName parse(String text) {
        int dot = text.indexOf('.');
        if (dot < 0) {
            return new TableName("public", text);
        }
        if (text.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("'" + text + "' has more than one dot; use schema.table");
        }
        return new TableName(text.substring(0, dot), text.substring(dot + 1));
    }

    public TableName inSchema(String otherSchema) {
        return new TableName(otherSchema, name);
    }

    public TableName sibling(String otherName) {
        return new TableName(schema, otherName);
    }

    /** The quoted form for SQL text. */
    public String sql() {
        return SqlIdentifier.quote(schema, name);
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }
}
