package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * A check a kind wants made before a partition of its table is retired, beside the executor's own data proof: the
 * metric kind keeps a raw partition until its rollup ledger shows it rolled into every tier, until its export ledger
 * shows it confirmed at the receiver, and while NoETL's per-row expiry says a row still lives. The executor knows no
 * more of them than this: it asks each gate, in order, before the retirement's lock (holding nothing, so that a scan
 * holds nobody up), and again under the lock that drops or detaches, where nothing they read can change; the first
 * refusal of a partition is the one reported. A plan that is not applied asks only the first question, and leaves
 * out what it refuses.
 */
public interface RetirementGate {

    /** A partition about to be retired: the planned action and the relation it acts on, as the catalog showed it. */
    record Retirement(PlannedAction action, TableName table) {
        public String partition() {
            return action.partition();
        }
    }

    /** The retirements refused before the lock, each with why; none unless the gate has a check to make there. */
    default Map<PlannedAction, PartitionExecutor.Kept> beforeLock(Connection c, List<Retirement> retiring)
            throws SQLException {
        return Map.of();
    }

    /** The retirements refused under the retirement lock, each with why. */
    Map<PlannedAction, PartitionExecutor.Kept> underLock(Connection c, List<Retirement> retiring) throws SQLException;

    /**
     * The gates of one pass over a table, opened once the pass has observed it: a gate may depend on the table as it
     * is (which column holds the rows' expiry, say), and a table the pass creates is observed after it is made.
     */
    @FunctionalInterface
    interface Source {
        /** No gate: the executor's data proof alone decides. */
        Source NONE = (c, observed) -> List.of();

        List<RetirementGate> open(Connection c, TableSnapshot observed) throws SQLException;

        /** These gates, whatever the table. */
        static Source of(List<RetirementGate> gates) {
            List<RetirementGate> fixed = List.copyOf(gates);
            return (c, observed) -> fixed;
        }
    }
}
