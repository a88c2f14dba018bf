package io.noetl.lifecycle.metric.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder starts from a spec's defaults; a wither changes its one field. */
class MetricPolicySettingsTest {

    @Test
    void theBuilderStartsFromASpecThatSetsNothing() throws InvalidSpecException {
        assertEquals(MetricPolicySettings.from(new MetricRetentionPolicySpec()),
                MetricPolicySettings.builder().build());
        MetricPolicySettings s = MetricPolicySettings.builder().table("metric_v2").interval(TimeInterval.HOUR).build();
        assertEquals("noetl", s.schema());
        assertEquals("metric_v2", s.table());
        assertEquals(TimeInterval.HOUR, s.interval());
        assertEquals(7, s.premake());
        assertEquals(Duration.ofDays(1), s.retention());
    }

    @Test
    void withPremakeChangesOnlyPremake() {
        MetricPolicySettings s = MetricPolicySettings.builder().table("metric_v2").interval(TimeInterval.HOUR)
                .retentionAction(RetentionAction.Detach).build();
        assertEquals(MetricPolicySettings.builder().table("metric_v2").interval(TimeInterval.HOUR)
                .retentionAction(RetentionAction.Detach).premake(40).build(), s.withPremake(40));
    }

    @Test
    void theBoundsOnRetirementsDefaultPerKindAndAreCheckedWhenSet() throws InvalidSpecException {
        MetricPolicySettings defaults = MetricPolicySettings.builder().build();
        assertEquals(31, defaults.maxRetirementsPerPass());
        assertEquals(Duration.ofHours(1), defaults.retentionChangeGrace());
        assertEquals(java.util.Optional.empty(), defaults.hold());
        assertEquals(2, EventPlanSettings.from(new io.noetl.lifecycle.api.EventPartitionPlanSpec())
                .maxRetirementsPerPass());

        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setMaxRetirementsPerPass(0);
        spec.setRetentionChangeGrace("0s");
        MetricPolicySettings open = MetricPolicySettings.from(spec);
        assertEquals(0, open.maxRetirementsPerPass());
        assertEquals(Duration.ZERO, open.retentionChangeGrace());
        spec.setRetentionChangeGrace("0");
        assertEquals(Duration.ZERO, MetricPolicySettings.from(spec).retentionChangeGrace());
        spec.setRetentionChangeGrace("2d");
        assertEquals(Duration.ofDays(2), MetricPolicySettings.from(spec).retentionChangeGrace());

        spec.setMaxRetirementsPerPass(-1);
        org.junit.jupiter.api.Assertions.assertThrows(InvalidSpecException.class, () -> MetricPolicySettings.from(spec));
        spec.setMaxRetirementsPerPass(null);
        spec.setRetentionChangeGrace("soon");
        InvalidSpecException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidSpecException.class,
                () -> MetricPolicySettings.from(spec));
        assertEquals(true, e.getMessage().startsWith("spec.retentionChangeGrace:"), e.getMessage());
    }

    @Test
    void aHoldKeepsTheRetentionInForceAsTheGracesCutoff() {
        MetricPolicySettings s = MetricPolicySettings.builder().build()
                .withHold(java.util.Optional.of(new RetentionGrace.Hold(java.util.Optional.of(Duration.ofDays(30)),
                        "why")));
        java.time.Instant now = java.time.Instant.parse("2026-11-21T10:00:00Z");
        PartitionPlanner.Policy p = s.plannerPolicy(KeyType.TIMESTAMPTZ, now);
        TimeGrid grid = new TimeGrid(TimeInterval.DAY, java.time.ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
        assertEquals(grid.keyOf(now.minus(Duration.ofDays(1))), (long) p.expireBefore());
        assertEquals(grid.keyOf(now.minus(Duration.ofDays(30))), (long) p.grace().expireBefore());
        assertEquals("why", p.grace().why());
        assertEquals(31, p.maxRetirements());
    }
}
