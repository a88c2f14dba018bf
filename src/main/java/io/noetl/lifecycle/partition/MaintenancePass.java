package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.ExportPass;
import io.noetl.lifecycle.metric.RollupPass;
import io.noetl.lifecycle.metric.postgres.RowExpirySql;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.DdlTransaction;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.ReconcileException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
     */
    public record Outcome(TableSnapshot before, Plan plan, TableSnapshot after,
            Optional<PartitionExecutor.Result> result, boolean bootstrapped, Instant startedAt, Instant finishedAt,
            Duration took, Optional<RollupPass.Outcome> rollups, Optional<ExportPass.Outcome> export) {

        public Outcome(TableSnapshot before, Plan plan, TableSnapshot after, Optional<PartitionExecutor.Result> result,
                boolean bootstrapped, Instant startedAt, Instant finishedAt, Duration took) {
            this(before, plan, after, result, bootstrapped, startedAt, finishedAt, took, Optional.empty(),
                    Optional.empty());
        }

        /** This outcome with the rollups of its pass, which ran before it. */
        public Outcome withRollups(Optional<RollupPass.Outcome> rollups) {
            return new Outcome(before, plan, after, result, bootstrapped, startedAt, finishedAt, took, rollups, export);
        }

        /** This outcome with the export of its pass, which ran before it. */
        public Outcome withExport(Optional<ExportPass.Outcome> export) {
            return new Outcome(before, plan, after, result, bootstrapped, startedAt, finishedAt, took, rollups, export);
        }

        /**
         * Every action of the pass as status shows it: the rollups and the tier tables' actions, then the raw
         * table's plan.
         */
        public Plan reportedPlan() {
            if (rollups.isEmpty() && export.isEmpty()) {
                return plan;
            }
            List<PlannedAction> all = new ArrayList<>(rollups.map(RollupPass.Outcome::planned).orElse(List.of()));
            export.ifPresent(e -> all.addAll(e.planned()));
            all.addAll(plan.actions());
            return new Plan(all, plan.findings(), plan.deferred());
        }

        public Optional<PartitionExecutor.Failure> failure() {
            return result.flatMap(PartitionExecutor.Result::failure);
        }

        /** The retirements the data proof refused, as findings. */
        public List<Finding> keptFindings() {
            return result.map(r -> r.kept().stream().map(PartitionExecutor.Kept::finding).toList()).orElse(List.of());
        }

        /**
         * What the pass found: the rollups' failures, the retirements refused under the lock, then the plan's findings
         * (ClockSkew first).
         */
        public List<Finding> findings() {
            List<Finding> all = new ArrayList<>(rollups.map(RollupPass.Outcome::findings).orElse(List.of()));
            export.ifPresent(e -> all.addAll(e.findings()));
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
    private Optional<PartitionExecutor.RollupGate> gate = Optional.empty();
    private Optional<PartitionExecutor.ExportGate> exportGate = Optional.empty();
    private Optional<java.time.ZoneId> rowExpiry = Optional.empty();

    public MaintenancePass(DataSource dataSource, DatabaseTarget target, TableName table, LockPolicy lockPolicy,
            Clock clock) {
        this.dataSource = dataSource;
        this.target = target;
        this.table = table;
        this.lockPolicy = lockPolicy;
        this.clock = clock;
    }

    /** Retirements wait for the rollup gate, checked under their lock ({@link PartitionExecutor#gated}). */
    public MaintenancePass gated(Optional<PartitionExecutor.RollupGate> gate) {
        this.gate = gate;
        return this;
    }

    /** Retirements wait for the export gate, checked under their lock ({@link PartitionExecutor#exportGated}). */
    public MaintenancePass exportGated(Optional<PartitionExecutor.ExportGate> gate) {
        this.exportGate = gate;
        return this;
    }

    /**
     * Retirements wait for the rows' own expiry where the table has NoETL's {@code expires_at} column
     * ({@link PartitionExecutor#expiryGated}); a {@code timestamp} one is read in {@code zone}. A plan that is not
     * applied leaves such partitions out and says why, so that {@code plan} and {@code check} show it.
     */
    public MaintenancePass expiryGated(Optional<java.time.ZoneId> zone) {
        this.rowExpiry = zone;
        return this;
    }

    /** The row-expiry gate of the table, when the policy honours row expiry and the table has the column. */
    private Optional<PartitionExecutor.RowExpiryGate> expiryGate(TableSnapshot snapshot) throws SQLException {
        if (rowExpiry.isEmpty()) {
            return Optional.empty();
        }
        try (Connection c = dataSource.getConnection()) {
            io.noetl.lifecycle.metric.plan.MetricColumns columns = CatalogReader.metricColumns(c, table,
                    Optional.empty(), snapshot.keyColumn(), rowExpiry.get());
            return columns.optional(io.noetl.lifecycle.metric.plan.MetricColumns.Role.EXPIRES_AT)
                    .filter(col -> col.type().startsWith("timestamp"))
                    .map(col -> new PartitionExecutor.RowExpiryGate(col.name(), columns.expiresAtSql("").orElseThrow()));
        }
    }

    /** {@code plan} without the retirements of partitions holding unexpired rows, each with its finding. */
    private Plan withoutUnexpired(Plan plan, PartitionExecutor.RowExpiryGate gate) throws SQLException {
        List<PlannedAction> retiring = plan.actions().stream().filter(PlannedAction::retires).toList();
        if (retiring.isEmpty()) {
            return plan;
        }
        Map<String, RowExpirySql.Unexpired> unexpired;
        try (Connection c = dataSource.getConnection()) {
            unexpired = RowExpirySql.unexpired(c, table, retiring.stream().map(PlannedAction::partition).toList(),
                    gate.expiresSql());
        }
        if (unexpired.isEmpty()) {
            return plan;
        }
        List<PlannedAction> kept = plan.actions().stream().filter(a -> !(a.retires() && unexpired.containsKey(
                a.partition()))).toList();
        List<Finding> findings = new ArrayList<>();
        retiring.stream().filter(a -> unexpired.containsKey(a.partition())).forEach(a -> findings.add(
                PartitionExecutor.RowExpiryGate.kept(a, unexpired.get(a.partition())).finding()));
        findings.addAll(plan.findings());
        return new Plan(kept, findings, plan.deferred());
    }

    /**
     * @param bootstrap empty when the spec says {@code bootstrap: Never}
     * @param retentionCutoff the retention cutoff over the server's clock for a key type, for the executor's data
     *     proof ({@link PartitionExecutor#proving})
     * @param apply false for suspend and dry-run: plan only
     */
    public Outcome run(Optional<Bootstrapper> bootstrap, Planner planner,
            Function<KeyType, Optional<String>> retentionCutoff, boolean apply) throws ReconcileException {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        try {
            TableSnapshot before = observe();
            boolean bootstrapped = false;
            if (before.state() == TableSnapshot.State.MISSING && bootstrap.isPresent() && apply) {
                try (Connection c = dataSource.getConnection()) {
                    DdlTransaction.run(c, lockPolicy, List.of(), bootstrap.get()::create);
                }
                bootstrapped = true;
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
            Plan plan = planner.plan(before);
            if (!plan.uncountedRanges().isEmpty()) {
                // the plan touches ranges the default partition may hold rows for: count them and plan again
                try (Connection c = dataSource.getConnection()) {
                    before = before.withDefaultRowCounts(CatalogReader.countDefaultRows(c, before,
                            plan.uncountedRanges()));
                }
                plan = planner.plan(before);
            }
            Optional<PartitionExecutor.RowExpiryGate> expiry = expiryGate(before);
            if (!apply && expiry.isPresent()) {
                plan = withoutUnexpired(plan, expiry.get());
            }
            if (!apply || plan.isEmpty()) {
                return new Outcome(before, plan, before, Optional.empty(), bootstrapped, started, clock.instant(),
                        Duration.ofNanos(System.nanoTime() - t0));
            }
            PartitionExecutor.Result result = new PartitionExecutor(dataSource, target, table, before.keyColumn(),
                    before.keyType(), before.defaultPartition().map(p -> p.name()), lockPolicy)
                    .proving(retentionCutoff.apply(before.keyType())).gated(gate).exportGated(exportGate).expiryGated(expiry).apply(plan.actions());
            TableSnapshot after = result.applied().isEmpty() ? before : observe();
            return new Outcome(before, plan, after, Optional.of(result), bootstrapped, started, clock.instant(),
                    Duration.ofNanos(System.nanoTime() - t0));
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, target);
            throw new ReconcileException(failure.reason(), failure.message());
        }
    }

    private TableSnapshot observe() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return CatalogReader.read(c, table);
        }
    }
}
