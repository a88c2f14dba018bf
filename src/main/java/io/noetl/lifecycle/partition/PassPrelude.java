package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.postgres.RetirementGate;
import io.noetl.lifecycle.reconcile.ReconcileException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a kind runs in a pass before its table's maintenance, so that what it settles in the pass can be retired in
 * it (the metric kind: its rollups, then its export; EventPartitionPlan has none). The shared pass knows no more of it
 * than its {@link Outcome}: the steps it shows, what it found, which retirements it withholds from the plan, the gates
 * the executor checks again under the retirement lock, and when the next pass should come.
 */
@FunctionalInterface
public interface PassPrelude {
    /** Nothing before the table's maintenance. */
    PassPrelude NONE = (where, now, apply) -> Outcome.NOTHING;

    /**
     * Runs it; {@code now} is the operator's clock, used only where the database does not say its own.
     *
     * @param apply false for suspend and dry-run: only plan
     */
    Outcome run(PassContext where, Instant now, boolean apply) throws ReconcileException;

    /** What a prelude did, in the terms the shared pass needs. */
    interface Outcome {
        Outcome NOTHING = new Outcome() {
        };

        /** Its steps, shown before the table's plan (what ran, or with dry-run and suspend what would). */
        default List<PlannedAction> planned() {
            return List.of();
        }

        /** What it found, reported before the table's findings. */
        default List<Finding> findings() {
            return List.of();
        }

        /**
         * The table's plan without the retirements it does not allow yet, each reported (the executor asks the
         * {@link #gates} again under its lock).
         */
        default Plan withheld(Plan plan) {
            return plan;
        }

        /** The checks the executor makes of every retirement of the table, before its lock and under it. */
        default RetirementGate.Source gates() {
            return RetirementGate.Source.NONE;
        }

        /** How soon the next pass should come when its work was cut short (its time ran out); empty otherwise. */
        default Optional<Duration> continueAfter() {
            return Optional.empty();
        }
    }
}
