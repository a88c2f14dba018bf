package io.noetl.lifecycle.registry.postgres;

import io.noetl.lifecycle.postgres.DdlTransaction;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.registry.plan.DeclaredColumn;
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
import java.util.Locale;
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

    /**
     * What a registration did.
     *
     * @param lease the row is one of NoETL's server leases: nothing was written, and nothing may be
     * @param drift the declared columns the component reports itself whose row values differ from the declaration,
     *        once the component has written its row (empty before)
     * @param restored the columns this registration wrote over the component's own values, with the values they held
     */
    public record Registration(RegistryRow row, boolean inserted, boolean declaredWritten, boolean lease,
            List<DeclaredColumn> drift, List<DeclaredColumn> restored) {
    }

    /**
     * A row read without writing.
     *
     * @param declaredDiffer a registration would write: a declared column differs from what the ownership rule gives
     *        the declaration (never for a lease row)
     * @param lease the row is one of NoETL's server leases
     * @param drift as {@link Registration#drift}
     */
    public record Observation(RegistryRow row, boolean declaredDiffer, boolean lease, List<DeclaredColumn> drift) {
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
     * Inserts the row, or updates the declared columns the ownership rule gives the declaration where they differ,
     * and reads it back: one round trip. While the component has not written its row
     * ({@link RegistryRow#writtenByComponent}), the declaration fills every declared column; once it has, the columns
     * it reports itself ({@link Role#reportedByComponent}) keep its values unless the declaration takes precedence
     * ({@link RuntimeDeclaration#overwrites}), and a field the spec does not set is never written into such a row.
     * The rule is decided in the statement on the row as it is when the write happens, so a component registering
     * meanwhile is never overwritten. A row NoETL's servers use as a lease is never written, nor locked: the insert is
     * not even tried when the statement's snapshot shows a row that needs no write. The heartbeat and status of an
     * existing row are never written; a new row gets an id from {@code noetl.snowflake_id()} when the database has
     * it, else from {@code ids}, and starts offline, with no heartbeat (or, where the column defaults to
     * {@code now()}, one the row reports as none until the component writes its own: {@link RegistryRow#read}).
     */
    public static Registration register(Connection c, RegistryMapping m, RuntimeDeclaration d, LongSupplier ids)
            throws SQLException {
        String sql = upsertSql(m, d);
        List<Role> roles = m.declaredRoles();
        for (int attempt = 1;; attempt++) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = bindDeclared(ps, 1, m, d);
                ps.setString(i++, d.type().value());
                ps.setString(i++, d.name());
                if (!m.snowflakeFunction()) {
                    ps.setLong(i++, ids.getAsLong());
                }
                ps.setString(i++, d.name());
                ps.setString(i++, d.type().value());
                ps.setString(i++, RegistryRow.OFFLINE);
                ps.setString(i++, d.type().value());
                ps.setString(i, d.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        RegistryRow row = row(rs);
                        boolean inserted = rs.getBoolean(5);
                        boolean written = rs.getBoolean(6);
                        boolean wroteBefore = rs.getBoolean(8);
                        List<DeclaredColumn> drift = new ArrayList<>();
                        List<DeclaredColumn> restored = new ArrayList<>();
                        int col = 9;
                        for (Role role : roles) {
                            String declared = rs.getString(col + 2);
                            if (declared != null && role.reportedByComponent()) {
                                if (row.writtenByComponent() && rs.getBoolean(col)) {
                                    drift.add(new DeclaredColumn(role, m.name(role), declared, rs.getString(col + 1)));
                                }
                                if (written && !inserted && wroteBefore && d.overwrites(role)
                                        && rs.getBoolean(col + 3)) {
                                    restored.add(new DeclaredColumn(role, m.name(role), declared,
                                            rs.getString(col + 4)));
                                }
                            }
                            col += 5;
                        }
                        return new Registration(row, inserted, written, rs.getBoolean(7), List.copyOf(drift),
                                List.copyOf(restored));
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

    /** Reads the row without writing anything, nor locking it. */
    public static Optional<Observation> observe(Connection c, RegistryMapping m, RuntimeDeclaration d)
            throws SQLException {
        List<Role> roles = m.declaredRoles();
        StringBuilder sql = new StringBuilder("WITH d AS (" + declaredValues(m) + ") SELECT " + returning(m, "r")
                + ", " + wouldWrite(m, d, "r", role -> "d." + value(role)) + ", " + lease(m, "r", false));
        for (Role role : roles) {
            String col = "r." + SqlIdentifier.quote(m.name(role));
            sql.append(", ").append(distinct(m, role, col, "d." + value(role))).append(", ").append(col)
                    .append("::text, d.").append(value(role)).append("::text");
        }
        sql.append(" FROM ").append(TABLE.sql()).append(" r CROSS JOIN d WHERE ").append(keyMatch(m, "r"));
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = bindDeclared(ps, 1, m, d);
            ps.setString(i++, d.type().value());
            ps.setString(i, d.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                RegistryRow row = row(rs);
                List<DeclaredColumn> drift = new ArrayList<>();
                int col = 7;
                for (Role role : roles) {
                    String declared = rs.getString(col + 2);
                    if (declared != null && role.reportedByComponent() && row.writtenByComponent()
                            && rs.getBoolean(col)) {
                        drift.add(new DeclaredColumn(role, m.name(role), declared, rs.getString(col + 1)));
                    }
                    col += 3;
                }
                return Optional.of(new Observation(row, rs.getBoolean(5), rs.getBoolean(6), List.copyOf(drift)));
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
                + " AND r." + SqlIdentifier.quote(m.name(Role.HEARTBEAT)) + " < ? AND NOT " + lease(m, "r", false)
                + " RETURNING " + returning(m, "r");
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
                    + SqlIdentifier.quote(m.name(Role.ID)) + " = ? AND " + keyMatch(m, "r") + " AND NOT "
                    + lease(m, "r", false) + " FOR UPDATE")) {
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
                + keyMatch(m, "r") + " AND r." + status + " IS DISTINCT FROM ? AND NOT " + lease(m, "r", false)
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

    /**
     * The registration statement. Parameters: the declared values ({@link #bindDeclared}), the key (the row as the
     * statement's snapshot shows it), the id unless the database makes it, name, type and status of a new row, and
     * the key again. Columns: id, heartbeat, status, created_at, inserted, written, lease, whether the component had
     * written the row before; then per declared column: differs now, the row's value now, the declared value,
     * differed before, the row's value before (values as text).
     */
    static String upsertSql(RegistryMapping m, RuntimeDeclaration d) {
        List<Role> roles = m.declaredRoles();
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
        for (Role role : roles) {
            columns.add(m.name(role));
            values.add("d." + value(role));
        }
        for (Role stamp : List.of(Role.CREATED_AT, Role.UPDATED_AT)) {
            m.column(stamp).ifPresent(col -> {
                columns.add(col.name());
                values.add("now()");
            });
        }
        // the row as the snapshot shows it: whether it needs a write, and what it held
        StringBuilder old = new StringBuilder("SELECT " + wouldWrite(m, d, "r", role -> "d." + value(role))
                + " AS would_write, " + writtenByComponent(m, "r") + " AS wrote");
        for (Role role : roles) {
            String col = "r." + SqlIdentifier.quote(m.name(role));
            old.append(", ").append(distinct(m, role, col, "d." + value(role))).append(" AS differed_")
                    .append(value(role)).append(", ").append(col).append("::text AS was_").append(value(role));
        }
        old.append(" FROM ").append(TABLE.sql()).append(" r CROSS JOIN d WHERE ").append(keyMatch(m, "r"));
        String conflict = "ON CONFLICT (" + SqlIdentifier.quote(m.name(Role.TYPE)) + ", "
                + SqlIdentifier.quote(m.name(Role.NAME)) + ") ";
        if (roles.isEmpty()) {
            conflict += "DO NOTHING";
        } else {
            List<String> sets = new ArrayList<>();
            for (Role role : roles) {
                String col = SqlIdentifier.quote(m.name(role));
                sets.add(col + " = " + target(m, d, role, "r", "EXCLUDED." + col));
            }
            m.column(Role.UPDATED_AT).ifPresent(col -> sets.add(SqlIdentifier.quote(col.name()) + " = now()"));
            // decided again on the row as locked: a component that registered after the snapshot keeps its values
            conflict += "DO UPDATE SET " + String.join(", ", sets) + " WHERE "
                    + wouldWrite(m, d, "r", role -> "EXCLUDED." + SqlIdentifier.quote(m.name(role)));
        }
        StringBuilder rowColumns = new StringBuilder();
        for (Role role : roles) {
            rowColumns.append(", r.").append(SqlIdentifier.quote(m.name(role))).append(" AS ").append(value(role));
        }
        StringBuilder out = new StringBuilder("SELECT cur.runtime_id, cur.heartbeat, cur.status, cur.created_at, "
                + "cur.inserted, cur.written, " + lease(m, "cur", true) + ", coalesce(old.wrote, false)");
        for (Role role : roles) {
            String v = value(role);
            out.append(", ").append(distinct(m, role, "cur." + v, "d." + v)).append(", cur.").append(v)
                    .append("::text, d.").append(v).append("::text, coalesce(old.differed_").append(v)
                    .append(", false), old.was_").append(v);
        }
        return "WITH d AS (" + declaredValues(m) + "), old AS (" + old + "), "
                + "up AS (INSERT INTO " + TABLE.sql() + " AS r ("
                + columns.stream().map(SqlIdentifier::quote).collect(Collectors.joining(", ")) + ") SELECT "
                + String.join(", ", values) + " FROM d WHERE NOT EXISTS (SELECT 1 FROM old WHERE NOT old.would_write) "
                + conflict + " RETURNING " + returning(m, "r") + ", r.xmax = 0 AS inserted" + rowColumns + "), "
                + "cur AS (SELECT up.*, true AS written FROM up UNION ALL SELECT " + returning(m, "r") + ", false"
                + rowColumns + ", false FROM " + TABLE.sql() + " r WHERE " + keyMatch(m, "r")
                + " AND NOT EXISTS (SELECT 1 FROM up)) "
                + out + " FROM cur CROSS JOIN d LEFT JOIN old ON true";
    }

    /** The declared values as one row {@code d}, a column each ({@link #value}), bound in {@link #bindDeclared}'s order. */
    private static String declaredValues(RegistryMapping m) {
        List<String> values = new ArrayList<>();
        for (Role role : m.declaredRoles()) {
            values.add(bind(m.column(role).orElseThrow()) + " AS " + value(role));
        }
        return values.isEmpty() ? "SELECT true AS nothing_declared" : "SELECT " + String.join(", ", values);
    }

    /** The name of a declared value in the statements' own relations ({@code d}, {@code cur}). */
    private static String value(Role role) {
        return "v_" + role.name().toLowerCase(Locale.ROOT);
    }

    /**
     * What the column of {@code role} is to hold after a registration, the row being {@code alias} and the declared
     * value {@code declared}: the declared value while the component has not written the row; once it has, the
     * row's own value, unless the declaration overwrites that column and sets it.
     */
    private static String target(RegistryMapping m, RuntimeDeclaration d, Role role, String alias, String declared) {
        String own = alias + "." + SqlIdentifier.quote(m.name(role));
        String keep = d.overwrites(role) ? writtenByComponent(m, alias) + " AND " + declared + " IS NULL"
                : writtenByComponent(m, alias);
        return "CASE WHEN " + keep + " THEN " + own + " ELSE " + declared + " END";
    }

    /**
     * Whether a registration writes the row {@code alias}: it is no lease, and a declared column differs from its
     * {@link #target}. The one test the read-only look and the upsert (on its snapshot, and again on the row it
     * locks) use.
     */
    private static String wouldWrite(RegistryMapping m, RuntimeDeclaration d, String alias,
            Function<Role, String> declared) {
        List<Role> roles = m.declaredRoles();
        if (roles.isEmpty()) {
            return "false";
        }
        return "(NOT " + lease(m, alias, false) + " AND ROW(" + roles.stream()
                .map(role -> comparable(alias + "." + SqlIdentifier.quote(m.name(role)), m.column(role).orElseThrow()))
                .collect(Collectors.joining(", ")) + ") IS DISTINCT FROM ROW(" + roles.stream()
                .map(role -> comparable(target(m, d, role, alias, declared.apply(role)), m.column(role).orElseThrow()))
                .collect(Collectors.joining(", ")) + "))";
    }

    /**
     * Whether the component has written the row {@code alias} itself, as {@link RegistryRow#writtenByComponent} says
     * of the row read back: it is not {@code offline} with no heartbeat or only the one the insert's default gave it
     * (not later than {@code created_at}).
     */
    private static String writtenByComponent(RegistryMapping m, String alias) {
        String status = alias + "." + SqlIdentifier.quote(m.name(Role.STATUS));
        String heartbeat = alias + "." + SqlIdentifier.quote(m.name(Role.HEARTBEAT));
        String insertTime = m.column(Role.CREATED_AT).map(c -> " OR " + heartbeat + "::timestamptz <= " + alias + "."
                + SqlIdentifier.quote(c.name()) + "::timestamptz").orElse("");
        return "(NOT coalesce(lower(btrim(" + status + "::text)) = '" + RegistryRow.OFFLINE + "' AND (" + heartbeat
                + " IS NULL" + insertTime + "), false))";
    }

    /**
     * Whether the row {@code alias} is one NoETL's servers use as a control lease: its runtime's {@code type} is
     * {@code server_control} (compared trimmed and in any case, so that nothing close to one is written either).
     *
     * @param named the row's columns are named by {@link #value} (the statement's own relation), not the table's
     */
    private static String lease(RegistryMapping m, String alias, boolean named) {
        Optional<RegistryShape.Column> runtime = m.column(Role.RUNTIME);
        if (runtime.isEmpty()) {
            return "false";
        }
        String col = alias + "." + (named ? value(Role.RUNTIME) : SqlIdentifier.quote(runtime.get().name()));
        if (runtime.get().type().startsWith("json")) {
            return "(lower(btrim(coalesce(" + col + " ->> 'type', ''))) = '" + RegistryRow.LEASE_TYPE + "')";
        }
        // JSON held as text: any "type": "server_control" in it
        return "(coalesce(" + col + "::text, '') ~* '\"type\"\\s*:\\s*\"\\s*" + RegistryRow.LEASE_TYPE + "')";
    }

    /** Whether two values of {@code role}'s column differ, compared as the registry stores them. */
    private static String distinct(RegistryMapping m, Role role, String a, String b) {
        RegistryShape.Column col = m.column(role).orElseThrow();
        return "(" + comparable(a, col) + " IS DISTINCT FROM " + comparable(b, col) + ")";
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
