package io.noetl.lifecycle.registry.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the catalog says about the registry table: its columns (from {@code information_schema}), its unique
 * indexes usable by {@code ON CONFLICT}, and whether the database has NoETL's {@code snowflake_id()} function.
 *
 * @param columns by name
 * @param uniqueKeys each a set of column names with a plain (non-partial, immediate) unique index on them
 */
public record RegistryShape(boolean exists, Map<String, Column> columns, List<Set<String>> uniqueKeys,
        boolean snowflakeFunction) {

    /**
     * @param type the catalog's type name ({@code udt_name}: {@code text}, {@code jsonb}, {@code timestamptz}, ...)
     * @param needsValue NOT NULL with no default, identity or generation expression: an insert must supply it
     */
    public record Column(String name, String type, boolean needsValue) {
    }

    public static RegistryShape missing() {
        return new RegistryShape(false, Map.of(), List.of(), false);
    }
}
