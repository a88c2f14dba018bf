package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Coverage;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.PartitionExecutor;
import io.noetl.lifecycle.partition.postgres.RetentionMemorySql;
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
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * One maintenance pass for a parsed policy, the same wherever it runs (the reconciler, the HTTP endpoints, the
 * command line): the checks made before planning, the planner, and {@link MaintenancePass}.
 */
public final class PolicyPass {
    private final PassContext where;
    private final Duration maxSkew;
    private PassPrelude prelude = PassPrelude.NONE;

    /**
     * Passes over tables of {@code target}, through {@code dataSource}.
     *
     * @param maxSkew how far the operator's clock and the server's may differ while the pass still retires
     *     ({@code lifecycle.clock.max-skew})
     */
    public PolicyPass(DataSource dataSource, DatabaseTarget target, LockPolicy lockPolicy, Clock clock,
            Duration maxSkew) {
        this.where = new PassContext(dataSource, target, lockPolicy, clock);
        this.maxSkew = maxSkew;
    }

    /**
     * What the policy's kind runs first in the pass, before its table's maintenance (the metric kind: its rollups,
     * then its export); nothing unless set.
     */
    public PolicyPass preceded(PassPrelude prelude) {
        this.prelude = prelude;
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
     * server's clock ({@link PartitionExecutor#proving}), and passes the gates of the kind's prelude.
     *
     * @param bootstrap how to create the table when it is missing; empty to never create it
     * @param narrow keeps the part of the plan the caller may act on (for example only the drops)
     * @param now the operator's clock
     * @param apply false to plan only
     */
    public MaintenancePass.Outcome run(TablePolicySettings settings, Optional<MaintenancePass.Bootstrapper> bootstrap,
            UnaryOperator<Plan> narrow, Instant now, boolean apply) throws ReconcileException {
        long started = System.nanoTime();
        // the kind's work first: what it settles in this pass (a partition rolled up, exported) may be retired in it
        PassPrelude.Outcome first = prelude.run(where, now, apply);
        return new MaintenancePass(where.dataSource(), where.target(), tableOf(settings), where.lockPolicy(),
                where.clock()).gatedBy(first.gates())
                .run(bootstrap, planner(settings, narrow, first, now, started), settings::retentionCutoffSql, apply)
                .withPrelude(first);
    }

    /**
     * The table's plan for the server's clock, narrowed by the caller and then by the prelude, without any retirement
     * while the clocks disagree.
     *
     * @param started when the pass started, on the monotonic clock
     */
    private MaintenancePass.Planner planner(TablePolicySettings settings, UnaryOperator<Plan> narrow,
            PassPrelude.Outcome first, Instant now, long started) {
        return snapshot -> {
            Instant serverNow = serverNow(snapshot, now);
            Plan plan = first.withheld(narrow.apply(PartitionPlanner.plan(plannerPolicy(settings, snapshot, serverNow),
                    snapshot)));
            // the operator's clock as of this observation: the prelude may have taken minutes
            Optional<Finding> skew = skew(now.plusNanos(System.nanoTime() - started), serverNow, maxSkew);
            return skew.isPresent() ? plan.withoutRetirements().withFindingFirst(skew.get()) : plan;
        };
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

    /** {@code create} when the spec says {@code bootstrap: IfMissing}; empty for {@code bootstrap: Never}. */
    public static Optional<MaintenancePass.Bootstrapper> bootstrapper(TablePolicySettings settings,
            MaintenancePass.Bootstrapper create) {
        return settings.bootstrap() == Bootstrap.IfMissing ? Optional.of(create) : Optional.empty();
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
