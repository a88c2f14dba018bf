package io.noetl.lifecycle.registry.plan;

import io.noetl.lifecycle.api.ComponentPhase;
import java.time.Duration;
import java.time.Instant;

/** A registered component's phase from its row and the time, and when to look at it again. */
public final class ComponentLiveness {
    private ComponentLiveness() {
    }

    /**
     * {@code Registered} before any heartbeat; {@code Offline} when the row says so; {@code Stale} when the
     * heartbeat is more than {@code timeout} old; {@code Live} otherwise (a heartbeat from the future is fresh).
     */
    public static ComponentPhase phase(RegistryRow row, Instant now, Duration timeout) {
        if (row.heartbeat() == null) {
            return ComponentPhase.Registered;
        }
        if (row.offline()) {
            return ComponentPhase.Offline;
        }
        return age(row, now).compareTo(timeout) > 0 ? ComponentPhase.Stale : ComponentPhase.Live;
    }

    /** The heartbeat's age, never negative; zero without a heartbeat. */
    public static Duration age(RegistryRow row, Instant now) {
        if (row.heartbeat() == null || row.heartbeat().isAfter(now)) {
            return Duration.ZERO;
        }
        return Duration.between(row.heartbeat(), now);
    }

    /** Whether {@code markOfflineAfter} (null: never) says the operator should set the row offline now. */
    public static boolean dueToGoOffline(RegistryRow row, Instant now, Duration markOfflineAfter) {
        return markOfflineAfter != null && row.heartbeat() != null && !row.offline()
                && age(row, now).compareTo(markOfflineAfter) > 0;
    }

    /**
     * When to read the row again: after {@code refresh} (the operator's cadence, at most half the timeout), or
     * just after the moment the phase would change by time alone (Live to Stale, or the {@code markOfflineAfter}
     * deadline), whichever comes first.
     */
    public static Instant nextLook(RegistryRow row, Instant now, Duration timeout, Duration markOfflineAfter,
            Duration refresh) {
        Instant next = now.plus(refresh);
        if (row != null && row.heartbeat() != null && !row.offline()) {
            next = earliestAfter(now, next, row.heartbeat().plus(timeout).plusMillis(1));
            if (markOfflineAfter != null) {
                next = earliestAfter(now, next, row.heartbeat().plus(markOfflineAfter).plusMillis(1));
            }
        }
        return next;
    }

    private static Instant earliestAfter(Instant now, Instant current, Instant candidate) {
        return candidate.isAfter(now) && candidate.isBefore(current) ? candidate : current;
    }

    /**
     * How long to wait between looks so that one happens at least every {@code timeout / 2} even though the
     * scheduler only wakes resources on its {@code tick}: the look is due {@code timeout / 2 - tick} later and
     * runs at the first tick after that.
     */
    public static Duration refreshPeriod(Duration timeout, Duration tick) {
        Duration period = timeout.dividedBy(2).minus(tick);
        return period.isNegative() ? Duration.ZERO : period;
    }

    /**
     * Whether status should show a fresh heartbeat now. Yes when the phase changes, when the heartbeat appears,
     * disappears or goes back, and when the one shown is at least {@code timeout} behind the row's; otherwise
     * the shown one stays (so a live component does not cost a status write per look).
     *
     * @param shown the heartbeat status shows, or null
     */
    public static boolean heartbeatReportDue(Instant shown, ComponentPhase shownPhase, RegistryRow row,
            ComponentPhase phase, Duration timeout) {
        if (shownPhase != phase) {
            return true;
        }
        Instant current = row.heartbeat();
        if (shown == null || current == null) {
            return shown != current;
        }
        return current.isBefore(shown) || Duration.between(shown, current).compareTo(timeout) >= 0;
    }
}
