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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The export gate of a policy with {@code spec.export}: a partition may be retired only when the export ledger
 * {@code ledger} has it confirmed ({@code verified_at}) for the receiver {@code target} and, with
 * {@code holdRefused} ({@code refusedRows: Hold}), shows no row its export refused; checked under the retirement
 * lock. An export in progress reads the partition under ACCESS SHARE, which the lock waited for; confirmation only
 * ever adds a timestamp.
 */
public record ExportGate(TableName ledger, String rawTable, String target, boolean holdRefused)
        implements RetirementGate {
    /**
     * A partition kept for the rows its export refused, as the findings name it: {@code name (n rows; e.g. why)}.
     *
     * @param example the ledger's {@code last_refusal}: the row's {@code metric_id}, metric name and why
     */
    public static String heldPartition(String name, long refused, Optional<String> example) {
        return name + " (" + refused + (refused == 1 ? " row" : " rows") + example.map(e -> "; e.g. " + e)
                .orElse("") + ")";
    }

    /** How to let a partition kept for its refused rows go. */
    public String howToRelease() {
        return "to let one go, set spec.export.refusedRows: Accept, or correct or delete its refused rows and "
                + "forget its export (DELETE FROM " + ledger.sql() + " WHERE raw_table = '" + rawTable.replace("'", "''")
                + "' AND raw_partition = '<partition>'), which sends it again, whole, in the next pass";
    }

    /**
     * A partition whose ledger row for the receiver is missing or not confirmed is kept ({@code ExportPending}); under
     * {@code refusedRows: Hold}, one whose export refused rows too ({@code ExportRefusedRows}).
     */
    @Override
    public Map<PlannedAction, Kept> underLock(Connection conn, List<Retirement> retiring) throws SQLException {
        Map<PlannedAction, Kept> refused = new HashMap<>();
        if (retiring.isEmpty()) {
            return refused;
        }
        Set<String> confirmed = new HashSet<>();
        Map<String, String> held = new HashMap<>();
        if (CatalogReader.exists(conn, ledger)) {
            readConfirmed(conn, retiring, confirmed, held);
        }
        for (Retirement r : retiring) {
            PlannedAction a = r.action();
            if (!confirmed.contains(a.partition())) {
                refused.put(a, new Kept(a, Reason.EXPORT_PENDING, a.partition() + " is past retention but not yet "
                        + "exported to " + target + " and confirmed there: kept until it is"));
            } else if (held.containsKey(a.partition())) {
                refused.put(a, new Kept(a, Reason.EXPORT_REFUSED_ROWS, a.partition() + " is past retention and "
                        + "confirmed at " + target + ", but its export refused rows, which are at no receiver "
                        + "(spec.export.refusedRows: Hold): " + held.get(a.partition()) + "; " + howToRelease()));
            }
        }
        return refused;
    }

    /** Which partitions of {@code retiring} the ledger has confirmed, and which of those it holds for refused rows. */
    private void readConfirmed(Connection conn, List<Retirement> retiring, Set<String> confirmed,
            Map<String, String> held) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT raw_partition, rows_refused, last_refusal FROM "
                + ledger.sql() + " WHERE raw_table = ? AND target = ? AND raw_partition = ANY (?) AND "
                + "verified_at IS NOT NULL")) {
            ps.setString(1, rawTable);
            ps.setString(2, target);
            ps.setArray(3, conn.createArrayOf("text", retiring.stream().map(Retirement::partition).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    confirmed.add(rs.getString(1));
                    if (holdRefused && rs.getLong(2) > 0) {
                        held.put(rs.getString(1), heldPartition(rs.getString(1), rs.getLong(2),
                                Optional.ofNullable(rs.getString(3))));
                    }
                }
            }
        }
    }
}
