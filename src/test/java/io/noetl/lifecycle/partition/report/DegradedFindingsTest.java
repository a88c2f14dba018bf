package io.noetl.lifecycle.partition.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.report.Conditions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The findings list the command line prints, and the Degraded condition made of the same words. */
class DegradedFindingsTest {
    private static final Finding OVERLAP = new Finding(io.noetl.lifecycle.api.Reason.PARTITION_OVERLAP, "the partition for x overlaps y");

    @Test
    void theListHoldsThePlannersFindingsThenTheDefaultRowsGapsAndUnmanagedPartitions() {
        List<Finding> all = DegradedFindings.all(List.of(OVERLAP), 4, 2,
                Map.of(PartitionPlanner.OFF_GRID, 9, PartitionPlanner.UNBOUNDED, 2));

        assertEquals(List.of("PartitionOverlap", "RowsInDefaultPartition", "PartitionGaps", "UnmanagedPartitions"),
                all.stream().map(f -> f.reason().code()).toList());
        assertEquals("2 ranges between the oldest and the newest partition have no partition (status gaps)",
                all.get(2).message());
        assertEquals("11 partitions are not managed and never touched (offGrid: 9, unbounded: 2; status unmanaged)",
                all.get(3).message());
    }

    @Test
    void protectedPartitionsAreUnmanagedOnPurposeAndNeedNobody() {
        assertEquals(List.of(), DegradedFindings.all(List.of(), 0, 0, Map.of(PartitionPlanner.PROTECTED, 3)));
        assertEquals("1 partition is not managed and never touched (offGrid: 1; status unmanaged)",
                DegradedFindings.all(List.of(), 0, 0, Map.of(PartitionPlanner.PROTECTED, 3, PartitionPlanner.OFF_GRID,
                        1)).get(0).message());
    }

    @Test
    void theDegradedConditionUsesTheSameWordsForRowsInTheDefaultPartition() {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        DegradedFindings.report(status, List.of(), 4, 1, Instant.parse("2026-11-21T10:00:00Z"));

        var degraded = status.condition(Conditions.DEGRADED).orElseThrow();
        Finding rows = DegradedFindings.all(List.of(), 4, 0, Map.of()).get(0);
        assertEquals(rows.reason().code(), degraded.getReason());
        assertEquals(rows.message(), degraded.getMessage());
    }
}
