package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.partition.postgres.RetirementGate;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.DdlTransaction;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.ReconcileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * One maintenance pass over a partitioned table, shared by both partition-keeping kinds: observe, plan, apply
 * (unless only planning), observe again for the report.
 */
public final class MaintenancePass {

    /** Creates the table when it is missing and the spec allows it. */
    @FunctionalInterface
    public interface Bootstrapper {
        void create(Connection c) throws SQLException;
    }

    /** Turns a usable snapshot into a plan; rejects snapshots the policy cannot work with. */
    @FunctionalInterface
    public interface Planner {
        Plan plan(TableSnapshot snapshot) throws ReconcileException;
    }

    /**
     * @param before the snapshot the plan was made from
     * @param after a fresh snapshot taken after applying (the same as {@code before} when nothing ran)
     * @param result what was applied; empty when the pass only planned
     * @param took how long the pass ran (measured on the monotonic clock, not the injectable one)
     * @param prelude what the policy's kind ran before it, in the same pass ({@link PassPrelude})
     */
    public record Outcome(TableSnapshot before, Plan plan, TableSnapshot after,
            Optional<PartitionExecutor.Result> result, boolean bootstrapped, Instant startedAt, Instant finishedAt,
            Duration took, PassPrelude.Outcome prelude) {

        /** This outcome with what the kind's prelude did before it. */
        public Outcome withPrelude(PassPrelude.Outcome first) {
            return new Outcome(before, plan, after, result, bootstrapped, startedAt, finishedAt, took, first);
        }

        /**
         * Every action of the pass as status shows it: the prelude's (the rollups, the tier tables' actions, the
         * exports), then the table's plan.
         */
        public Plan reportedPlan() {
            if (prelude.planned().isEmpty()) {
                return plan;
            }
            List<PlannedAction> all = new ArrayList<>(prelude.planned());
            all.addAll(plan.actions());
            return new Plan(all, plan.findings(), plan.deferred());
        }

        public Optional<PartitionExecutor.Failure> failure() {
            return result.flatMap(PartitionExecutor.Result::failure);
        }

        /** The retirements the data proof or a gate refused, as findings. */
        public List<Finding> keptFindings() {
            return result.map(r -> r.kept().stream().map(PartitionExecutor.Kept::finding).toList()).orElse(List.of());
        }

        /**
         * What the pass found: the prelude's findings (the rollups' and the export's failures), the retirements
         * refused under the lock, then the plan's findings (ClockSkew first).
         */
        public List<Finding> findings() {
            List<Finding> all = new ArrayList<>(prelude.findings());
            all.addAll(keptFindings());
            all.addAll(plan.findings());
            return all;
        }
    }

    private final DataSource dataSource;
    private final DatabaseTarget target;
    private final TableName table;
    private final LockPolicy lockPolicy;
    private final Clock clock;
    private RetirementGate.Source gates = RetirementGate.Source.NONE;

    public MaintenancePass(DataSource dataSource, DatabaseTarget target, TableName table, LockPolicy lockPolicy,
            Clock clock) {
        this.dataSource = dataSource;
        this.target = target;
        this.table = table;
        this.lockPolicy = lockPolicy;
        this.clock = clock;
    }

    /**
     * Retirements pass {@code gates} too (opened on the table as observed): the executor asks them before the
     * retirement's lock and under it ({@link PartitionExecutor#gatedBy}); a plan that is not applied leaves out what
     * they refuse before the lock, and says why, so that {@code plan} and {@code check} show it.
     */
    public MaintenancePass gatedBy(RetirementGate.Source gates) {
        this.gates = gates;
        return this;
    }

    /**
     * The first partitions a bootstrap created in its own transaction, and the plan they came from, made on the table
     * as that transaction saw it before them.
     */
    private record FirstPartitions(TableSnapshot before, Plan plan) {
    }

    /** One call of {@link #run}: when it started, whether it created the table, and with which partitions. */
    private final class Run {
        private final Instant started = clock.instant();
        private final long t0 = System.nanoTime();
        private boolean bootstrapped;
        private FirstPartitions first;

        Outcome outcome(TableSnapshot before, Plan plan, TableSnapshot after,
                Optional<PartitionExecutor.Result> result) {
            return new Outcome(before, plan, after, result, bootstrapped, started, clock.instant(),
                    Duration.ofNanos(System.nanoTime() - t0), PassPrelude.Outcome.NOTHING);
        }
    }

    /**
     * @param bootstrap empty when the spec says {@code bootstrap: Never}
     * @param retentionCutoff the retention cutoff over the server's clock for a key type, for the executor's data
     *     proof ({@link PartitionExecutor#proving})
     * @param apply false for suspend and dry-run: plan only
     */
    public Outcome run(Optional<Bootstrapper> bootstrap, Planner planner,
            Function<KeyType, Optional<String>> retentionCutoff, boolean apply) throws ReconcileException {
        Run run = new Run();
        try {
            TableSnapshot before = observe(bootstrap, planner, apply, run);
            if (run.first != null) {
                // the bootstrap created the table and its partitions in one transaction: what it read before them is
                // what the plan was made from, and what the catalog shows now is the table after the pass
                Plan plan = run.first.plan();
                return run.outcome(run.first.before(), plan, before, Optional.of(new PartitionExecutor.Result(
                        plan.actions(), Optional.empty(), 0, List.of())));
            }
            Plan plan = planner.plan(before);
            if (!plan.uncountedRanges().isEmpty()) {
                // the plan touches ranges the default partition may hold rows for: count them and plan again
                before = withDefaultRowsCounted(before, plan);
                plan = planner.plan(before);
            }
            if (!apply) {
                return run.outcome(before, withoutRefused(plan, before), before, Optional.empty());
            }
            if (plan.isEmpty()) {
                return run.outcome(before, plan, before, Optional.empty());
            }
            PartitionExecutor.Result result = execute(before, plan, retentionCutoff);
            TableSnapshot after = result.applied().isEmpty() ? before : observe();
            return run.outcome(before, plan, after, Optional.of(result));
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, target);
            throw new ReconcileException(failure.reason(), failure.message());
        }
    }

    /**
     * The table as it is, created first when it is missing and {@code bootstrap} may (a pass that applies), with its
     * first partitions in the same transaction ({@link #firstPartitions}); refused unless it is a table partitioned the
     * way the operator manages.
     */
    private TableSnapshot observe(Optional<Bootstrapper> bootstrap, Planner planner, boolean apply, Run run)
            throws SQLException, ReconcileException {
        TableSnapshot before = observe();
        if (before.state() == TableSnapshot.State.MISSING && bootstrap.isPresent() && apply) {
            try (Connection c = dataSource.getConnection()) {
                DdlTransaction.run(c, lockPolicy, List.of(), conn -> {
                    run.first = null; // an attempt retried after a deadlock starts again
                    bootstrap.get().create(conn);
                    run.first = firstPartitions(conn, planner).orElse(null);
                });
            }
            run.bootstrapped = true;
            before = observe();
        }
        switch (before.state()) {
            case MISSING -> throw new ReconcileException(Reason.TABLE_MISSING, before.problem()
                    + (bootstrap.isEmpty() ? "; set spec.bootstrap to IfMissing to create it" : ""));
            case NOT_PARTITIONED -> throw new ReconcileException(Reason.NOT_PARTITIONED, before.problem());
            case UNSUPPORTED_KEY -> throw new ReconcileException(Reason.PARTITION_KEY_MISMATCH, before.problem());
            default -> {
            }
        }
        return before;
    }

    /**
     * In the bootstrap's transaction, when it created the table (and not when the table appeared meanwhile and its
     * {@code IF NOT EXISTS} left it be): the table's plan, made on the table as the transaction sees it, and its
     * partitions created as the plan says, so that the table commits with them. Only a plan of nothing but creates is
     * applied so; a plan that refuses the table, has anything else in it, or fails to apply (rolled back to before
     * it) leaves the table to the pass, which plans and applies it the usual way and reports what happens.
     */
    private Optional<FirstPartitions> firstPartitions(Connection c, Planner planner) throws SQLException {
        if (!createdIn(c)) {
            return Optional.empty();
        }
        TableSnapshot empty = CatalogReader.readInOpenTransaction(c, table);
        Plan plan;
        try {
            plan = planner.plan(empty);
        } catch (ReconcileException e) {
            return Optional.empty(); // the pass refuses the table again, with this reason
        }
        if (plan.isEmpty() || !plan.uncountedRanges().isEmpty() || !plan.actions().stream().allMatch(
                a -> a instanceof PlannedAction.CreatePartition || a instanceof PlannedAction.CreateDefaultPartition)) {
            return Optional.empty();
        }
        try (Statement s = c.createStatement()) {
            s.execute("SAVEPOINT lifecycle_first_partitions");
            try {
                new PartitionExecutor(dataSource, target, PartitionExecutor.Parent.of(table, empty), lockPolicy)
                        .createWithNewParent(c, plan.actions());
                s.execute("RELEASE SAVEPOINT lifecycle_first_partitions");
            } catch (SQLException e) {
                s.execute("ROLLBACK TO SAVEPOINT lifecycle_first_partitions");
                return Optional.empty();
            }
        }
        return Optional.of(new FirstPartitions(empty, plan));
    }

    /**
     * Whether the open transaction created {@link #table}: it holds the ACCESS EXCLUSIVE lock {@code CREATE TABLE}
     * takes on a new table. A table another session created first holds no such lock of this one ({@code CREATE ...
     * IF NOT EXISTS} of an existing table takes none, and the bootstrap's indexes take SHARE at most).
     */
    private boolean createdIn(Connection c) throws SQLException {
        // this backend's own locks are all in its database: the relation's oid alone names it
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = "
                + "'relation' AND relation = to_regclass(?) AND pid = pg_backend_pid() "
                + "AND mode = 'AccessExclusiveLock' AND granted)")) {
            ps.setString(1, table.sql());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private TableSnapshot withDefaultRowsCounted(TableSnapshot before, Plan plan) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return before.withDefaultRowCounts(CatalogReader.countDefaultRows(c, before, plan.uncountedRanges()));
        }
    }

    /** Applies {@code plan}, each retirement proving its data and passing the gates. */
    private PartitionExecutor.Result execute(TableSnapshot before, Plan plan,
            Function<KeyType, Optional<String>> retentionCutoff) throws SQLException {
        List<RetirementGate> opened;
        try (Connection c = dataSource.getConnection()) {
            opened = gates.open(c, before);
        }
        return new PartitionExecutor(dataSource, target, PartitionExecutor.Parent.of(table, before), lockPolicy)
                .proving(retentionCutoff.apply(before.keyType())).gatedBy(opened).apply(plan.actions());
    }

    /**
     * {@code plan} without the retirements a gate refuses before the lock (NoETL's row expiry: partitions holding
     * unexpired rows), each with its finding first among the plan's: what a plan not applied shows of them.
     */
    private Plan withoutRefused(Plan plan, TableSnapshot before) throws SQLException {
        List<PlannedAction> retiring = plan.actions().stream().filter(PlannedAction::retires).toList();
        if (retiring.isEmpty()) {
            return plan;
        }
        Map<PlannedAction, PartitionExecutor.Kept> refused = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            for (RetirementGate gate : gates.open(c, before)) {
                List<RetirementGate.Retirement> left = retiring.stream().filter(a -> !refused.containsKey(a))
                        .map(a -> new RetirementGate.Retirement(a, new TableName(before.schemaOf(a.partition()),
                                a.partition()))).toList();
                if (!left.isEmpty()) {
                    gate.beforeLock(c, left).forEach(refused::putIfAbsent);
                }
            }
        }
        if (refused.isEmpty()) {
            return plan;
        }
        List<Finding> findings = new ArrayList<>(retiring.stream().filter(refused::containsKey)
                .map(a -> refused.get(a).finding()).toList());
        findings.addAll(plan.findings());
        return new Plan(plan.actions().stream().filter(a -> !refused.containsKey(a)).toList(), findings,
                plan.deferred());
    }

    private TableSnapshot observe() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return CatalogReader.read(c, table);
        }
    }
}
