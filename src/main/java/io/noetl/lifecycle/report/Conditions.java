package io.noetl.lifecycle.report;

import io.noetl.lifecycle.api.Condition;
import io.noetl.lifecycle.api.ConditionStatus;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.Reason;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets conditions the Kubernetes way: {@code lastTransitionTime} moves only when {@code status} changes, so
 * a reconcile that finds nothing new writes nothing new. Reasons are {@link Reason}s, each set only on the
 * condition its {@link Reason#effect() effect} allows.
 */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String DEGRADED = "Degraded";
    /** Present only while a pass waits for something it shares (the connection budget); removed when it has run. */
    public static final String WAITING = "Waiting";
    /** Degraded=False's message. */
    public static final String HEALTHY_MESSAGE = "nothing needs attention";

    private Conditions() {
    }

    public static void markReady(LifecycleStatus status, Reason reason, String message, long generation,
            Instant now) {
        require(reason, reason.effect().readyTrue(), "Ready=True");
        set(status, READY, ConditionStatus.True, reason, message, generation, now);
    }

    public static void markNotReady(LifecycleStatus status, Reason reason, String message, long generation,
            Instant now) {
        require(reason, reason.effect().readyFalse(), "Ready=False");
        set(status, READY, ConditionStatus.False, reason, message, generation, now);
    }

    public static void markDegraded(LifecycleStatus status, Reason reason, String message, long generation,
            Instant now) {
        require(reason, reason.effect().degraded(), "Degraded=True");
        set(status, DEGRADED, ConditionStatus.True, reason, message, generation, now);
    }

    public static void markHealthy(LifecycleStatus status, long generation, Instant now) {
        set(status, DEGRADED, ConditionStatus.False, Reason.AS_EXPECTED, HEALTHY_MESSAGE, generation, now);
    }

    /** {@code Waiting=True}: the pass waits its turn ({@link Reason.Effect#WAITING}). */
    public static void markWaiting(LifecycleStatus status, Reason reason, String message, long generation,
            Instant now) {
        require(reason, reason.effect() == Reason.Effect.WAITING, "Waiting=True");
        set(status, WAITING, ConditionStatus.True, reason, message, generation, now);
    }

    /** Removes the {@code Waiting} condition (a pass that ran waits no more); whether there was one. */
    public static boolean clearWaiting(LifecycleStatus status) {
        if (status.getConditions() == null || status.getConditions().stream().noneMatch(c -> WAITING.equals(
                c.getType()))) {
            return false;
        }
        List<Condition> kept = new ArrayList<>(status.getConditions());
        kept.removeIf(c -> WAITING.equals(c.getType()));
        status.setConditions(kept);
        return true;
    }

    private static void require(Reason reason, boolean allowed, String condition) {
        if (!allowed) {
            throw new IllegalArgumentException(reason.name() + " (" + reason.effect() + ") is no reason for "
                    + condition);
        }
    }

    private static void set(LifecycleStatus status, String type, ConditionStatus value, Reason reason, String message,
            long generation, Instant now) {
        List<Condition> conditions = status.getConditions() == null ? new ArrayList<>()
                : new ArrayList<>(status.getConditions());
        Condition existing = conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
        String transition = existing != null && value == existing.getStatus()
                && existing.getLastTransitionTime() != null ? existing.getLastTransitionTime()
                        : now.truncatedTo(ChronoUnit.SECONDS).toString();
        Condition updated = new Condition(type, value, reason.code(), message, transition, generation);
        if (existing == null) {
            conditions.add(updated);
        } else {
            conditions.set(conditions.indexOf(existing), updated);
        }
        // Ready first, then the rest by type, so the list is stable
        conditions.sort((a, b) -> READY.equals(a.getType()) ? -1
                : READY.equals(b.getType()) ? 1 : a.getType().compareTo(b.getType()));
        status.setConditions(conditions);
    }
}
