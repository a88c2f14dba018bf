package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.noetl.lifecycle.api.Condition;
import io.noetl.lifecycle.api.ConditionStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.Reason;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Conditions the Kubernetes way, without a cluster. */
class ConditionsTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00.750Z");
    private static final Instant T1 = T0.plusSeconds(60);

    @Test
    void theTransitionTimeMovesOnlyWhenTheStatusChanges() {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        Conditions.markReady(status, Reason.MAINTAINED, "3 partitions", 1, T0);
        // same status, another reason and message: the condition changes, its transition time does not
        Conditions.markReady(status, Reason.DRY_RUN, "dry run", 2, T1);
        Condition ready = status.condition(Conditions.READY).orElseThrow();
        assertEquals("2026-11-21T10:00:00Z", ready.getLastTransitionTime(), "whole seconds, from the first");
        assertEquals(Reason.DRY_RUN.code(), ready.getReason());
        assertEquals("dry run", ready.getMessage());
        assertEquals(2L, ready.getObservedGeneration());

        Conditions.markNotReady(status, Reason.LOCK_TIMEOUT, "lock", 2, T1);
        ready = status.condition(Conditions.READY).orElseThrow();
        assertEquals(ConditionStatus.False, ready.getStatus());
        assertEquals("2026-11-21T10:01:00Z", ready.getLastTransitionTime());
    }

    @Test
    void readyComesFirstAndEachTypeOnce() {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        Conditions.markHealthy(status, 1, T0);
        Conditions.markReady(status, Reason.MAINTAINED, "ok", 1, T0);
        Conditions.markDegraded(status, Reason.NAME_COLLISION, "taken", 1, T1);
        List<String> types = status.getConditions().stream().map(c -> c.getType() + "=" + c.getStatus()).toList();
        assertEquals(List.of("Ready=True", "Degraded=True"), types);
        Conditions.markHealthy(status, 1, T1);
        Condition degraded = status.condition(Conditions.DEGRADED).orElseThrow();
        assertEquals(Reason.AS_EXPECTED.code(), degraded.getReason());
        assertEquals(Conditions.HEALTHY_MESSAGE, degraded.getMessage());
        assertEquals(2, status.getConditions().size());
    }

    @Test
    void aReasonIsSetOnlyOnTheConditionItsEffectAllows() {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markReady(status, Reason.LOCK_TIMEOUT, "a failure is no Ready=True reason", 1, T0));
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markNotReady(status, Reason.NAME_COLLISION, "a finding does not stop a pass", 1, T0));
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markDegraded(status, Reason.MAINTAINED, "success is not degraded", 1, T0));
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markDegraded(status, Reason.PARTITION_GAPS, "finding-only: listed, never a condition",
                        1, T0));
        assertEquals(List.of(), status.getConditions(), "nothing was written by the refused calls");
    }
}
