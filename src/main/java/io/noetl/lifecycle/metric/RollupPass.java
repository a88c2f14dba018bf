package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.plan.ObservedTable;
import io.noetl.lifecycle.metric.plan.RollupPartition;
import io.noetl.lifecycle.metric.plan.RollupPlanner;
import io.noetl.lifecycle.metric.plan.RollupSettings;
import io.noetl.lifecycle.metric.postgres.ExportGate;
import io.noetl.lifecycle.metric.postgres.ExportSql;
import io.noetl.lifecycle.metric.postgres.MetricHistorySql;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.metric.postgres.RollupGate;
import io.noetl.lifecycle.metric.postgres.RollupSql;
import io.noetl.lifecycle.metric.postgres.RollupSteps;
import io.noetl.lifecycle.metric.rollup.SeriesFingerprint;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PassContext;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.partition.postgres.RetirementGate;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.ReconcileException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The rollup part of a MetricRetentionPolicy's pass, run before the raw table's maintenance so that a raw partition
 * rolled up in this pass can be retired in it: bootstrap the catalogue, the ledger and the tier tables; keep each tier
 * table's own partitions (the same planner and executor as the raw table, created ahead and retired by the tier's
 * retention); roll up the closed raw partitions the ledger lacks, oldest first; then tell the raw pass which
 * partitions it may retire ({@link Outcome#retirable}) and hand its executor the gate it re-checks under the lock.
 *
 * <p>A tier table that is missing while the ledger records partitions rolled into it was dropped by hand, and the
 * history in it is gone: it is not re-created (that would hide the loss), nothing is rolled into it, and no raw
 * partition is retired until someone decides ({@code RollupFailed}).
 */
public final class RollupPass {
    private static final Logger LOG = Logger.getLogger(RollupPass.class);
    /** The most raw partitions one pass rolls up; the rest wait for the next pass (they are not retired meanwhile). */
    public static final int MAX_ROLLUPS_PER_PASS = 8;

    /** What the status shows of one tier after the pass. */
    public record TierState(RollupSettings.Tier tier, Optional<TableSnapshot> table, RollupSql.TierLedger ledger,
            Duration lag) {
    }

    /**
     * @param planned the rollups and tier-table actions of the pass, shown beside the raw table's plan (what ran, or
     *     with {@code dryRun} and {@code suspend} what would run)
     * @param rolled the rollups that committed
     * @param durations how long each of them took
     * @param findings rollup failures and lost tiers ({@code RollupFailed}), rows a rollup left out
     *     ({@code RollupRefusedRows}), and partitions past retention still waiting for their rollup ({@code RollupPending},
     *     added by {@link #withheld})
     * @param ledger for each raw partition, the tiers it is rolled into, after the rollups
     * @param tierLost a tier cannot be rolled into: no raw partition may be retired
     * @param pace how the rollups' steps were paced ({@code spec.historyPace}); empty when none ran
     * @param wal the WAL the server wrote during the rollups' steps
     */
    public record Outcome(RollupSettings settings, List<PlannedAction> planned, List<RollupSql.Rolled> rolled,
            List<Duration> durations, List<Finding> findings, Map<String, Set<String>> ledger, boolean tierLost,
            List<TierState> tiers, Duration took, Optional<Pace.Record> pace, Wal wal) {

        /** Whether the raw partition {@code name} may be retired: rolled into every tier, and no tier lost. */
        public boolean retirable(String name) {
            return !tierLost && RollupPlanner.rolledIntoEvery(settings, ledger, name);
        }

        /** The gate the raw table's executor checks again under its lock. */
        public RollupGate gate(TableName raw) {
            return new RollupGate(RollupSql.Tables.of(raw, catalogue(settings)).ledger(), raw.toString(),
                    settings.tiers().stream().map(RollupPass::tableOf).toList());
        }

        /** The oldest lag of the tiers: how long the oldest closed raw partition has waited for its rollup. */
        public Duration lag() {
            return tiers.stream().map(TierState::lag).max(Duration::compareTo).orElse(Duration.ZERO);
        }
    }

    /**
     * The server's WAL written during the rollups' steps of a pass ({@code pg_current_wal_lsn} before and after each
     * step: other sessions' WAL of the same moments included, so an upper bound of the rollups' own).
     */
    public record Wal(int steps, long bytes, long maxStepBytes) {
        public static final Wal NONE = new Wal(0, 0, 0);

        Wal plus(RollupSteps.Stepped s) {
            return new Wal(steps + s.steps(), bytes + s.walBytes(), Math.max(maxStepBytes, s.maxStepWalBytes()));
        }
    }

    private final PassContext where;
    private final Pace.Signals signals;

    public RollupPass(PassContext where) {
        this(where, Pace.Signals.DATABASE);
    }

    /** @param signals where the pace reads the database's load between steps (tests give a synthetic one) */
    public RollupPass(PassContext where, Pace.Signals signals) {
        this.where = where;
        this.signals = signals;
    }

    public static TableName tableOf(RollupSettings.Tier tier) {
        return new TableName(tier.schema(), tier.table());
    }

    static TableName catalogue(RollupSettings rollups) {
        return new TableName(rollups.catalogueSchema(), rollups.catalogueTable());
    }

    /**
     * Runs the rollups of {@code settings} (which has tiers). {@code fallbackNow} is the operator's clock, used only
     * when the database does not say its own.
     *
     * @param apply false for suspend and dry-run: only plan
     */
    public Outcome run(MetricPolicySettings settings, Instant fallbackNow, boolean apply) throws ReconcileException {
        try (Connection c = where.dataSource().getConnection()) {
            Run run = new Run(c, settings, apply);
            // no raw table to roll up (the raw pass reports it), or one whose columns cannot serve
            if (!run.observe(fallbackNow) || !run.columnsServe()) {
                return run.outcome();
            }
            run.ensureShared();
            run.checkTiers();
            run.remakeHistoryReader();
            run.keepTierTables();
            run.rollUpDue();
            return run.outcome();
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, where.target());
            throw new ReconcileException(failure.reason(), failure.message());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReconcileException(Reason.ROLLUP_FAILED, "the rollups were interrupted");
        }
    }

    /** One run of the rollups: what it has read and decided so far, and what it did. */
    private final class Run {
        private final long t0 = System.nanoTime();
        private final Connection c;
        private final MetricPolicySettings settings;
        private final boolean apply;
        private final RollupSettings rollups;
        private final TableName raw;
        private final RollupSql.Tables tables;
        private final List<Finding> findings = new ArrayList<>();
        private final List<PlannedAction> planned = new ArrayList<>();
        private final List<RollupSql.Rolled> rolled = new ArrayList<>();
        private final List<Duration> durations = new ArrayList<>();
        /** The tiers that can be rolled into: their tables exist, or will (a dry run plans for them). */
        private final List<RollupSettings.Tier> usable = new ArrayList<>();
        /** Each tier table as its maintenance left it, or as read again after a rollup created partitions in it. */
        private final Map<RollupSettings.Tier, TableSnapshot> tierSnapshots = new HashMap<>();
        private Instant now;
        private TableSnapshot rawSnapshot;
        private MetricColumns columns;
        /** Whether the catalogue and the ledger exist. */
        private boolean shared;
        private boolean tierLost;
        private Map<String, Set<String>> ledger = Map.of();
        private List<TierState> states = List.of();
        /** The pace of the steps: made before the first rollup, and kept for all of the pass's. */
        private Pace pace;
        private Wal wal = Wal.NONE;

        Run(Connection c, MetricPolicySettings settings, boolean apply) {
            this.c = c;
            this.settings = settings;
            this.apply = apply;
            this.rollups = settings.rollups();
            this.raw = PolicyPass.tableOf(settings);
            this.tables = RollupSql.Tables.of(raw, catalogue(rollups));
        }

        Outcome outcome() {
            return new Outcome(rollups, planned, rolled, durations, findings, ledger, tierLost, states,
                    Duration.ofNanos(System.nanoTime() - t0), Optional.ofNullable(pace).map(Pace::record), wal);
        }

        /** Reads the raw table and the server's clock; false when the table is not partitioned (yet). */
        boolean observe(Instant fallbackNow) throws SQLException {
            rawSnapshot = CatalogReader.read(c, raw);
            now = PolicyPass.serverNow(rawSnapshot, fallbackNow);
            return rawSnapshot.state() == TableSnapshot.State.PARTITIONED;
        }

        /** Whether the raw table's columns can serve; when not, nothing is rolled up and nothing may be retired. */
        boolean columnsServe() throws SQLException {
            columns = columnsOf(c, raw, settings);
            List<String> problems = columns.problems(raw.toString(), settings.sampleTimeColumn(),
                    settings.partitionKey(), true);
            if (problems.isEmpty()) {
                return true;
            }
            findings.add(new Finding(columnReason(settings, Reason.ROLLUP_FAILED), String.join("; ", problems)
                    + ": nothing is rolled up, and no raw partition is retired"));
            tierLost = true;
            return false;
        }

        /** The catalogue, the ledger and the fingerprint functions: made, or brought up to this version, by a write. */
        void ensureShared() throws SQLException {
            shared = CatalogReader.exists(c, tables.catalogue()) && CatalogReader.exists(c, tables.ledger());
            if (!shared && apply) {
                RollupSql.ensureShared(c, tables);
                shared = true;
            } else if (shared && apply && RollupSql.upgradeShared(c, tables)) {
                LOG.infof("brought the fingerprint functions and the ledger %s up to this version", tables.ledger());
            }
            if (apply && !CatalogReader.exists(c, RollupSteps.progressOf(tables))) {
                RollupSteps.ensureProgress(c, tables);
            }
        }

        /** Tier tables: created when missing and never filled; lost when missing and in the ledger. */
        void checkTiers() throws SQLException {
            for (RollupSettings.Tier tier : rollups.tiers()) {
                TableName table = tableOf(tier);
                if (CatalogReader.exists(c, table)) {
                    usable.add(tier);
                    continue;
                }
                long recorded = shared ? RollupSql.ledgerRowsFor(c, tables, table) : 0;
                if (recorded > 0) {
                    tierLost = true;
                    findings.add(new Finding(Reason.ROLLUP_FAILED, "the tier table " + table + " (" + tier.resolution()
                            + ") is missing, yet the ledger " + tables.ledger() + " records " + recorded + " raw "
                            + "partition(s) rolled into it: its history is gone. No raw partition is retired until "
                            + "it is restored, or its ledger rows are deleted (DELETE FROM " + tables.ledger()
                            + " WHERE tier_table = '" + table + "') to start it afresh"));
                } else {
                    if (apply) {
                        RollupSql.ensureTierTable(c, table);
                    }
                    usable.add(tier); // a dry run plans for the tier it would create
                }
            }
        }

        /** The history reader over the tiers there are, remade only when they change. */
        void remakeHistoryReader() throws SQLException {
            if (!apply || !shared) {
                return;
            }
            List<RollupSql.Tier> readable = usable.stream().map(t -> new RollupSql.Tier(tableOf(t), t.resolution(),
                    t.retention())).toList();
            if (MetricHistorySql.ensureCurrent(c, tables, columns, readable)) {
                LOG.infof("made %s over %s", MetricHistorySql.functionName(raw), readable.stream()
                        .map(t -> t.resolution().toString()).toList());
            }
        }

        /** Each tier table's own partitions, by the same planner and executor as the raw table's. */
        void keepTierTables() throws SQLException {
            for (RollupSettings.Tier tier : usable) {
                TableName table = tableOf(tier);
                if (!CatalogReader.exists(c, table)) {
                    continue; // dry run of a tier not created yet
                }
                try {
                    keepTierTable(tier, table);
                } catch (ReconcileException e) {
                    findings.add(new Finding(Reason.ROLLUP_FAILED, "tier " + table + ": " + e.reason().code() + ": "
                            + e.getMessage()));
                }
            }
        }

        private void keepTierTable(RollupSettings.Tier tier, TableName table) throws ReconcileException {
            MetricPolicySettings tierSettings = tier.tableSettings(settings);
            // the tier spec.export sends: its partitions go only once confirmed at the receiver
            List<RetirementGate> exportGate = settings.export().enabled() && settings.export().tier()
                    .filter(tier.resolution()::equals).isPresent()
                    ? List.of(new ExportGate(ExportSql.ledgerOf(raw), table.toString(), settings.export().target(),
                            settings.export().holdsRefusedRows()))
                    : List.of();
            MaintenancePass.Outcome o = new MaintenancePass(where.dataSource(), where.target(), table,
                    where.lockPolicy(), where.clock()).gatedBy(RetirementGate.Source.of(exportGate))
                    .run(Optional.empty(), snapshot -> PartitionPlanner.plan(PolicyPass.plannerPolicy(tierSettings,
                            snapshot, now), snapshot), tierSettings::retentionCutoffSql, apply);
            tierSnapshots.put(tier, o.after());
            if (!apply) {
                planned.addAll(o.plan().actions());
                return;
            }
            o.result().ifPresent(r -> planned.addAll(r.applied()));
            findings.addAll(o.keptFindings()); // a tier partition kept for its export, say
            o.failure().ifPresent(f -> findings.add(new Finding(Reason.ROLLUP_FAILED, "tier " + table + ": "
                    + f.describe())));
        }

        /**
         * The closed raw partitions the ledger lacks, oldest first: planned, or rolled up (at most
         * {@link #MAX_ROLLUPS_PER_PASS}); then what the tiers show.
         */
        void rollUpDue() throws ReconcileException, SQLException, InterruptedException {
            ledger = shared ? RollupSql.ledger(c, tables) : Map.of();
            ObservedTable observed = new ObservedTable(rawSnapshot, PolicyPass.plannerPolicy(settings, rawSnapshot,
                    now), settings);
            List<RollupPartition> due = RollupPlanner.due(observed, rollups, ledger, now);
            if (!apply) {
                planned.addAll(0, due);
            } else {
                for (RollupPartition step : due.subList(0, Math.min(due.size(), MAX_ROLLUPS_PER_PASS))) {
                    rollUp(step);
                }
                ledger = RollupSql.ledger(c, tables);
            }
            states = tierStates(observed);
        }

        /** Rolls one due raw partition into the usable tiers it lacks, after making the tier partitions it needs. */
        private void rollUp(RollupPartition step) throws SQLException, InterruptedException {
            List<RollupSettings.Tier> into = usable.stream().filter(t -> step.tiers().contains(t.qualified())).toList();
            if (into.isEmpty()) {
                return;
            }
            // where the catalog showed the partition: a partition moved to another schema is read there
            String schema = rawSnapshot.schemaOf(step.partition());
            Optional<String> problem = prepareTiers(into, new TableName(schema, step.partition()));
            if (problem.isPresent()) {
                findings.add(new Finding(Reason.ROLLUP_FAILED, step.partition() + " was not rolled up: "
                        + problem.get()));
                return;
            }
            long started = System.nanoTime();
            try {
                RollupSql.Rolled r = rollUpIn(into, new RollupSql.RawPartition(step.partition(), settings.instantOf(
                        rawSnapshot.keyType(), step.range().from()), settings.instantOf(rawSnapshot.keyType(),
                        step.range().to()), columns, Optional.of(schema)));
                rolled.add(r);
                durations.add(Duration.ofNanos(System.nanoTime() - started));
                planned.add(step);
                LOG.infof("rolled %s (%d rows, %d series) into %s in %d step(s), %d bytes of WAL at most in one",
                        step.partition(), r.rawRows(), r.series(), r.tiers(), lastSteps.steps(),
                        lastSteps.maxStepWalBytes());
                if (r.rowsRefused() > 0) {
                    Finding refused = refused(r);
                    findings.add(refused);
                    LOG.warn(refused.message());
                }
            } catch (SQLException e) {
                DatabaseFailure f = DatabaseFailure.of(e, where.target());
                findings.add(new Finding(Reason.ROLLUP_FAILED, step.partition() + " was not rolled up: "
                        + f.reason().code() + ": " + f.message()));
            }
        }

        /**
         * Creates the tier partitions the buckets of {@code partition} need, by the tier's executor; returns what went
         * wrong, if anything.
         */
        private Optional<String> prepareTiers(List<RollupSettings.Tier> into, TableName partition)
                throws SQLException {
            Optional<RollupPlanner.Span> span = RollupSql.sampleSpan(c, partition, columns);
            if (span.isEmpty()) {
                return Optional.empty();
            }
            for (RollupSettings.Tier tier : into) {
                TableName table = tableOf(tier);
                // the tier's maintenance has just read it; read again only after this pass created partitions in it
                TableSnapshot snapshot = tierSnapshots.containsKey(tier) ? tierSnapshots.get(tier)
                        : CatalogReader.read(c, table);
                TimeGrid grid = new TimeGrid(tier.partitionInterval(), settings.zone(), KeyType.TIMESTAMPTZ);
                Optional<List<CreatePartition>> creates = RollupPlanner.tierCreates(grid, snapshot, span.get(),
                        keepFrom(tier, settings, now), partition.name());
                if (creates.isEmpty()) {
                    return Optional.of("its sample times (" + span.get().oldest() + " to " + span.get().newest()
                            + ") would need more than " + RollupPlanner.MAX_TIER_CREATES + " partitions of " + table);
                }
                if (creates.get().isEmpty()) {
                    continue;
                }
                PartitionExecutor.Result r = new PartitionExecutor(where.dataSource(), where.target(),
                        new PartitionExecutor.Parent(table, RollupSettings.TIER_KEY, KeyType.TIMESTAMPTZ,
                                Optional.empty()), where.lockPolicy()).apply(List.copyOf(creates.get()));
                if (r.failure().isPresent()) {
                    return Optional.of("tier " + table + ": " + r.failure().get().describe());
                }
                tierSnapshots.put(tier, CatalogReader.read(c, table));
            }
            return Optional.empty();
        }

        /** The steps of the last rollup. */
        private RollupSteps.Stepped lastSteps;

        /**
         * One rollup, in steps of about {@code spec.historyPace.rollupStepRows} rows (one second's worth under a cap),
         * each its own transaction waiting at most the DDL lock timeout for its locks (a retirement of the partition,
         * say), paced between steps.
         */
        private RollupSql.Rolled rollUpIn(List<RollupSettings.Tier> into, RollupSql.RawPartition partition)
                throws SQLException, InterruptedException {
            List<RollupSql.Tier> tiers = into.stream().map(t -> new RollupSql.Tier(tableOf(t), t.resolution(),
                    t.retention(), Optional.of(keepFrom(t, settings, now)))).toList();
            if (pace == null) {
                // the signal is read on this connection between the steps, outside their transactions
                pace = new Pace(Pace.Work.ROLLUP, settings.pace(), signals.on(c), Pace.Ticker.SYSTEM, where.clock());
            }
            Pace stepPace = pace;
            lastSteps = RollupSteps.rollUp(c, tables, partition, tiers, settings.pace().rollupStepTarget(),
                    where.lockPolicy().lockTimeout().toMillis(), new RollupSteps.Stepper() {
                        @Override
                        public void beforeStep() throws InterruptedException {
                            stepPace.beforeStep();
                        }

                        @Override
                        public void stepDone(long rows, long walBytes) {
                            stepPace.stepDone(rows);
                        }
                    });
            wal = wal.plus(lastSteps);
            return lastSteps.rolled();
        }

        /** What the status shows of each tier: its table, what the ledger says of it, and its lag. */
        private List<TierState> tierStates(ObservedTable observed) throws SQLException {
            Map<String, RollupSql.TierLedger> summaries = shared ? RollupSql.tierLedgers(c, tables) : Map.of();
            List<RollupPartition> due = RollupPlanner.due(observed, rollups, ledger, now);
            List<TierState> tiers = new ArrayList<>();
            for (RollupSettings.Tier tier : rollups.tiers()) {
                Duration lag = due.stream().filter(d -> d.tiers().contains(tier.qualified())).findFirst()
                        .map(d -> Duration.between(settings.instantOf(rawSnapshot.keyType(), d.range().to())
                                .plus(rollups.grace()), now))
                        .filter(d -> !d.isNegative()).orElse(Duration.ZERO);
                tiers.add(new TierState(tier, Optional.ofNullable(tierSnapshots.get(tier)),
                        summaries.getOrDefault(tier.qualified(), RollupSql.TierLedger.EMPTY), lag));
            }
            return tiers;
        }
    }

    /** The finding of a rollup that left rows out: the partition, how many, and one of them by its id. */
    static Finding refused(RollupSql.Rolled r) {
        long n = r.rowsRefused();
        return new Finding(Reason.ROLLUP_REFUSED_ROWS, r.partition() + ": " + n + (n == 1 ? " row was" : " rows were")
                + " left out of the rollup" + r.refusedExample().map(id -> " (metric_id " + id + (n == 1 ? ")"
                        : " among them)")).orElse("") + ": labels nested deeper than "
                + SeriesFingerprint.MAX_LABEL_DEPTH + " levels have no series fingerprint. The partition's other "
                + "rows are rolled up, and it is retired past retention as usual");
    }

    /** The mapping of the raw table's columns for a policy: its {@code sampleTimeColumn}, read in its zone. */
    static MetricColumns columnsOf(Connection c, TableName raw, MetricPolicySettings settings) throws SQLException {
        return MetricSchema.columns(c, raw, settings.sampleTimeColumn(), settings.partitionKey(), settings.zone());
    }

    /**
     * The reason for a table whose columns cannot serve: InvalidSpec when the spec named the sample-time column, else
     * {@code otherwise} (the rollups' or the export's failure).
     */
    static Reason columnReason(MetricPolicySettings settings, Reason otherwise) {
        return settings.sampleTimeColumn().isPresent() ? Reason.INVALID_SPEC : otherwise;
    }

    /**
     * The first bucket a tier keeps: the lower bound of its partition that holds {@code now} less its retention, so
     * that each tier partition holds all the buckets of its range or none (the history reader trusts a tier from its
     * oldest partition on); the tier's own retention drops that partition when it is wholly past.
     */
    static Instant keepFrom(RollupSettings.Tier tier, MetricPolicySettings settings, Instant now) {
        TimeGrid grid = new TimeGrid(tier.partitionInterval(), settings.zone(), KeyType.TIMESTAMPTZ);
        return grid.instantOf(grid.windowContaining(grid.keyOf(now.minus(tier.retention()))).from());
    }
}
