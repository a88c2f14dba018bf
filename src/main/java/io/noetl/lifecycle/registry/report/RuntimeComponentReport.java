package io.noetl.lifecycle.registry.report;

import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.RuntimeComponentStatus;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.registry.plan.ComponentLiveness;
import io.noetl.lifecycle.registry.plan.DeclaredColumn;
import io.noetl.lifecycle.registry.plan.RegistryRow;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Writes a registry row's view into a RuntimeComponent's status. The heartbeat fields move only when
 * {@link ComponentLiveness#heartbeatReportDue} says so, or when the status is written anyway
 * ({@link #heartbeat}), so looking at a live component does not cost a status write each time.
 */
public final class RuntimeComponentReport {
    private RuntimeComponentReport() {
    }

    /** The row as status shows it; a null row (none, or not this resource's) clears the row's fields. */
    public static void observed(RuntimeComponentStatus status, RegistryRow row, Duration timeout, Instant now) {
        if (row == null) {
            status.setDrift(null);
            status.setRegistered(false);
            status.setRuntimeId(null);
            status.setPhase(null);
            status.setLastHeartbeat(null);
            status.setHeartbeatAge(null);
            return;
        }
        ComponentPhase shownPhase = status.getPhase();
        Instant shown = parse(status.getLastHeartbeat());
        ComponentPhase phase = ComponentLiveness.phase(row, now, timeout);
        status.setRegistered(true);
        status.setRuntimeId(Long.toString(row.runtimeId()));
        status.setPhase(phase);
        if (ComponentLiveness.heartbeatReportDue(shown, shownPhase, row, phase, timeout)) {
            heartbeat(status, row, now);
        }
    }

    /**
     * Shows the declared fields whose columns hold the component's own, other values; none (absent) when they agree
     * or the component has not written its row.
     */
    public static void drift(RuntimeComponentStatus status, List<DeclaredColumn> drift) {
        status.setDrift(drift.isEmpty() ? null : drift.stream().map(DeclaredColumn::shown).toList());
    }

    /** Forgets the row entirely: the resource does not own one (for example a conflicting declaration). */
    public static void notOwned(RuntimeComponentStatus status) {
        observed(status, null, Duration.ZERO, Instant.EPOCH);
        status.setRegistered(null);
    }

    /** Shows the row's current heartbeat and its age now. */
    public static void heartbeat(RuntimeComponentStatus status, RegistryRow row, Instant now) {
        if (row.heartbeat() == null) {
            status.setLastHeartbeat(null);
            status.setHeartbeatAge(null);
        } else {
            status.setLastHeartbeat(row.heartbeat().truncatedTo(ChronoUnit.SECONDS).toString());
            status.setHeartbeatAge(DurationSpec.format(ComponentLiveness.age(row, now)));
        }
    }

    private static Instant parse(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
