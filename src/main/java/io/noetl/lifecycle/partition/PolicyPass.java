package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.partition.plan.Coverage;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.partition.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.partition.report.PartitionReport;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
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

    /** Passes over tables of {@code target}, through {@code dataSource}. */
    public PolicyPass(DataSource dataSource, DatabaseTarget target, LockPolicy lockPolicy, Clock clock) {
        this.dataSource = dataSource;
        this.target = target;
        this.lockPolicy = lockPolicy;
        this.clock = clock;
    }

    /** The table a policy keeps. */
    public static TableName tableOf(TablePolicySettings settings) {
        return new TableName(settings.schema(), settings.table());
    }

    /**
     * Runs one pass, planned as of {@code now}.
     *
     * @param bootstrap how to create the table when it is missing; empty to never create it
     * @param narrow keeps the part of the plan the caller may act on (for example only the drops)
     * @param apply false to plan only
     */
    public MaintenancePass.Outcome run(TablePolicySettings settings, Optional<MaintenancePass.Bootstrapper> bootstrap,
            UnaryOperator<Plan> narrow, Instant now, boolean apply) throws ReconcileException {
        return new MaintenancePass(dataSource, target, tableOf(settings), lockPolicy, clock).run(bootstrap,
                snapshot -> narrow.apply(PartitionPlanner.plan(plannerPolicy(settings, snapshot, now), snapshot)),
                apply);
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
