package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RowExpiry;
import io.noetl.lifecycle.metric.ExportPass;
import io.noetl.lifecycle.metric.RollupPass;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.Coverage;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.partition.postgres.RetentionMemorySql;
import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.partition.report.PartitionReport;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.ReconcileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * One maintenance pass for a parsed policy, the same wherever it runs (the reconciler, the HTTP endpoints, the
 * command line): the checks made before planning, the planner, and {@link MaintenancePass}.
 */
public final class PolicyPass {
    private final DataSource dataSource;
    private final DatabaseTarget target;
    private final LockPolicy lockPolicy;
    private final Clock clock;
    private final Duration maxSkew;
    private ExportPass.Credentials credentials = ExportPass.noSecrets("this pass");
    private ExportPass.Timing exportTiming = ExportPass.Timing.DEFAULT;

    /**
     * Passes over tables of {@code target}, through {@code dataSource}.
     *
     * @param maxSkew how far the operator's clock and the server's may differ while the pass still retires
     *     ({@code lifecycle.clock.max-skew})
     */
    public PolicyPass(DataSource dataSource, DatabaseTarget target, LockPolicy lockPolicy, Clock clock,
            Duration maxSkew) {
        this.dataSource = dataSource;
        this.target = target;
        this.lockPolicy = lockPolicy;
        this.clock = clock;
        this.maxSkew = maxSkew;
    }

    /** Where the export reads the receiver's credentials and CA from ({@code spec.export.secretRef}, {@code caSecretRef}). */
    public PolicyPass withCredentials(ExportPass.Credentials credentials) {
        this.credentials = credentials;
        return this;
    }

    /** How hard the export tries within the pass (tests shorten the waits). */
    public PolicyPass withExportTiming(ExportPass.Timing timing) {
        this.exportTiming = timing;
        return this;
    }

    /**
     * Which retention is in force ({@link RetentionGrace}), from what the database remembers of the table
     * ({@code <schema>.lifecycle_retention}, {@link RetentionMemorySql}), or, when it remembers nothing yet, from
     * {@code fromStatus} (a resource maintained by an operator from before it); recorded there when {@code record}
     * (a pass that may write), so that a resource deleted and created again, renamed, or given to {@code apply --once}
     * in a fresh file finds a shortening waiting where it was.
     */
    public static RetentionGrace.Decision retention(DataSource dataSource, TablePolicySettings settings,
            RetentionGrace.Memory fromStatus, Instant now, boolean record) throws java.sql.SQLException {
        TableName table = tableOf(settings);
        try (java.sql.Connection c = dataSource.getConnection()) {
            RetentionGrace.Memory kept = RetentionMemorySql.read(c, table);
            RetentionGrace.Decision decision = RetentionGrace.decide(settings,
                    kept.inForce().isPresent() ? kept : fromStatus, now);
            if (record) {
                RetentionMemorySql.record(c, table, decision.memory());
            }
            return decision;
        }
    }

    /** The table a policy keeps. */
    public static TableName tableOf(TablePolicySettings settings) {
        return new TableName(settings.schema(), settings.table());
    }

    /**
     * Runs one pass. It plans against the database server's clock, read in the observe transaction: creating and
     * retiring follow the time the rows are written by. When the operator's clock ({@code now}) and the server's
     * differ by more than {@code maxSkew}, one of them is wrong and nobody can tell which: the pass still creates
     * what the server's time needs but retires nothing, and its plan says so first ({@code ClockSkew}). Every
     * retirement proves under its lock that the partition holds no key at or after the retention cutoff of the
     * server's clock ({@link PartitionExecutor#proving}).
     *
     * @param bootstrap how to create the table when it is missing; empty to never create it
     * @param narrow keeps the part of the plan the caller may act on (for example only the drops)
     * @param now the operator's clock
     * @param apply false to plan only
     */
    public MaintenancePass.Outcome run(TablePolicySettings settings, Optional<MaintenancePass.Bootstrapper> bootstrap,
            UnaryOperator<Plan> narrow, Instant now, boolean apply) throws ReconcileException {
        long started = System.nanoTime();
        // rollups first: a raw partition they roll up in this pass may be retired in it
        Optional<RollupPass.Outcome> rollups = settings instanceof MetricPolicySettings m && m.rollups().enabled()
                ? Optional.of(new RollupPass(dataSource, target, lockPolicy, clock).run(m, now, apply))
                : Optional.empty();
        // then the export: a raw partition it confirms in this pass may be retired in it
        Optional<ExportPass.Outcome> export = settings instanceof MetricPolicySettings m && m.export().enabled()
                ? Optional.of(new ExportPass(dataSource, target, credentials, exportTiming).run(m, now, apply))
                : Optional.empty();
        TableName table = tableOf(settings);
        return new MaintenancePass(dataSource, target, table, lockPolicy, clock)
                .gated(rollups.map(r -> r.gate(table)))
                // a tier's export gates that tier's retirements (in the rollups), not the raw table's
                .exportGated(export.filter(e -> e.settings().tier().isEmpty()).map(e -> e.gate(table)))
                // NoETL's per-row TTL, unless the spec retires by bounds alone
                .expiryGated(settings instanceof MetricPolicySettings m && m.rowExpiry() == RowExpiry.Honor
                        ? Optional.of(m.zone()) : Optional.empty())
                .run(bootstrap, snapshot -> {
                    Instant serverNow = serverNow(snapshot, now);
                    Plan plan = narrow.apply(PartitionPlanner.plan(plannerPolicy(settings, snapshot, serverNow),
                            snapshot));
                    if (rollups.isPresent()) {
                        plan = withheld(plan, rollups.get());
                    }
                    if (export.isPresent() && export.get().settings().tier().isEmpty()) {
                        plan = unexported(plan, export.get(), table);
                    }
                    // the operator's clock as of this observation: the rollups and the export may have taken minutes
                    Optional<Finding> skew = skew(now.plusNanos(System.nanoTime() - started), serverNow, maxSkew);
                    return skew.isPresent() ? plan.withoutRetirements().withFindingFirst(skew.get()) : plan;
                }, settings::retentionCutoffSql, apply).withRollups(rollups).withExport(export);
    }

    /**
     * {@code plan} without the retirements of raw partitions the ledger does not show rolled into every tier (all of
     * them while a tier is lost), each reported as {@code RollupPending}; the executor checks again under its lock.
     */
    static Plan withheld(Plan plan, RollupPass.Outcome rollups) {
        return withholding(plan, rollups::retirable, rollups.tierLost() ? Optional.empty() : Optional.of(names ->
                new Finding(Reason.ROLLUP_PENDING, names.size() + " partition(s) past retention wait for their rollup "
                        + "into every tier before they are retired: " + listed(names))));
    }

    /**
     * {@code plan} without the retirements of raw partitions the export ledger does not show confirmed at the
     * receiver, reported as {@code ExportPending}, and, under {@code refusedRows: Hold}, of those confirmed whose
     * export refused rows, reported as {@code ExportRefusedRows}; the executor checks both again under its lock.
     */
    public static Plan unexported(Plan plan, ExportPass.Outcome export, TableName raw) {
        Plan confirmed = withholding(plan, export::confirmed, Optional.of(names -> new Finding(Reason.EXPORT_PENDING,
                names.size() + " partition(s) past retention wait for their export to " + export.settings().target()
                        + " to be confirmed before they are retired: " + listed(names))));
        return withholding(confirmed, name -> !export.held(name), Optional.of(names -> new Finding(
                Reason.EXPORT_REFUSED_ROWS, names.size() + " partition(s) past retention are kept because their "
                        + "export refused rows, which are at no receiver (spec.export.refusedRows: Hold): "
                        + listed(names.stream().map(export::heldPartition).toList()) + "; "
                        + export.gate(raw).howToRelease())));
    }

    /**
     * {@code plan} without the retirements whose partition {@code retirable} refuses, with {@code finding} of their
     * names first among the findings (none when it is empty).
     */
    private static Plan withholding(Plan plan, java.util.function.Predicate<String> retirable,
            Optional<java.util.function.Function<List<String>, Finding>> finding) {
        List<PlannedAction> waiting = plan.actions().stream().filter(a -> a.retires() && !retirable.test(
                a.partition())).toList();
        if (waiting.isEmpty()) {
            return plan;
        }
        List<PlannedAction> kept = plan.actions().stream().filter(a -> !waiting.contains(a)).toList();
        List<Finding> findings = new ArrayList<>(plan.findings());
        finding.ifPresent(f -> findings.add(0, f.apply(waiting.stream().map(PlannedAction::partition).toList())));
        return new Plan(kept, findings, plan.deferred());
    }

    /** At most five names, then an ellipsis. */
    private static String listed(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(names.size(), 5))) + (names.size() > 5 ? ", ..." : "");
    }

    /** The server's clock as of {@code snapshot}; {@code fallback} for a snapshot read from no server. */
    public static Instant serverNow(TableSnapshot snapshot, Instant fallback) {
        return snapshot.serverTime().orElse(fallback);
    }

    /** The {@code ClockSkew} finding when the two clocks differ by more than {@code max}. */
    static Optional<Finding> skew(Instant operator, Instant server, Duration max) {
        Duration skew = Duration.between(server, operator);
        if (skew.abs().compareTo(max) <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Finding(Reason.CLOCK_SKEW, "the operator's clock (" + operator.truncatedTo(
                ChronoUnit.SECONDS) + ") is " + DurationSpec.format(skew.abs().truncatedTo(ChronoUnit.SECONDS))
                + (skew.isNegative() ? " behind" : " ahead of") + " the database server's (" + server.truncatedTo(
                        ChronoUnit.SECONDS) + "), more than lifecycle.clock.max-skew (" + DurationSpec.format(max)
                + "): partitions are created for the server's time, and nothing is retired until the clocks agree"));
    }

    /** The bootstrap a policy's spec asks for; empty for {@code bootstrap: Never}. */
    public static Optional<MaintenancePass.Bootstrapper> bootstrapper(TablePolicySettings settings) {
        if (settings.bootstrap() != Bootstrap.IfMissing) {
            return Optional.empty();
        }
        TableName table = tableOf(settings);
        if (settings instanceof EventPlanSettings e) {
            return Optional.of(c -> SeedSchema.ensureEventTable(c, table, e.defaultPartition(), e.layout()));
        }
        if (settings instanceof MetricPolicySettings) {
            return Optional.of(c -> SeedSchema.ensureMetricTable(c, table));
        }
        throw new IllegalArgumentException("no bootstrap for " + settings.getClass().getSimpleName());
    }

    /**
     * Writes what the status shows of a snapshot (partition count, sizes, coverage, gaps, default-partition rows,
     * unmanaged partitions with their reasons) into {@code status}: the reconciler after each pass, and the
     * command line so that it tells what the status would.
     *
     * @param policy the planner policy for {@code snapshot} ({@link #plannerPolicy})
     */
    public static Coverage observed(PartitionedTableStatus status, TablePolicySettings settings,
            TableSnapshot snapshot, PartitionPlanner.Policy policy) {
        return PartitionReport.observed(status, snapshot, policy.now(), p -> PartitionPlanner.classify(policy, p),
                settings::timeOf);
    }

    /** The planner policy for a snapshot, refusing tables the policy cannot manage (as the reconciler does). */
    public static PartitionPlanner.Policy plannerPolicy(TablePolicySettings settings, TableSnapshot snapshot,
            Instant now) throws ReconcileException {
        if (!settings.partitionKey().equals(snapshot.keyColumn())) {
            throw new ReconcileException(Reason.PARTITION_KEY_MISMATCH, snapshot.schema() + "." + snapshot.table()
                    + " is partitioned on " + snapshot.keyColumn() + ", not on spec.partitionKey "
                    + settings.partitionKey());
        }
        Optional<String> unsupported = settings.unsupportedKey(snapshot.keyType());
        if (unsupported.isPresent()) {
            throw new ReconcileException(Reason.PARTITION_KEY_MISMATCH, unsupported.get());
        }
        try {
            return settings.plannerPolicy(snapshot.keyType(), now);
        } catch (ArithmeticException e) {
            throw new ReconcileException(Reason.INVALID_SPEC, "the id layout cannot express the needed ranges: "
                    + e.getMessage());
        }
    }
}
