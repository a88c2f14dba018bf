package io.noetl.lifecycle.partition.plan;

import io.noetl.lifecycle.api.Reason;
import java.util.List;

/**
 * What maintenance would do, in order, what the planner noticed on the way, and the retirements it holds back
 * ({@link Deferred}): due, but over the limit of one pass, or waiting for a shortened retention to take effect.
 */
public record Plan(List<PlannedAction> actions, List<Finding> findings, List<Deferred> deferred) {

    /** Why a retirement the retention calls for is not in this plan; {@link #field()} is the spec field behind it. */
    public enum Hold {
        /** Due, but over {@code spec.maxRetirementsPerPass}: it goes in a later pass, oldest first. */
        MAX_RETIREMENTS_PER_PASS("maxRetirementsPerPass"),
        /** Expired only under a shortened {@code spec.retention} that has not taken effect yet. */
        RETENTION_CHANGE_GRACE("retentionChangeGrace");

        private final String field;

        Hold(String field) {
            this.field = field;
        }

        /** The spec field that holds the retirement back, as status and the command line show it. */
        public String field() {
            return field;
        }
    }

    /** A drop or detach held back, and why. */
    public record Deferred(PlannedAction action, Hold hold) {
        public Deferred {
            if (!action.retires()) {
                throw new IllegalArgumentException("only retirements are deferred: " + action);
            }
        }
    }

    public Plan {
        actions = List.copyOf(actions);
        findings = List.copyOf(findings);
        deferred = List.copyOf(deferred);
    }

    /** A plan that holds nothing back. */
    public Plan(List<PlannedAction> actions, List<Finding> findings) {
        this(actions, findings, List.of());
    }

    public boolean isEmpty() {
        return actions.isEmpty();
    }

    /** This plan without drops and detaches: none planned, none deferred, no {@code RetirementsDeferred}. */
    public Plan withoutRetirements() {
        return new Plan(actions.stream().filter(a -> !a.retires()).toList(),
                findings.stream().filter(f -> f.reason() != Reason.RETIREMENTS_DEFERRED).toList(), List.of());
    }

    /** This plan with {@code finding} before the planner's. */
    public Plan withFindingFirst(Finding finding) {
        List<Finding> all = new java.util.ArrayList<>(List.of(finding));
        all.addAll(findings);
        return new Plan(actions, List.copyOf(all));
    }

    /** Only this plan's drops and detaches. */
    /** Only this plan's drops and detaches (and those it defers). */
    public Plan onlyRetirements() {
        return new Plan(actions.stream().filter(PlannedAction::retires).toList(), findings, deferred);
    }

    /** The deferred retirements held back by {@code hold}. */
    public List<Deferred> deferred(Hold hold) {
        return deferred.stream().filter(d -> d.hold() == hold).toList();
    }

    /** Ranges whose default-partition rows the plan needs counted before it can be final. */
    public List<KeyRange> uncountedRanges() {
        return actions.stream().filter(a -> a instanceof PlannedAction.MoveDefaultRows m && m.rows() == null)
                .map(PlannedAction::range).toList();
    }
}
