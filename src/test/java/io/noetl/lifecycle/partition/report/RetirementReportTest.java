package io.noetl.lifecycle.partition.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.PendingRetirementRef;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What status remembers of the retention and shows of the retirements held back, read back as it was written. */
class RetirementReportTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final TimeGrid GRID = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);

    /** 30 days 10-22 .. 11-20. */
    private static TableSnapshot thirtyDays() {
        List<ObservedPartition> parts = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Instant from = Instant.parse("2026-10-22T00:00:00Z");
        for (int i = 0; i < 30; i++) {
            String name = GRID.partitionName("metric", GRID.windowContaining(GRID.keyOf(from)));
            parts.add(ObservedPartition.ranged(name, GRID.keyOf(from), GRID.keyOf(from.plus(Duration.ofDays(1)))));
            names.add(name);
            from = from.plus(Duration.ofDays(1));
        }
        return TableSnapshot.builder().schema("noetl").table("metric").keyColumn("created_at")
                .keyType(KeyType.TIMESTAMPTZ).partitions(parts).relationNames(names).build();
    }

    @Test
    void aWaitingShorteningIsShownWithEachPartitionAndWhenItGoesAndRememberedAsWritten() {
        MetricPolicySettings settings = MetricPolicySettings.builder().retention(Duration.ofDays(1))
                .maxRetirementsPerPass(10).build();
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setRetention(new io.noetl.lifecycle.api.RetentionRef("30d", null, null, null));
        RetentionGrace.Decision d = RetentionGrace.decide(settings, RetirementReport.remembered(status), NOW);
        Plan plan = PartitionPlanner.plan(settings.withHold(d.hold()).plannerPolicy(KeyType.TIMESTAMPTZ, NOW),
                thirtyDays());
        RetirementReport.report(status, d, plan, settings, KeyType.TIMESTAMPTZ);

        assertEquals("30d", status.getRetention().getInForce());
        assertEquals("1d", status.getRetention().getShortenedTo());
        assertEquals("2026-11-21T10:00:00Z", status.getRetention().getSeenAt());
        assertEquals("2026-11-21T11:00:00Z", status.getRetention().getEffectiveAt());
        assertEquals(29, (int) status.getPendingRetirementCount());
        assertEquals(20, status.getPendingRetirements().size());
        PendingRetirementRef first = status.getPendingRetirements().get(0);
        assertEquals("metric_2026_10_22", first.getName());
        assertEquals("retentionChangeGrace", first.getHeldBy());
        assertEquals("2026-11-21T11:00:00Z", first.getAt());
        assertEquals(d.memory(), RetirementReport.remembered(status));
    }

    @Test
    void aPartitionTheRetentionInForceExpiresBeforeTheGraceEndsGoesThen() {
        // a grace of 2 days: the 22nd of October ends on the 23rd, 30 days later is the 22nd of November
        MetricPolicySettings settings = MetricPolicySettings.builder().retention(Duration.ofDays(1))
                .retentionChangeGrace(Duration.ofDays(2)).build();
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setRetention(new io.noetl.lifecycle.api.RetentionRef("30d", null, null, null));
        RetentionGrace.Decision d = RetentionGrace.decide(settings, RetirementReport.remembered(status), NOW);
        Plan plan = PartitionPlanner.plan(settings.withHold(d.hold()).plannerPolicy(KeyType.TIMESTAMPTZ, NOW),
                thirtyDays());
        List<PendingRetirementRef> pending = RetirementReport.pending(d, plan, settings, KeyType.TIMESTAMPTZ);
        assertEquals("2026-11-22T00:00:00Z", pending.get(0).getAt());
        assertEquals("2026-11-23T00:00:00Z", pending.get(1).getAt());
        assertEquals("2026-11-23T10:00:00Z", pending.get(2).getAt());
    }

    @Test
    void overTheLimitThereIsNoTimeTheNextPassesTakeThem() {
        MetricPolicySettings settings = MetricPolicySettings.builder().retention(Duration.ofDays(1))
                .maxRetirementsPerPass(10).build();
        RetentionGrace.Decision d = RetentionGrace.decide(settings, RetentionGrace.Memory.NONE, NOW);
        Plan plan = PartitionPlanner.plan(settings.withHold(d.hold()).plannerPolicy(KeyType.TIMESTAMPTZ, NOW),
                thirtyDays());
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        RetirementReport.report(status, d, plan, settings, KeyType.TIMESTAMPTZ);
        assertEquals("1d", status.getRetention().getInForce());
        assertNull(status.getRetention().getShortenedTo());
        assertEquals(19, (int) status.getPendingRetirementCount());
        assertEquals("metric_2026_11_01", status.getPendingRetirements().get(0).getName());
        assertEquals("maxRetirementsPerPass", status.getPendingRetirements().get(0).getHeldBy());
        assertNull(status.getPendingRetirements().get(0).getAt());
        assertEquals(RetentionGrace.Memory.NONE, RetirementReport.remembered(null));
        assertEquals(Optional.of("1d"), RetirementReport.remembered(status).inForce());
    }
}
