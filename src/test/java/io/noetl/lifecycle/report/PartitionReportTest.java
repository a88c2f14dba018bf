package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.plan.KeyType;
import io.noetl.lifecycle.plan.ObservedPartition;
import io.noetl.lifecycle.plan.Plan;
import io.noetl.lifecycle.plan.PlannedAction;
import io.noetl.lifecycle.plan.TableSnapshot;
import io.noetl.lifecycle.plan.Window;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionReportTest {

    @Test
    void statusStaysSmallWhateverTheNumberOfPartitions() {
        long day = 86_400_000_000L;
        List<ObservedPartition> partitions = new ArrayList<>();
        List<PlannedAction> actions = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // every other day missing: 10,000 gaps, all of them unmanaged
            partitions.add(new ObservedPartition("p" + i, new io.noetl.lifecycle.plan.KeyRange(2 * i * day + 7,
                    (2 * i + 1) * day + 7), false, 8192, 10));
            actions.add(new PlannedAction.CreatePartition("c" + i, new Window(i * day, (i + 1) * day), "ahead"));
        }
        TableSnapshot snapshot = new TableSnapshot("noetl", "metric", TableSnapshot.State.PARTITIONED, null,
                "created_at", KeyType.TIMESTAMPTZ, partitions, Optional.empty(), 0, Set.of(), Optional.empty(),
                Map.of());
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        PartitionReport.observed(status, snapshot, 0, p -> "bounds are not on this policy's grid", k -> null);
        PartitionReport.planned(status, new Plan(actions, List.of()), KeyType.TIMESTAMPTZ);
        status.setLastMaintenance(PartitionReport.record(Instant.EPOCH, Instant.EPOCH,
                new io.noetl.lifecycle.postgres.PartitionExecutor.Result(actions, Optional.empty(), 0)));

        assertEquals(20_000, status.getPartitionCount());
        assertEquals(20_000 * 8192L, status.getTotalBytes());
        assertEquals(19_999, status.getGapCount());
        assertEquals(20_000, status.getUnmanagedCount());
        assertEquals(20_000, status.getPlannedActionCount());
        assertEquals(16, status.getLastMaintenance().getCreated().size());
        assertEquals("... and 19985 more", status.getLastMaintenance().getCreated().get(15));
        int bytes = StatusDiff.fingerprint(status).length();
        assertTrue(bytes < 16_000, "status is " + bytes + " bytes");
    }
}
