package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.TableSnapshot.State;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one {@link TableSnapshot} of a partitioned table in one read-only transaction. Bounds come from the
 * catalog ({@code pg_inherits} and {@code relpartbound}) and are turned into key units by PostgreSQL itself;
 * a partition's name is never taken to mean a range.
 */
public final class CatalogReader {

    private static final String PARENT = """
            SELECT c.oid, c.relkind, pt.partstrat, pt.partnatts, a.attname, t.typname
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
              LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
              LEFT JOIN pg_type t ON t.oid = a.atttypid
             WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            """;

    /** Matches a range partition's bound expression: groups 1 and 2 are its FROM and TO literals. */
    static final String RANGE_BOUND_PATTERN = "'^FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)$'";

    /** The names of {@code table}'s columns (none when it does not exist). */
    public static java.util.Set<String> columns(Connection c, TableName table) throws SQLException {
        java.util.Set<String> present = new java.util.TreeSet<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                + "to_regclass(?) AND attnum > 0 AND NOT attisdropped")) {
            ps.setString(1, table.sql());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
        }
        return present;
    }

    /** {@code table}'s columns and their {@code pg_type.typname}s (none when it does not exist). */
    public static java.util.Map<String, String> columnTypes(Connection c, TableName table) throws SQLException {
        java.util.Map<String, String> present = new java.util.TreeMap<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT a.attname, t.typname FROM pg_attribute a "
                + "JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 "
                + "AND NOT a.attisdropped")) {
            ps.setString(1, table.sql());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return present;
    }

    /** Whether {@code table} exists. */
    public static boolean exists(Connection c, TableName table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table.sql());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Whether the function {@code signature} ({@code schema.name(argument types)}, quoted as SQL) exists. */
    public static boolean functionExists(Connection c, String signature) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regprocedure(?) IS NOT NULL")) {
            ps.setString(1, signature);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Whether {@code table} is a partitioned table (neither missing nor a plain one). */
    public static boolean isPartitioned(Connection c, TableName table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = "
                + "to_regclass(?) AND relkind = 'p')")) {
            ps.setString(1, table.sql());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The comment on the function {@code signature} (as {@link #functionExists} takes it); empty without one. */
    public static Optional<String> functionComment(Connection c, String signature) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT obj_description(to_regprocedure(?), 'pg_proc')")) {
            ps.setString(1, signature);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** The body PostgreSQL keeps of the function {@code signature} ({@code prosrc}); empty when it does not exist. */
    public static Optional<String> functionBody(Connection c, String signature) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure(?)")) {
            ps.setString(1, signature);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Those of {@code tables} that do not exist, as their quoted names ({@link TableName#sql}). */
    public static List<String> missing(Connection c, List<TableName> tables) throws SQLException {
        List<String> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT t FROM unnest(?::text[]) t WHERE to_regclass(t) IS NULL")) {
            ps.setArray(1, c.createArrayOf("text", tables.stream().map(TableName::sql).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.add(rs.getString(1));
                }
            }
        }
        return missing;
    }

    /** The names of those of {@code tables} with a valid b-tree index whose first column is {@code column}. */
    public static List<String> indexedOn(Connection c, List<TableName> tables, String column) throws SQLException {
        List<String> partitions = tables.stream().map(TableName::name).toList();
        List<String> indexed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT DISTINCT c.relname FROM pg_class c
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_index i ON i.indrelid = c.oid AND i.indisvalid
                  JOIN pg_class ic ON ic.oid = i.indexrelid
                  JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
                  JOIN pg_attribute att ON att.attrelid = c.oid AND att.attnum = i.indkey[0]
                 WHERE c.oid = ANY (SELECT to_regclass(t) FROM unnest(?::text[]) t) AND att.attname = ?""")) {
            ps.setArray(1, c.createArrayOf("text", tables.stream().map(TableName::sql).toArray()));
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    indexed.add(rs.getString(1));
                }
            }
        }
        return partitions.stream().filter(indexed::contains).toList();
    }

    /** {@code table}'s columns that take values on INSERT (not dropped, not generated), quoted, in order. */
    public static List<String> insertableColumns(Connection c, TableName table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                + "to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")) {
            ps.setString(1, table.sql());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(SqlIdentifier.quote(rs.getString(1)));
                }
            }
        }
        return columns;
    }

    /**
     * Every partition of a parent with its bounds in key units. %1$s and %2$s turn the lower and upper bound
     * literals (columns {@code lo}, {@code hi}) into key units ({@link #unitsOf(KeyType, String)}); %3$s selects
     * the rows of pg_inherits/pg_class; %4$s is {@link #RANGE_BOUND_PATTERN}; %5$s and %6$s the literals
     * ({@link #boundLiteral}).
     */
    private static final String PARTITIONS = """
            WITH p AS (
              SELECT c.oid AS relid, (SELECT nspname FROM pg_namespace WHERE oid = c.relnamespace) AS nspname,
                     c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound,
                     pg_total_relation_size(c.oid) AS bytes, c.reltuples::bigint AS est_rows
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE %3$s
            ), m AS (
              SELECT p.*, regexp_match(bound, %4$s) AS b FROM p
            ), l AS (
              SELECT m.*, %5$s AS lo,
                          %6$s AS hi
                FROM m
            )
            SELECT relname, bound = 'DEFAULT' AS is_default, bytes, est_rows,
                   %1$s AS lo_units,
                   %2$s AS hi_units, relid, nspname
              FROM l
            """;

    private static final String NAMES = """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ? AND left(c.relname, length(?)) = ?
            """;

    private CatalogReader() {
    }

    public static TableSnapshot read(Connection c, TableName table) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            s.execute("SET LOCAL statement_timeout = '60s'");
            TableSnapshot snapshot = readInOpenTransaction(c, table);
            c.commit();
            return snapshot;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * The snapshot as the caller's open transaction sees it (one that has just created the table, say), with the
     * server's time as of that transaction. The transaction's time zone is UTC from here on.
     */
    public static TableSnapshot readInOpenTransaction(Connection c, TableName table) throws SQLException {
        Instant serverTime;
        try (Statement s = c.createStatement()) {
            // bounds and times as text in UTC; local, as nothing may outlive the transaction (issue 22)
            s.execute("SET LOCAL TIME ZONE 'UTC'");
            try (ResultSet rs = s.executeQuery("SELECT now()")) {
                rs.next();
                serverTime = rs.getTimestamp(1).toInstant();
            }
        }
        return readInTransaction(c, table).withServerTime(serverTime);
    }

    private static TableSnapshot readInTransaction(Connection c, TableName table) throws SQLException {
        long oid;
        String keyColumn;
        String typname;
        try (PreparedStatement ps = c.prepareStatement(PARENT)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return TableSnapshot.unusable(table.schema(), table.name(), State.MISSING,
                            "table " + table + " does not exist");
                }
                oid = rs.getLong(1);
                String relkind = rs.getString(2);
                if (!"p".equals(relkind)) {
                    return TableSnapshot.unusable(table.schema(), table.name(), State.NOT_PARTITIONED,
                            table + " is not a partitioned table (relkind " + relkind + ")");
                }
                String strategy = rs.getString(3);
                int keyCount = rs.getInt(4);
                keyColumn = rs.getString(5);
                typname = rs.getString(6);
                if (!"r".equals(strategy) || keyCount != 1 || keyColumn == null) {
                    return TableSnapshot.unusable(table.schema(), table.name(), State.NOT_PARTITIONED, table
                            + " is not partitioned by RANGE on a single column (strategy " + strategy
                            + ", " + keyCount + " key columns)");
                }
            }
        }
        Optional<KeyType> keyType = KeyType.fromCatalog(typname);
        if (keyType.isEmpty()) {
            return TableSnapshot.unusable(table.schema(), table.name(), State.UNSUPPORTED_KEY, table
                    + " is partitioned on " + keyColumn + " of type " + typname
                    + "; the operator manages timestamptz, timestamp, date and integer keys");
        }

        List<ObservedPartition> partitions = new ArrayList<>();
        ObservedPartition defaultPartition = null;
        try (PreparedStatement ps = c.prepareStatement(partitionsQuery(keyType.get(), "i.inhparent = ?"))) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    long bytes = rs.getLong(3);
                    long rows = rs.getLong(4);
                    // a partition moved out of its parent's schema is read and retired where it is
                    String own = table.schema().equals(rs.getString(8)) ? null : rs.getString(8);
                    if (rs.getBoolean(2)) {
                        defaultPartition = new ObservedPartition(name, null, true, bytes, rows, own);
                    } else {
                        partitions.add(new ObservedPartition(name,
                                new KeyRange(nullableLong(rs, 5), nullableLong(rs, 6)), false, bytes, rows, own));
                    }
                }
            }
        }

        long defaultRows = 0;
        Optional<KeyRange> defaultSpan = Optional.empty();
        if (defaultPartition != null) {
            String key = SqlIdentifier.quote(keyColumn);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), "
                    + unitsOf(keyType.get(), "min(" + key + ")::text") + ", "
                    + unitsOf(keyType.get(), "max(" + key + ")::text") + " "
                    + "FROM " + new TableName(defaultPartition.schemaOr(table.schema()), defaultPartition.name())
                    .sql())) {
                rs.next();
                defaultRows = rs.getLong(1);
                Long min = nullableLong(rs, 2);
                Long max = nullableLong(rs, 3);
                if (min != null && max != null) {
                    defaultSpan = Optional.of(new KeyRange(min, max + 1));
                }
            }
        }

        Set<String> names = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(NAMES)) {
            ps.setString(1, table.schema());
            ps.setString(2, table.name());
            ps.setString(3, table.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return new TableSnapshot(table.schema(), table.name(), State.PARTITIONED, null, keyColumn, keyType.get(),
                List.copyOf(partitions), Optional.ofNullable(defaultPartition), defaultRows, Set.copyOf(names), defaultSpan,
                Map.of(), Optional.empty());
    }

    /**
     * Counts the default partition's rows in each of {@code ranges}, in one scan.
     */
    public static Map<KeyRange, Long> countDefaultRows(Connection c, TableSnapshot snapshot, List<KeyRange> ranges)
            throws SQLException {
        if (ranges.isEmpty() || snapshot.defaultPartition().isEmpty()) {
            return Map.of();
        }
        String key = SqlIdentifier.quote(snapshot.keyColumn());
        KeyType type = snapshot.keyType();
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < ranges.size(); i++) {
            KeyRange r = ranges.get(i);
            sql.append(i == 0 ? "" : ", ").append("count(*) FILTER (WHERE ").append(key).append(" >= ")
                    .append(type.sqlLiteral(r.from())).append(" AND ").append(key).append(" < ")
                    .append(type.sqlLiteral(r.to())).append(')');
        }
        sql.append(" FROM ").append(new TableName(snapshot.schema(), snapshot.defaultPartition().get().name()).sql());
        Map<KeyRange, Long> counts = new java.util.HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.toString())) {
            rs.next();
            for (int i = 0; i < ranges.size(); i++) {
                counts.put(ranges.get(i), rs.getLong(i + 1));
            }
        }
        return counts;
    }

    /**
     * The query behind the snapshot's partition list: columns relname, is_default, bytes, est_rows, lo_units,
     * hi_units, relid (the partition's oid) and nspname (its own schema, which need not be the parent's), for the pg_inherits/pg_class rows {@code where} selects (aliases {@code i} and {@code c}).
     */
    static String partitionsQuery(KeyType type, String where) {
        return String.format(PARTITIONS, unitsOf(type, "lo"), unitsOf(type, "hi"), where, RANGE_BOUND_PATTERN,
                boundLiteral("b", 1), boundLiteral("b", 2));
    }

    /**
     * The text of group {@code group} of the {@link #RANGE_BOUND_PATTERN} match {@code match} as a literal's
     * value (quotes trimmed), null for MINVALUE and MAXVALUE.
     */
    static String boundLiteral(String match, int group) {
        String literal = match + "[" + group + "]";
        return "CASE WHEN " + literal + " IN ('MINVALUE', 'MAXVALUE') THEN NULL ELSE btrim(" + literal + ", '''') END";
    }

    /** {@code text} (a bound literal or a key cast to text) in key units, null when it is null or infinite. */
    static String unitsOf(KeyType type, String text) {
        return "(SELECT " + unitsOf(type) + " FROM (SELECT " + text + " AS lit) x WHERE lit IS NOT NULL)";
    }

    /** SQL turning a bound literal {@code lit} (text) into key units; infinite timestamps count as unbounded. */
    private static String unitsOf(KeyType type) {
        return switch (type) {
            case TIMESTAMPTZ -> "CASE WHEN lit ILIKE '%infinity' THEN NULL "
                    + "ELSE (extract(epoch FROM lit::timestamptz) * 1000000)::bigint END";
            case TIMESTAMP, DATE -> "CASE WHEN lit ILIKE '%infinity' THEN NULL "
                    + "ELSE (extract(epoch FROM lit::timestamp) * 1000000)::bigint END";
            default -> "lit::bigint";
        };
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
