package io.noetl.lifecycle.report;

import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.plan.Finding;
import java.time.Instant;
import java.util.List;

/** The {@code Degraded} condition of a pass that succeeded: what the planner noticed, or rows in the default. */
public final class DegradedFindings {
    private DegradedFindings() {
    }

    public static void report(LifecycleStatus status, List<Finding> findings, long defaultRows, long generation,
            Instant now) {
        if (!findings.isEmpty()) {
            Finding first = findings.get(0);
            String more = findings.size() > 1 ? " (and " + (findings.size() - 1) + " more findings)" : "";
            Conditions.markDegraded(status, first.reason(), first.message() + more, generation, now);
        } else if (defaultRows > 0) {
            Conditions.markDegraded(status, Reason.ROWS_IN_DEFAULT_PARTITION, defaultRows
                    + " rows are in the default partition: they fell outside every partition's range", generation, now);
        } else {
            Conditions.markHealthy(status, generation, now);
        }
    }
}
