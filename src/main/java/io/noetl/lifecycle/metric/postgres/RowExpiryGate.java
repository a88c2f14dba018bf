package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor.Kept;
import io.noetl.lifecycle.partition.postgres.RetirementGate;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * NoETL's per-row TTL as a retirement gate: a partition holding a row whose expiry ({@code expiresSql}, a
 * {@code timestamptz} expression over column {@code column}) is ahead of the server's clock is kept
 * ({@code RowsNotExpired}). Checked before the lock (a scan of the partition, or an index probe), and again under it
 * where an index on the column makes that a probe; without one, a row written or extended in the moment between the
 * two is not seen (NoETL's TTL functions extend unexpired rows only).
 */
public record RowExpiryGate(String column, String expiresSql) implements RetirementGate {

    /**
     * The gate of a table with NoETL's {@code expires_at} column, opened on the table as observed (a table the pass
     * bootstraps has it once made); none where the column is missing or not a timestamp. A {@code timestamp} column
     * is read in {@code zone}.
     */
    public static RetirementGate.Source of(ZoneId zone) {
        return (c, observed) -> {
            MetricColumns columns = MetricSchema.columns(c, new TableName(observed.schema(), observed.table()),
                    Optional.empty(), observed.keyColumn(), zone);
            return columns.optional(MetricColumns.Role.EXPIRES_AT).filter(col -> col.type().startsWith("timestamp"))
                    .map(col -> List.<RetirementGate>of(new RowExpiryGate(col.name(),
                            columns.expiresAtSql("").orElseThrow())))
                    .orElse(List.of());
        };
    }

    /** The finding for a partition kept for its unexpired rows, with when it can go. */
    public static Kept kept(PlannedAction action, RowExpirySql.Unexpired u) {
        return new Kept(action, Reason.ROWS_NOT_EXPIRED, action.partition() + " is past retention but " + u.rows()
                + " of its rows have expires_at ahead of the database's clock: kept until the last expires at "
                + u.lastExpiry() + " (spec.rowExpiry: Ignore retires by bounds alone)");
    }

    @Override
    public Map<PlannedAction, Kept> beforeLock(Connection c, List<Retirement> retiring) throws SQLException {
        return refused(c, retiring);
    }

    /** Only where an index on the expiry column makes the check a probe: a scan would hold the lock. */
    @Override
    public Map<PlannedAction, Kept> underLock(Connection c, List<Retirement> retiring) throws SQLException {
        if (retiring.isEmpty()) {
            return Map.of();
        }
        List<String> indexed = CatalogReader.indexedOn(c, retiring.stream().map(Retirement::table).toList(), column);
        return refused(c, retiring.stream().filter(r -> indexed.contains(r.partition())).toList());
    }

    private Map<PlannedAction, Kept> refused(Connection c, List<Retirement> retiring) throws SQLException {
        Map<PlannedAction, Kept> refused = new HashMap<>();
        if (retiring.isEmpty()) {
            return refused;
        }
        Map<String, RowExpirySql.Unexpired> found = RowExpirySql.unexpired(c, retiring.stream()
                .map(Retirement::table).toList(), expiresSql);
        for (Retirement r : retiring) {
            RowExpirySql.Unexpired u = found.get(r.partition());
            if (u != null) {
                refused.put(r.action(), kept(r.action(), u));
            }
        }
        return refused;
    }
}
