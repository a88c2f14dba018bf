package io.noetl.lifecycle.partition.plan;

import java.util.List;

/** What maintenance would do, in order, and what the planner noticed on the way. */
public record Plan(List<PlannedAction> actions, List<Finding> findings) {

    public boolean isEmpty() {
        return actions.isEmpty();
    }

    /** This plan without drops and detaches. */
    public Plan withoutRetirements() {
        return new Plan(actions.stream().filter(a -> !a.retires()).toList(), findings);
    }

    /** This plan with {@code finding} before the planner's. */
    public Plan withFindingFirst(Finding finding) {
        List<Finding> all = new java.util.ArrayList<>(List.of(finding));
        all.addAll(findings);
        return new Plan(actions, List.copyOf(all));
    }

    /** Only this plan's drops and detaches. */
    public Plan onlyRetirements() {
        return new Plan(actions.stream().filter(PlannedAction::retires).toList(), findings);
    }

    /** Ranges whose default-partition rows the plan needs counted before it can be final. */
    public List<KeyRange> uncountedRanges() {
        return actions.stream().filter(a -> a instanceof PlannedAction.MoveDefaultRows m && m.rows() == null)
                .map(PlannedAction::range).toList();
    }
}
