package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NoETL's per-row TTL in PostgreSQL: how many rows of a partition have an expiry ({@code expires_at}) ahead of the
 * server's clock, and when the last of them expires. NoETL pushes {@code expires_at} forward for live rows only
 * ({@code set_metric_ttl}, {@code extend_component_metrics_ttl} update rows {@code WHERE expires_at > now()}), so a
 * partition whose rows have all expired stays so unless a row is written into it anew.
 *
 * <p>Cost (docs/benchmarks.md, "Row expiry check"): without an index on the expiry column the count reads the whole
 * partition; with one whose first column it is, a partition with nothing unexpired is one index probe.
 */
public final class RowExpirySql {
    private RowExpirySql() {
    }

    /** Rows of one partition whose expiry is ahead of the server's clock, and the latest such expiry. */
    public record Unexpired(String partition, long rows, Instant lastExpiry) {
    }

    /**
     * The partitions of {@code parent} among {@code partitions} that hold a row whose expiry ({@code expiresSql}, a
     * {@code timestamptz} expression over the partition's row) is after the server's {@code now()}, in one statement.
     */
    public static Map<String, Unexpired> unexpired(Connection c, TableName parent, List<String> partitions,
            String expiresSql) throws SQLException {
        return unexpired(c, partitions.stream().map(parent::sibling).toList(), expiresSql);
    }

    /** As {@link #unexpired(Connection, TableName, List, String)}, of partitions named with their own schemas. */
    public static Map<String, Unexpired> unexpired(Connection c, List<TableName> tables, String expiresSql)
            throws SQLException {
        Map<String, Unexpired> out = new LinkedHashMap<>();
        if (tables.isEmpty()) {
            return out;
        }
        List<String> partitions = tables.stream().map(TableName::name).toList();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            parts.add("SELECT " + i + " AS i, count(*) AS n, max(" + expiresSql + ") AS last FROM ONLY "
                    + tables.get(i).sql() + " WHERE " + expiresSql + " > now()");
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(String.join(" UNION ALL ", parts))) {
            while (rs.next()) {
                long n = rs.getLong(2);
                if (n > 0) {
                    String name = partitions.get(rs.getInt(1));
                    Timestamp last = rs.getTimestamp(3);
                    out.put(name, new Unexpired(name, n, last.toInstant()));
                }
            }
        }
        return out;
    }
}
