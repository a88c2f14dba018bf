package io.noetl.lifecycle.report;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.Reason;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What one reconcile decided, before anything is written: the {@code Ready} and {@code Degraded} conditions, the
 * Events, the failure the metrics count, and when to look again (empty: only when the resource changes). Each kind
 * computes it with a pure function of the mode, the claim and the outcome ({@code PartitionVerdict},
 * {@code RegistrationVerdict}); the reconciler then writes it in one place, so no branch can forget a part of it.
 */
public record Verdict(Mark ready, Mark degraded, List<Notice> events, Optional<Reason> failure,
        Optional<Instant> nextRun) {

    public Verdict {
        Objects.requireNonNull(ready, "ready");
        Objects.requireNonNull(degraded, "degraded");
        if (!Conditions.READY.equals(ready.type()) || !Conditions.DEGRADED.equals(degraded.type())) {
            throw new IllegalArgumentException("ready and degraded marks are swapped: " + ready + ", " + degraded);
        }
        events = List.copyOf(events);
    }

    /** One condition's value, its reason checked against the reason's {@link Reason.Effect effect}. */
    public record Mark(String type, boolean status, Reason reason, String message) {
        public Mark {
            boolean allowed = Conditions.READY.equals(type)
                    ? status ? reason.effect().readyTrue() : reason.effect().readyFalse()
                    : status ? reason.effect().degraded() : reason.effect() == Reason.Effect.HEALTHY;
            if (!allowed) {
                throw new IllegalArgumentException(reason.name() + " (" + reason.effect() + ") is no reason for "
                        + type + "=" + (status ? "True" : "False"));
            }
        }

        public static Mark ready(Reason reason, String message) {
            return new Mark(Conditions.READY, true, reason, message);
        }

        public static Mark notReady(Reason reason, String message) {
            return new Mark(Conditions.READY, false, reason, message);
        }

        public static Mark degraded(Reason reason, String message) {
            return new Mark(Conditions.DEGRADED, true, reason, message);
        }

        public static Mark healthy() {
            return new Mark(Conditions.DEGRADED, false, Reason.AS_EXPECTED, Conditions.HEALTHY_MESSAGE);
        }
    }

    /** An Event to record: {@code reason} is an Event reason (a condition reason, or an action such as a drop). */
    public record Notice(boolean warning, String reason, String message) {
        public static Notice normal(String reason, String message) {
            return new Notice(false, reason, message);
        }

        public static Notice warning(String reason, String message) {
            return new Notice(true, reason, message);
        }
    }

    /**
     * An unforeseen failure, for {@code updateErrorStatus}: {@code UnexpectedError} with the exception's class and
     * message (credentials in a URL masked, at most 500 characters). No next run of its own: the framework retries.
     */
    public static Verdict unexpected(Exception e) {
        Throwable cause = e.getCause() != null && e.getClass().getName().startsWith("io.javaoperatorsdk")
                ? e.getCause() : e;
        String text = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        text = PASSWORD_PARAMETER.matcher(USER_INFO.matcher(text).replaceAll("$1****@")).replaceAll("$1****");
        if (text.length() > 500) {
            text = text.substring(0, 500) + "...";
        }
        String message = "the reconcile failed unexpectedly (" + text + "); retrying with backoff";
        return new Verdict(Mark.notReady(Reason.UNEXPECTED_ERROR, message), Mark.degraded(Reason.UNEXPECTED_ERROR,
                message), List.of(Notice.warning(Reason.UNEXPECTED_ERROR.code(), message)),
                Optional.of(Reason.UNEXPECTED_ERROR), Optional.empty());
    }

    /** The password of user:password@ in a URL. */
    private static final Pattern USER_INFO = Pattern.compile("(://[^/@\\s:]*:)[^@/\\s]*@");
    /** password=... in a query or a connection string. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(password=)[^&;\\s]*",
            Pattern.CASE_INSENSITIVE);

    /** Writes both conditions into {@code status} and records the Events on {@code resource}. */
    public void applyTo(HasMetadata resource, LifecycleStatus status, long generation, Instant now,
            ResourceEvents recorder) {
        write(status, generation, now);
        record(resource, recorder);
    }

    /** Writes both conditions into {@code status}. */
    public void write(LifecycleStatus status, long generation, Instant now) {
        if (ready.status()) {
            Conditions.markReady(status, ready.reason(), ready.message(), generation, now);
        } else {
            Conditions.markNotReady(status, ready.reason(), ready.message(), generation, now);
        }
        if (degraded.status()) {
            Conditions.markDegraded(status, degraded.reason(), degraded.message(), generation, now);
        } else {
            Conditions.markHealthy(status, generation, now);
        }
    }

    /** Records the Events on {@code resource}. */
    public void record(HasMetadata resource, ResourceEvents recorder) {
        for (Notice n : events) {
            if (n.warning()) {
                recorder.warning(resource, n.reason(), n.message());
            } else {
                recorder.normal(resource, n.reason(), n.message());
            }
        }
    }
}
