package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor.Kept;
import io.noetl.lifecycle.partition.postgres.RetirementGate;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollup gate: a raw partition may go only when the rollup ledger {@code ledger} has a row for it in every one of
 * {@code tierTables} and each of those tables exists; checked under the retirement lock. Rows of the ledger cannot
 * change under the lock in a way that lets one through wrongly: a rollup adds rows, and one in progress holds ACCESS
 * SHARE on the partition, which the lock waited for.
 *
 * @param rawTable the raw table as the ledger names it ({@code schema.table})
 */
public record RollupGate(TableName ledger, String rawTable, List<TableName> tierTables) implements RetirementGate {
    public RollupGate {
        tierTables = List.copyOf(tierTables);
    }

    /** A partition without a ledger row for every tier is kept ({@code RollupPending}), any while a tier is gone. */
    @Override
    public Map<PlannedAction, Kept> underLock(Connection conn, List<Retirement> retiring) throws SQLException {
        Map<PlannedAction, Kept> refused = new HashMap<>();
        if (retiring.isEmpty()) {
            return refused;
        }
        List<String> missingTiers = CatalogReader.missing(conn, tierTables);
        Map<String, Long> tiersDone = missingTiers.isEmpty() ? tiersDone(conn, retiring) : Map.of();
        for (Retirement r : retiring) {
            PlannedAction a = r.action();
            long done = tiersDone.getOrDefault(a.partition(), 0L);
            if (!missingTiers.isEmpty()) {
                refused.put(a, new Kept(a, Reason.ROLLUP_FAILED, a.partition() + " is kept: the tier table "
                        + String.join(", ", missingTiers) + " is missing, so its history cannot be kept"));
            } else if (done < tierTables.size()) {
                refused.put(a, new Kept(a, Reason.ROLLUP_PENDING, a.partition() + " is past retention but rolled into "
                        + done + " of " + tierTables.size() + " tiers: kept until its rollup is done"));
            }
        }
        return refused;
    }

    /** For each partition of {@code retiring} in the ledger, into how many of the tiers it is rolled. */
    private Map<String, Long> tiersDone(Connection conn, List<Retirement> retiring) throws SQLException {
        Map<String, Long> done = new HashMap<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT raw_partition, count(DISTINCT tier_table) FROM "
                + ledger.sql() + " WHERE raw_table = ? AND raw_partition = ANY (?) AND tier_table = ANY (?) "
                + "GROUP BY raw_partition")) {
            ps.setString(1, rawTable);
            ps.setArray(2, conn.createArrayOf("text", retiring.stream().map(Retirement::partition).toArray()));
            ps.setArray(3, conn.createArrayOf("text", tierTables.stream().map(TableName::toString).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    done.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return done;
    }
}
