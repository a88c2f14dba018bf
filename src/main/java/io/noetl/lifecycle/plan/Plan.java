package io.noetl.lifecycle.plan;

import java.util.List;

/** What maintenance would do, in order, and what the planner noticed on the way. */
public record Plan(List<PlannedAction> actions, List<Finding> findings) {

    public boolean isEmpty() {
        return actions.isEmpty();
    }
}
