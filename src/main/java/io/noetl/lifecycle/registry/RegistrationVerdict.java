package io.noetl.lifecycle.registry;

import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.report.Verdict.Mark;
import io.noetl.lifecycle.report.Verdict.Notice;
import io.noetl.lifecycle.report.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The verdict of a RuntimeComponent reconcile, a pure function of the {@link Mode}, the claim on the registry key
 * (free, or held by a resource that declared it first) and what the registrar did: no cluster, no database.
 */
public final class RegistrationVerdict {
    private RegistrationVerdict() {
    }

    /**
     * What one registration found.
     *
     * @param key the registry key, {@code type/name}
     * @param outcome the registrar's
     * @param shownId the runtime_id the status showed before, if any
     * @param phase the row's phase now; empty when there is no row
     * @param heartbeatTimeout the spec's, for the message of a stale heartbeat
     * @param nextLook when the phase can next change (ComponentLiveness.nextLook)
     */
    public record Registration(String key, ComponentRegistrar.Outcome outcome, Optional<String> shownId,
            Optional<ComponentPhase> phase, Duration heartbeatTimeout, Instant nextLook) {
    }

    /** The registrar ran: registered, or (suspended, dry run) only looked. */
    public static Verdict registered(Mode mode, Registration r) {
        ComponentRegistrar.Outcome o = r.outcome();
        Mark ready = switch (mode) {
            case SUSPEND -> Mark.ready(Reason.SUSPENDED, "suspended: observing only; " + o.note());
            case DRY_RUN -> Mark.ready(Reason.DRY_RUN, "dry run: " + o.note());
            case APPLY -> Mark.ready(Reason.REGISTERED, r.key() + " is registered as runtime_id " + o.row().runtimeId());
        };
        Mark degraded = r.phase().filter(p -> p == ComponentPhase.Stale).isPresent()
                ? Mark.degraded(Reason.HEARTBEAT_STALE, "no heartbeat for more than heartbeatTimeout ("
                        + DurationSpec.format(r.heartbeatTimeout()) + ")")
                : Mark.healthy();
        List<Notice> events = new ArrayList<>();
        if (o.bootstrapped()) {
            events.add(Notice.normal("Bootstrapped", "created the registry noetl.runtime as NoETL's schema describes"));
        }
        if (o.inserted()) {
            // one Event per registration: after an emptied registry every resource registers again at once, and
            // each extra Event is one more write the API server must take before the statuses are current
            String id = Long.toString(o.row().runtimeId());
            if (r.shownId().filter(shown -> !shown.equals(id)).isPresent()) {
                events.add(Notice.warning("RowReplaced", "status showed runtime_id " + r.shownId().get() + "; "
                        + r.key() + " is now registered as runtime_id " + id + " (that row was removed, or the key or "
                        + "database changed; a row elsewhere is left as it is)"));
            } else {
                events.add(Notice.normal(Reason.REGISTERED.code(), r.key() + " registered as runtime_id " + id));
            }
        } else if (o.declaredWritten()) {
            events.add(Notice.normal("RegistrationUpdated", "declared columns of " + r.key() + " updated"));
        }
        if (o.markedOffline()) {
            events.add(Notice.normal("MarkedOffline", r.key()
                    + " set offline: no heartbeat for more than markOfflineAfter"));
        }
        return new Verdict(ready, degraded, events, Optional.empty(), Optional.of(r.nextLook()));
    }

    /** A resource that comes first declares the key for this database: this one writes nothing while it exists. */
    public static Verdict held(String key, String holder, Instant now, Duration retryAfterFailure) {
        return failed(Reason.CONFLICTING_COMPONENT, key + " is already declared for this database by " + holder
                + ", created first; this resource writes nothing while that one exists", now, retryAfterFailure);
    }

    /** The registration could not run: looked at again after the retry delay. */
    public static Verdict failed(Reason reason, String message, Instant now, Duration retryAfterFailure) {
        return new Verdict(Mark.notReady(reason, message), Mark.degraded(reason, message),
                List.of(Notice.warning(reason.code(), message)), Optional.of(reason),
                Optional.of(now.plus(retryAfterFailure)));
    }

    /** The spec cannot be used: nothing runs until it changes. */
    public static Verdict rejected(Reason reason, String message) {
        return new Verdict(Mark.notReady(reason, message), Mark.degraded(reason, message),
                List.of(Notice.warning(reason.code(), message)), Optional.of(reason), Optional.empty());
    }
}
