package io.noetl.lifecycle.postgres;

/** A schema-qualified table name as the catalog stores it (case-sensitive, unquoted). */
public record TableName(String schema, String name) {

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
