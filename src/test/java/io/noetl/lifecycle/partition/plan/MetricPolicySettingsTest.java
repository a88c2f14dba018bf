package io.noetl.lifecycle.partition.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RetentionAction;
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
}
