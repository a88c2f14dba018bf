package io.noetl.lifecycle.partition.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.EventPartitionPlanStatus;
import io.noetl.lifecycle.api.EventWindow;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.PartitionRef;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.IdWindowGrid;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.Window;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.report.StatusDiff;
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
            partitions.add(new ObservedPartition("p" + i, new io.noetl.lifecycle.partition.plan.KeyRange(2 * i * day + 7,
                    (2 * i + 1) * day + 7), false, 8192, 10));
            actions.add(new PlannedAction.CreatePartition("c" + i, new Window(i * day, (i + 1) * day), "ahead"));
        }
        TableSnapshot snapshot = TableSnapshot.builder().schema("noetl").table("metric").keyColumn("created_at")
                .keyType(KeyType.TIMESTAMPTZ).partitions(partitions).build();
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        PartitionReport.observed(status, snapshot, 0, p -> Optional.of(PartitionPlanner.OFF_GRID), k -> null);
        PartitionReport.planned(status, new Plan(actions, List.of()), KeyType.TIMESTAMPTZ);
        status.setLastMaintenance(PartitionReport.record(Instant.EPOCH, Instant.EPOCH,
                new io.noetl.lifecycle.partition.postgres.PartitionExecutor.Result(actions, Optional.empty(), 0, List.of())));

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

    @Test
    void anIdKeyedTableShowsTheTimeNextToCoveredUntilAndAProtectedPartitionAsProtected() {
        SnowflakeLayout layout = SnowflakeLayout.NOETL;
        IdWindowGrid quarters = new IdWindowGrid(EventWindow.Quarter, layout);
        Instant now = Instant.parse("2026-05-10T00:00:00Z");
        long q2 = layout.boundaryId(Instant.parse("2026-04-01T00:00:00Z"));
        long q3 = layout.boundaryId(Instant.parse("2026-07-01T00:00:00Z"));
        List<ObservedPartition> partitions = List.of(
                new ObservedPartition("event_2026_q2", new KeyRange(q2, q3), false, 8192, 1),
                // on the grid, but named in spec.protect
                new ObservedPartition("event_2026_q1", new KeyRange(layout.boundaryId(
                        Instant.parse("2026-01-01T00:00:00Z")), q2), false, 8192, 1),
                new ObservedPartition("event_2026_gke", new KeyRange(569_000_000_000_000_000L,
                        600_000_000_000_000_000L), false, 8192, 1),
                new ObservedPartition("event_pre", new KeyRange(null, 1L), false, 8192, 1));
        TableSnapshot snapshot = TableSnapshot.builder().schema("noetl").table("event").keyColumn("execution_id")
                .keyType(KeyType.BIGINT).partitions(partitions).build();
        PartitionPlanner.Policy policy = PartitionPlanner.Policy.builder().grid(quarters).tableName("event")
                .now(layout.boundaryId(now)).ahead(2).retentionAction(RetentionAction.Drop)
                .protect(Set.of("event_2026_q1")).build();
        EventPartitionPlanStatus status = new EventPartitionPlanStatus();
        PartitionReport.observed(status, snapshot, policy.now(), p -> PartitionPlanner.classify(policy, p),
                k -> layout.timeOf(k).toString());

        assertEquals(q3 + " (2026-07-01T00:00:00Z)", status.getCoveredUntil());
        assertEquals(Map.of("event_2026_q1", "protected", "event_2026_gke", "offGrid", "event_pre", "unbounded"),
                status.getUnmanaged().stream().collect(java.util.stream.Collectors.toMap(PartitionRef::getName,
                        PartitionRef::getReason)));
        assertEquals(3, status.getUnmanagedCount());
        // the bounds stay ids; the times are beside them
        PartitionRef q1 = status.getUnmanaged().stream().filter(r -> r.getName().equals("event_2026_q1"))
                .findFirst().orElseThrow();
        assertEquals(Long.toString(q2), q1.getTo());
        assertEquals("2026-04-01T00:00:00Z", q1.getToTime());
    }

    @Test
    void aTimeKeyedTableShowsCoveredUntilAsTheTimeAlone() {
        long hour = 3_600_000_000L;
        long from = Instant.parse("2026-11-21T00:00:00Z").getEpochSecond() * 1_000_000L;
        TableSnapshot snapshot = TableSnapshot.builder().schema("noetl").table("metric").keyColumn("created_at")
                .keyType(KeyType.TIMESTAMPTZ).partitions(List.of(new ObservedPartition("metric_2026_11_21",
                        new KeyRange(from, from + 24 * hour), false, 8192, 1))).build();
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        // a MetricRetentionPolicy has no id layout: its settings give no time of a key
        PartitionReport.observed(status, snapshot, from + hour, p -> Optional.empty(), k -> null);
        assertEquals("2026-11-22T00:00:00Z", status.getCoveredUntil());
    }
}
