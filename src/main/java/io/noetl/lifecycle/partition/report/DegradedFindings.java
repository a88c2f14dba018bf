package io.noetl.lifecycle.partition.report;

import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.report.Conditions;
import io.noetl.lifecycle.report.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@code Degraded} condition of a pass that succeeded: what the planner noticed, or rows in the default; and
 * the same findings as a list, with the gaps and unmanaged partitions the status lists, for the command line.
 */
public final class DegradedFindings {
    private DegradedFindings() {
    }

    public static void report(LifecycleStatus status, List<Finding> findings, long defaultRows, long generation,
            Instant now) {
        Verdict.Mark mark = mark(findings, defaultRows);
        if (mark.status()) {
            Conditions.markDegraded(status, mark.reason(), mark.message(), generation, now);
        } else {
            Conditions.markHealthy(status, generation, now);
        }
    }

    /** Degraded after a pass that worked: the first planner finding (counting the others), else rows in the default. */
    public static Verdict.Mark mark(List<Finding> findings, long defaultRows) {
        if (!findings.isEmpty()) {
            Finding first = findings.get(0);
            String more = findings.size() > 1 ? " (and " + (findings.size() - 1) + " more findings)" : "";
            return Verdict.Mark.degraded(first.reason(), first.message() + more);
        }
        if (defaultRows > 0) {
            Finding rows = rowsInDefaultPartition(defaultRows);
            return Verdict.Mark.degraded(rows.reason(), rows.message());
        }
        return Verdict.Mark.healthy();
    }

    /** Rows in the default partition: they fell outside every partition's range. */
    public static Finding rowsInDefaultPartition(long rows) {
        return new Finding(Reason.ROWS_IN_DEFAULT_PARTITION, rows
                + " rows are in the default partition: they fell outside every partition's range");
    }

    /** Other policies keep the same table in the same database; {@code consequence} says what happens then. */
    public static Finding conflictingPolicy(List<String> rivals, String consequence) {
        return new Finding(Reason.CONFLICTING_POLICY, "other policies keep the same table in the same database: " + rivals
                + consequence);
    }

    /**
     * Every finding about one table that needs a person: the planner's (in its order), rows in the default
     * partition, gaps (status {@code gaps}), and unmanaged partitions that are not protected (status
     * {@code unmanaged}; a protected partition is unmanaged because the spec says so).
     *
     * @param unmanagedByReason unmanaged partitions counted per reason, protected ones included
     */
    public static List<Finding> all(List<Finding> planner, long defaultRows, int gapCount,
            Map<String, Integer> unmanagedByReason) {
        List<Finding> all = new ArrayList<>(planner);
        if (defaultRows > 0) {
            all.add(rowsInDefaultPartition(defaultRows));
        }
        if (gapCount > 0) {
            all.add(new Finding(Reason.PARTITION_GAPS, gapCount + (gapCount == 1 ? " range" : " ranges")
                    + " between the oldest and the newest partition " + (gapCount == 1 ? "has" : "have")
                    + " no partition (status gaps)"));
        }
        Map<String, Integer> needing = new TreeMap<>(unmanagedByReason);
        needing.remove(PartitionPlanner.PROTECTED);
        int count = needing.values().stream().mapToInt(Integer::intValue).sum();
        if (count > 0) {
            all.add(new Finding(Reason.UNMANAGED_PARTITIONS, count + (count == 1 ? " partition is" : " partitions are")
                    + " not managed and never touched (" + needing.entrySet().stream()
                            .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", "))
                    + "; status unmanaged)"));
        }
        return all;
    }
}
