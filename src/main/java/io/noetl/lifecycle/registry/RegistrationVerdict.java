package io.noetl.lifecycle.registry;

import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.FieldDrift;
import io.noetl.lifecycle.api.Precedence;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.registry.plan.DeclaredColumn;
import io.noetl.lifecycle.report.Verdict.Mark;
import io.noetl.lifecycle.report.Verdict.Notice;
import io.noetl.lifecycle.report.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

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
     * @param shownDrift the difference from the declaration the status showed before ({@code status.drift}); an Event
     *        says so only when it changes
     * @param precedence the spec's, for the messages
     */
    public record Registration(String key, ComponentRegistrar.Outcome outcome, Optional<String> shownId,
            Optional<ComponentPhase> phase, Duration heartbeatTimeout, Instant nextLook, List<FieldDrift> shownDrift,
            Precedence precedence) {
        public Registration {
            shownDrift = shownDrift == null ? List.of() : List.copyOf(shownDrift);
        }

        /** A registration whose status showed no difference, under the default precedence. */
        public Registration(String key, ComponentRegistrar.Outcome outcome, Optional<String> shownId,
                Optional<ComponentPhase> phase, Duration heartbeatTimeout, Instant nextLook) {
            this(key, outcome, shownId, phase, heartbeatTimeout, nextLook, List.of(), Precedence.Component);
        }
    }

    /** Event reason: the declared values were written over the component's own ({@code precedence: Declaration}). */
    public static final String DECLARATION_RESTORED = "DeclarationRestored";

    /** The registrar ran: registered, or (suspended, dry run) only looked. */
    public static Verdict registered(Mode mode, Registration r) {
        ComponentRegistrar.Outcome o = r.outcome();
        Mark ready = switch (mode) {
            case SUSPEND -> Mark.ready(Reason.SUSPENDED, "suspended: observing only; " + o.note());
            case DRY_RUN -> Mark.ready(Reason.DRY_RUN, "dry run: " + o.note());
            case APPLY -> Mark.ready(Reason.REGISTERED, r.key() + " is registered as runtime_id " + o.row().runtimeId());
        };
        List<FieldDrift> drift = o.drift().stream().map(DeclaredColumn::shown).toList();
        String differs = drift.isEmpty() ? null : r.key() + ": the component registered itself with values other "
                + "than declared: " + describe(o.drift()) + (r.precedence() == Precedence.Declaration
                        ? (mode == Mode.APPLY ? "; they are written back (precedence Declaration)"
                                : "; precedence Declaration would write them back")
                        : "; its own stand (precedence Component; see status.drift)");
        Mark degraded;
        if (r.phase().filter(p -> p == ComponentPhase.Stale).isPresent()) {
            degraded = Mark.degraded(Reason.HEARTBEAT_STALE, "no heartbeat for more than heartbeatTimeout ("
                    + DurationSpec.format(r.heartbeatTimeout()) + ")" + (drift.isEmpty() ? ""
                            : "; the component's registered values also differ from the declaration (status.drift)"));
        } else if (!drift.isEmpty()) {
            degraded = Mark.degraded(Reason.DECLARATION_DIFFERS, differs);
        } else {
            degraded = Mark.healthy();
        }
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
        } else if (!o.restored().isEmpty()) {
            // once per change the component made: the next look finds the declared values in place
            events.add(Notice.normal(DECLARATION_RESTORED, r.key() + ": declared values written over the ones the "
                    + "component registered (precedence Declaration): " + o.restored().stream()
                            .map(c -> c.role().specField() + " " + DeclaredColumn.bounded(c.declared()) + " (was "
                                    + (c.row() == null ? "NULL" : DeclaredColumn.bounded(c.row())) + ")")
                            .collect(Collectors.joining(", "))));
        } else if (o.declaredWritten()) {
            events.add(Notice.normal("RegistrationUpdated", "declared columns of " + r.key() + " updated"));
        }
        if (!drift.isEmpty() && !drift.equals(r.shownDrift())) {
            // one Event per change of the difference, not per look
            events.add(Notice.normal(Reason.DECLARATION_DIFFERS.code(), differs));
        }
        if (o.markedOffline()) {
            events.add(Notice.normal("MarkedOffline", r.key()
                    + " set offline: no heartbeat for more than markOfflineAfter"));
        }
        return new Verdict(ready, degraded, events, Optional.empty(), Optional.of(r.nextLook()));
    }

    private static String describe(List<DeclaredColumn> columns) {
        return columns.stream().map(DeclaredColumn::describe).collect(Collectors.joining(", "));
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
