package io.noetl.lifecycle.reconcile;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.plan.Coverage;
import io.noetl.lifecycle.plan.EventPlanSettings;
import io.noetl.lifecycle.plan.MetricPolicySettings;
import io.noetl.lifecycle.plan.PartitionPlanner;
import io.noetl.lifecycle.plan.Plan;
import io.noetl.lifecycle.plan.TablePolicySettings;
import io.noetl.lifecycle.plan.TableSnapshot;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.SeedSchema;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.report.PartitionReport;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * One maintenance pass for a parsed policy outside the reconcile loop (the HTTP endpoints and the command line):
 * the same checks the reconciler makes before planning, the same planner, the same {@link MaintenancePass}.
 */
public final class PolicyPass {

    private PolicyPass() {
    }

    /** The table a policy keeps. */
    public static TableName tableOf(TablePolicySettings settings) {
        return new TableName(settings.schema(), settings.table());
    }

    /**
     * Runs one pass.
     *
     * @param bootstrap null to never create a missing table
     * @param narrow keeps the part of the plan the caller asked for (for example only the drops)
     * @param apply false to plan only
     */
    public static MaintenancePass.Outcome run(DataSource dataSource, DatabaseTarget target,
            TablePolicySettings settings, MaintenancePass.Bootstrapper bootstrap, UnaryOperator<Plan> narrow,
            LockPolicy lockPolicy, Clock clock, boolean apply) throws ReconcileException {
        return run(dataSource, target, settings, bootstrap, narrow, lockPolicy, clock, clock.instant(), apply);
    }

    /** {@link #run(DataSource, DatabaseTarget, TablePolicySettings, MaintenancePass.Bootstrapper, UnaryOperator,
     * LockPolicy, Clock, boolean)}, planned as of {@code now}. */
    public static MaintenancePass.Outcome run(DataSource dataSource, DatabaseTarget target,
            TablePolicySettings settings, MaintenancePass.Bootstrapper bootstrap, UnaryOperator<Plan> narrow,
            LockPolicy lockPolicy, Clock clock, Instant now, boolean apply) throws ReconcileException {
        return new MaintenancePass(dataSource, target, tableOf(settings), lockPolicy, clock).run(bootstrap,
                snapshot -> narrow.apply(PartitionPlanner.plan(plannerPolicy(settings, snapshot, now), snapshot)),
                apply);
    }

    /** The bootstrap a policy's spec asks for, or null for {@code bootstrap: Never}. */
    public static MaintenancePass.Bootstrapper bootstrapper(TablePolicySettings settings) {
        if (settings.bootstrap() != Bootstrap.IfMissing) {
            return null;
        }
        TableName table = tableOf(settings);
        if (settings instanceof EventPlanSettings e) {
            return c -> SeedSchema.ensureEventTable(c, table, e.defaultPartition(), e.layout());
        }
        if (settings instanceof MetricPolicySettings) {
            return c -> SeedSchema.ensureMetricTable(c, table);
        }
        return null;
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
