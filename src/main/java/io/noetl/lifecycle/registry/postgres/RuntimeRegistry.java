package io.noetl.lifecycle.registry.postgres;

import io.noetl.lifecycle.postgres.DdlTransaction;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.registry.plan.RegistryMapping.Role;
import io.noetl.lifecycle.registry.plan.RegistryMapping;
import io.noetl.lifecycle.registry.plan.RegistryRow;
import io.noetl.lifecycle.registry.plan.RegistryShape;
import io.noetl.lifecycle.registry.plan.RuntimeDeclaration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The {@code noetl.runtime} registry: reading its shape, and registering, reading, marking offline and removing
 * one component's row. Every statement is one round trip; identifiers go through {@link SqlIdentifier}, values
 * are bound parameters (JSON bound as text and cast).
 */
public final class RuntimeRegistry {
    public static final TableName TABLE = RegistrySchema.RUNTIME;
    /** Serializes bootstraps of the registry across operator replicas (pg_advisory_xact_lock key). */
    private static final long BOOTSTRAP_LOCK = 0x6e6f65746c52544cL;
    private static final int ID_ATTEMPTS = 3;

    /**
     * Columns (information_schema), usable unique indexes (pg_index: plain, valid, immediate, no expressions or
     * predicate) and NoETL's id function, in one round trip.
     */
    private static final String SHAPE = """
            SELECT 'column' AS part, c.column_name::text AS name, c.udt_name::text AS detail,
                   (c.is_nullable = 'NO' AND c.column_default IS NULL AND c.is_identity = 'NO'
                    AND c.is_generated = 'NEVER') AS flag
              FROM information_schema.columns c
             WHERE c.table_schema = ? AND c.table_name = ?
            UNION ALL
            SELECT 'unique', string_agg(a.attname::text, ',' ORDER BY a.attname), NULL, NULL
              FROM pg_index i
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
             WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indisvalid AND i.indimmediate
               AND i.indpred IS NULL AND i.indexprs IS NULL
             GROUP BY i.indexrelid
            UNION ALL
            SELECT 'function', p.proname::text, NULL, NULL
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = ? AND p.proname = 'snowflake_id' AND p.pronargs = 0
               AND p.prorettype = 'int8'::regtype
            """;

    /** What a registration did. */
    public record Registration(RegistryRow row, boolean inserted, boolean declaredWritten) {
    }

    /** A row read without writing, and whether its declared columns differ from the declaration. */
    public record Observation(RegistryRow row, boolean declaredDiffer) {
    }

    private RuntimeRegistry() {
    }

    public static RegistryShape inspect(Connection c) throws SQLException {
        Map<String, RegistryShape.Column> columns = new HashMap<>();
        List<Set<String>> unique = new ArrayList<>();
        boolean snowflake = false;
        try (PreparedStatement ps = c.prepareStatement(SHAPE)) {
            ps.setString(1, TABLE.schema());
            ps.setString(2, TABLE.name());
            ps.setString(3, TABLE.sql());
            ps.setString(4, TABLE.schema());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    switch (rs.getString(1)) {
                        case "column" -> columns.put(rs.getString(2),
                                new RegistryShape.Column(rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                        case "unique" -> unique.add(Set.of(rs.getString(2).split(",")));
                        default -> snowflake = true;
                    }
                }
            }
        }
        if (columns.isEmpty()) {
            return RegistryShape.missing();
        }
        return new RegistryShape(true, Map.copyOf(columns), List.copyOf(unique), snowflake);
    }

    /** Creates the registry as seed 000 describes, unless it exists; concurrent bootstraps wait for each other. */
    public static void bootstrap(Connection c, LockPolicy policy) throws SQLException {
        DdlTransaction.run(c, policy, List.of(), conn -> {
            try (PreparedStatement lock = conn.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, BOOTSTRAP_LOCK);
                lock.execute();
            }
            try (Statement s = conn.createStatement()) {
                RegistrySchema.ensureRuntimeRegistry(s);
            }
        });
    }

    /**
     * Inserts the row, or updates its declared columns when they differ, and reads it back: one round trip. The
     * heartbeat and status of an existing row are never written; a new row gets an id from
     * {@code noetl.snowflake_id()} when the database has it, else from {@code ids}, and starts offline, with no
     * heartbeat (or, where the column defaults to {@code now()}, one the row reports as none until the component
     * writes its own: {@link RegistryRow#read}).
     */
    public static Registration register(Connection c, RegistryMapping m, RuntimeDeclaration d, LongSupplier ids)
            throws SQLException {
        String sql = upsertSql(m);
        for (int attempt = 1;; attempt++) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (!m.snowflakeFunction()) {
                    ps.setLong(i++, ids.getAsLong());
                }
                ps.setString(i++, d.name());
                ps.setString(i++, d.type().value());
                ps.setString(i++, RegistryRow.OFFLINE);
                i = bindDeclared(ps, i, m, d);
                ps.setString(i++, d.type().value());
                ps.setString(i, d.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Registration(row(rs), rs.getBoolean(5), rs.getBoolean(6));
                    }
                }
                // another session inserted the key after this statement's snapshot; the next try sees it
                if (attempt >= ID_ATTEMPTS) {
                    throw new SQLException("the registry row for " + d.key() + " kept changing during registration",
                            "40001");
                }
            } catch (SQLException e) {
                // an id taken by someone else (primary key): try a fresh one
                if (!"23505".equals(e.getSQLState()) || attempt >= ID_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Reads the row without writing anything. */
    public static Optional<Observation> observe(Connection c, RegistryMapping m, RuntimeDeclaration d)
            throws SQLException {
        List<RegistryShape.Column> declared = m.declared();
        String differs = declared.isEmpty() ? "false" : declaredDiffer(declared, RuntimeRegistry::bind);
        String sql = "SELECT " + returning(m, "r") + ", " + differs + " FROM " + TABLE.sql() + " r WHERE "
                + keyMatch(m, "r");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = bindDeclared(ps, 1, m, d);
            ps.setString(i++, d.type().value());
            ps.setString(i, d.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Observation(row(rs), rs.getBoolean(5))) : Optional.empty();
            }
        }
    }

    /**
     * Sets the row offline if its heartbeat is still older than {@code heartbeatBefore}, so a heartbeat that
     * arrived meanwhile wins. Returns the row as written, or empty when nothing changed.
     */
    public static Optional<RegistryRow> markStaleOffline(Connection c, RegistryMapping m, RuntimeDeclaration d,
            Instant heartbeatBefore) throws SQLException {
        String sql = "UPDATE " + TABLE.sql() + " r SET " + SqlIdentifier.quote(m.name(Role.STATUS)) + " = ? WHERE "
                + keyMatch(m, "r") + " AND r." + SqlIdentifier.quote(m.name(Role.STATUS)) + " IS DISTINCT FROM ?"
                + " AND r." + SqlIdentifier.quote(m.name(Role.HEARTBEAT)) + " < ? RETURNING " + returning(m, "r");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, RegistryRow.OFFLINE);
            ps.setString(2, d.type().value());
            ps.setString(3, d.name());
            ps.setString(4, RegistryRow.OFFLINE);
            ps.setObject(5, OffsetDateTime.ofInstant(heartbeatBefore, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    /** The most referencing rows a deletion counts, for its Event. */
    public static final long REFERENCES_COUNTED = 1_000_000;
    /** The most referencing rows a pass counts for the status, so that the count stays an index probe. */
    public static final long REFERENCES_SHOWN = 10_000;

    /**
     * How many rows of the tables whose foreign key references the registry (NoETL's {@code noetl.metric}, whose
     * {@code runtime_id} cascades on delete) reference {@code runtimeId}, counted up to {@code cap} per table (an index
     * on the referencing column makes it a range scan).
     */
    public static long referencingRows(Connection c, long runtimeId, long cap) throws SQLException {
        List<String[]> references = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT n.nspname, t.relname, a.attname FROM pg_constraint k "
                + "JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                + "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
                + "WHERE k.contype = 'f' AND k.confrelid = to_regclass(?) AND k.conparentid = 0 "
                + "AND cardinality(k.conkey) = 1")) {
            ps.setString(1, TABLE.sql());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    references.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
        }
        long total = 0;
        for (String[] r : references) {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM "
                    + SqlIdentifier.quote(r[0], r[1]) + " WHERE " + SqlIdentifier.quote(r[2]) + " = ? LIMIT "
                    + cap + ") x")) {
                ps.setLong(1, runtimeId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total += rs.getLong(1);
                }
            }
        }
        return Math.min(total, cap);
    }

    /** What {@link #delete} did. */
    public enum Removal {
        /** The row is gone (and with {@code withReferences}, the rows that referenced it). */
        DELETED,
        /** Rows reference it and {@code withReferences} is false: nothing was deleted. */
        REFERENCED,
        /** No row with that id holds the declared key (gone, or the key was registered anew under another id). */
        NOT_FOUND
    }

    /**
     * Removes the row with id {@code runtimeId} when it still holds {@code d}'s key: never another row of that key
     * (registered anew meanwhile). The row is locked first, so no referencing row can be inserted between the count
     * and the delete; without {@code withReferences}, a row that any row references is kept.
     *
     * @return what it did, and how many rows referenced the row
     */
    public static Map.Entry<Removal, Long> delete(Connection c, RegistryMapping m, RuntimeDeclaration d, long runtimeId,
            boolean withReferences) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + TABLE.sql() + " r WHERE r."
                    + SqlIdentifier.quote(m.name(Role.ID)) + " = ? AND " + keyMatch(m, "r") + " FOR UPDATE")) {
                ps.setLong(1, runtimeId);
                ps.setString(2, d.type().value());
                ps.setString(3, d.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        c.commit();
                        return Map.entry(Removal.NOT_FOUND, 0L);
                    }
                }
            }
            long references = referencingRows(c, runtimeId, REFERENCES_COUNTED);
            if (references > 0 && !withReferences) {
                c.commit();
                return Map.entry(Removal.REFERENCED, references);
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + TABLE.sql() + " r WHERE r."
                    + SqlIdentifier.quote(m.name(Role.ID)) + " = ?")) {
                ps.setLong(1, runtimeId);
                ps.executeUpdate();
            }
            c.commit();
            return Map.entry(Removal.DELETED, references);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Sets the row of {@code d}'s key offline; returns whether it changed. */
    public static boolean markOffline(Connection c, RegistryMapping m, RuntimeDeclaration d) throws SQLException {
        return markOffline(c, m, d, Optional.empty());
    }

    /**
     * Sets the row of {@code d}'s key offline, only the one with id {@code runtimeId} when given (never a row of the
     * key registered anew under another id); returns whether it changed.
     */
    public static boolean markOffline(Connection c, RegistryMapping m, RuntimeDeclaration d, Optional<Long> runtimeId)
            throws SQLException {
        String status = SqlIdentifier.quote(m.name(Role.STATUS));
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE.sql() + " r SET " + status + " = ? WHERE "
                + keyMatch(m, "r") + " AND r." + status + " IS DISTINCT FROM ?"
                + (runtimeId.isPresent() ? " AND r." + SqlIdentifier.quote(m.name(Role.ID)) + " = ?" : ""))) {
            ps.setString(1, RegistryRow.OFFLINE);
            ps.setString(2, d.type().value());
            ps.setString(3, d.name());
            ps.setString(4, RegistryRow.OFFLINE);
            if (runtimeId.isPresent()) {
                ps.setLong(5, runtimeId.get());
            }
            return ps.executeUpdate() > 0;
        }
    }

    static String upsertSql(RegistryMapping m) {
        List<String> columns = new ArrayList<>();
        List<String> values = new ArrayList<>();
        columns.add(m.name(Role.ID));
        values.add(m.snowflakeFunction() ? SqlIdentifier.quote(TABLE.schema(), "snowflake_id") + "()" : "?");
        columns.add(m.name(Role.NAME));
        values.add("?");
        columns.add(m.name(Role.TYPE));
        values.add("?");
        columns.add(m.name(Role.STATUS));
        values.add("?");
        List<RegistryShape.Column> declared = m.declared();
        for (RegistryShape.Column col : declared) {
            columns.add(col.name());
            values.add(bind(col));
        }
        for (Role stamp : List.of(Role.CREATED_AT, Role.UPDATED_AT)) {
            m.column(stamp).ifPresent(col -> {
                columns.add(col.name());
                values.add("now()");
            });
        }
        String conflict = "ON CONFLICT (" + SqlIdentifier.quote(m.name(Role.TYPE)) + ", "
                + SqlIdentifier.quote(m.name(Role.NAME)) + ") ";
        if (declared.isEmpty()) {
            conflict += "DO NOTHING";
        } else {
            List<String> sets = new ArrayList<>();
            for (RegistryShape.Column col : declared) {
                sets.add(SqlIdentifier.quote(col.name()) + " = EXCLUDED." + SqlIdentifier.quote(col.name()));
            }
            m.column(Role.UPDATED_AT).ifPresent(col -> sets.add(SqlIdentifier.quote(col.name()) + " = now()"));
            conflict += "DO UPDATE SET " + String.join(", ", sets) + " WHERE "
                    + declaredDiffer(declared, col -> "EXCLUDED." + SqlIdentifier.quote(col.name()));
        }
        return "WITH up AS (INSERT INTO " + TABLE.sql() + " AS r ("
                + columns.stream().map(SqlIdentifier::quote).collect(Collectors.joining(", ")) + ") VALUES ("
                + String.join(", ", values) + ") " + conflict + " RETURNING " + returning(m, "r")
                + ", r.xmax = 0 AS inserted) "
                + "SELECT runtime_id, heartbeat, status, created_at, inserted, true AS written FROM up "
                + "UNION ALL SELECT "
                + returning(m, "r") + ", false, false FROM " + TABLE.sql() + " r WHERE " + keyMatch(m, "r")
                + " AND NOT EXISTS (SELECT 1 FROM up)";
    }

    /**
     * Whether the row's declared columns differ from {@code other} (the new values), compared as the registry
     * stores them. The one test both the read-only look and the upsert use to decide whether to write.
     */
    private static String declaredDiffer(List<RegistryShape.Column> declared,
            Function<RegistryShape.Column, String> other) {
        return "ROW(" + declared.stream().map(col -> comparable("r." + SqlIdentifier.quote(col.name()), col))
                .collect(Collectors.joining(", ")) + ") IS DISTINCT FROM ROW("
                + declared.stream().map(col -> comparable(other.apply(col), col)).collect(Collectors.joining(", "))
                + ")";
    }

    /** id, heartbeat, status and created_at (NULL without that column): what {@link #row} reads. */
    private static String returning(RegistryMapping m, String alias) {
        String createdAt = m.column(Role.CREATED_AT).map(c -> alias + "." + SqlIdentifier.quote(c.name()))
                .orElse("NULL");
        return alias + "." + SqlIdentifier.quote(m.name(Role.ID)) + "::bigint AS runtime_id, " + alias + "."
                + SqlIdentifier.quote(m.name(Role.HEARTBEAT)) + "::timestamptz AS heartbeat, " + alias + "."
                + SqlIdentifier.quote(m.name(Role.STATUS)) + "::text AS status, " + createdAt
                + "::timestamptz AS created_at";
    }

    private static String keyMatch(RegistryMapping m, String alias) {
        return alias + "." + SqlIdentifier.quote(m.name(Role.TYPE)) + " = ? AND " + alias + "."
                + SqlIdentifier.quote(m.name(Role.NAME)) + " = ?";
    }

    /** The placeholder for a declared column: JSON arrives as text and is cast to the column's JSON type. */
    private static String bind(RegistryShape.Column col) {
        return switch (col.type()) {
            case "jsonb" -> "CAST(? AS jsonb)";
            case "json" -> "CAST(? AS json)";
            default -> "?";
        };
    }

    /** json has no equality operator; compare it as jsonb. */
    private static String comparable(String expression, RegistryShape.Column col) {
        return "json".equals(col.type()) ? "(" + expression + ")::jsonb" : expression;
    }

    private static int bindDeclared(PreparedStatement ps, int first, RegistryMapping m, RuntimeDeclaration d)
            throws SQLException {
        int i = first;
        for (Role role : RegistryMapping.DECLARED) {
            if (!m.has(role)) {
                continue;
            }
            Object value = d.value(role);
            if (role == Role.CAPACITY) {
                if (value == null) {
                    ps.setNull(i++, Types.INTEGER);
                } else {
                    ps.setInt(i++, (Integer) value);
                }
            } else if (value == null) {
                ps.setNull(i++, Types.VARCHAR);
            } else {
                ps.setString(i++, value.toString());
            }
        }
        return i;
    }

    /** The row without the heartbeat the insert's default gave it (see {@link RegistryRow#read}). */
    private static RegistryRow row(ResultSet rs) throws SQLException {
        return RegistryRow.read(rs.getLong(1), instant(rs.getObject(2, OffsetDateTime.class)), rs.getString(3),
                instant(rs.getObject(4, OffsetDateTime.class)));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
