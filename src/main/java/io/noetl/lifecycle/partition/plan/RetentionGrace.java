package io.noetl.lifecycle.partition.plan;

import io.noetl.lifecycle.plan.DurationSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * The wait a shortened retention makes before it retires anything ({@code spec.retentionChangeGrace}): when a spec
 * change, rather than the passage of time, makes partitions expire (retention shortened in Git from 30d to 1d), those
 * partitions are kept for the grace after the change is first seen, so that a bad commit can be reverted before
 * anything is lost. A pure function of the spec, what the resource's status remembers ({@link Memory}) and now.
 *
 * <p>The rules, in order:
 * <ul>
 * <li>Nothing remembered (a new resource, or one whose status predates this): the spec's retention is in force.
 * There is nothing to compare it with; {@code maxRetirementsPerPass} still bounds each pass.</li>
 * <li>The spec keeps at least as long as the retention in force (the same, or lengthened): the spec's is in force
 * at once, since it retires nothing earlier than before. A shortening that was waiting is withdrawn.</li>
 * <li>The spec keeps less: the change is seen now (up to the whole second), unless the same retention was already
 * waiting, in which case it was seen then. Until seen + grace the retention in force stays; from then on the spec's
 * is in force. Another shortening while one waits is a new change, seen now. The grace is the spec's current one,
 * so setting it to {@code 0s} lets a waiting change through at the next pass.</li>
 * </ul>
 */
public final class RetentionGrace {
    /** How status writes a retention that keeps everything (an EventPartitionPlan without {@code spec.retention}). */
    public static final String FOREVER = "forever";

    private RetentionGrace() {
    }

    /**
     * What a resource's status remembers of its retention. Only the reconciler writes it; the HTTP endpoints and the
     * command line read it from the resource they are given.
     *
     * @param inForce the retention retirements followed ({@link #text}); empty when nothing is remembered
     * @param waiting a shortened retention that waits; empty when none does
     * @param seenAt when the waiting retention was first seen
     */
    public record Memory(Optional<String> inForce, Optional<String> waiting, Optional<Instant> seenAt) {
        public static final Memory NONE = new Memory(Optional.empty(), Optional.empty(), Optional.empty());

        public Memory {
            Objects.requireNonNull(inForce, "inForce");
            Objects.requireNonNull(waiting, "waiting");
            Objects.requireNonNull(seenAt, "seenAt");
        }
    }

    /** What a pass made of the spec's retention. */
    public enum Change {
        /** Nothing new: in force as before, or still waiting. */
        NONE,
        /** A shortened retention seen for the first time; it waits. */
        SEEN,
        /** A shortened retention is in force from this pass: its grace has passed, or it is zero. */
        TOOK_EFFECT,
        /** A waiting shortening is gone: the spec keeps as long as the retention in force, or longer. */
        WITHDRAWN
    }

    /**
     * A retention that keeps what the planner must not touch yet.
     *
     * @param inForce the retention still in force; empty when it keeps everything
     * @param why the change, for messages: what it is and when it takes effect
     */
    public record Hold(Optional<Duration> inForce, String why) {
    }

    /**
     * @param retention the spec's; empty when it keeps everything
     * @param inForce what retirements follow in this pass: the spec's, or while it waits the one before it
     * @param seenAt when the waiting retention was first seen; empty when none waits
     * @param effectiveAt when it takes effect; empty when none waits
     * @param before what status remembered before this pass
     * @param grace {@code spec.retentionChangeGrace}
     */
    public record Decision(Optional<Duration> retention, Optional<Duration> inForce, Optional<Instant> seenAt,
            Optional<Instant> effectiveAt, Change change, Memory before, Duration grace) {

        /** Whether a shortened retention waits in this pass. */
        public boolean waiting() {
            return effectiveAt.isPresent();
        }

        /** What status remembers after this pass. */
        public Memory memory() {
            return new Memory(Optional.of(text(inForce)), waiting() ? Optional.of(text(retention)) : Optional.empty(),
                    waiting() ? seenAt : Optional.empty());
        }

        /** The hold the planner applies while the spec's retention waits. */
        public Optional<Hold> hold() {
            return waiting() ? Optional.of(new Hold(inForce, why())) : Optional.empty();
        }

        /** The retention the spec's shortens: the one in force while it waits, the one before when it took effect. */
        public String shortenedFrom() {
            return waiting() || change != Change.TOOK_EFFECT ? text(inForce) : before.inForce().orElse(text(inForce));
        }

        /** While waiting: what changed and when it takes effect. */
        public String why() {
            if (!waiting()) {
                return "spec.retention " + text(retention) + " is in force";
            }
            return "spec.retention was shortened from " + shortenedFrom() + " to " + text(retention) + " at "
                    + seenAt.orElseThrow() + "; it takes effect at " + effectiveAt.orElseThrow()
                    + " (spec.retentionChangeGrace " + DurationSpec.exact(grace) + ") unless set back to "
                    + shortenedFrom();
        }
    }

    /** The decision for a policy's settings. */
    public static Decision decide(TablePolicySettings settings, Memory memory, Instant now) {
        return decide(settings.specRetention(), settings.retentionChangeGrace(), memory, now);
    }

    /**
     * @param retention the spec's; empty when it keeps everything
     * @param grace {@code spec.retentionChangeGrace}, zero to let a shortening act at once
     */
    public static Decision decide(Optional<Duration> retention, Duration grace, Memory memory, Instant now) {
        Optional<Optional<Duration>> remembered = memory.inForce().flatMap(RetentionGrace::read);
        if (remembered.isEmpty()) {
            return new Decision(retention, retention, Optional.empty(), Optional.empty(), Change.NONE, memory, grace);
        }
        Optional<Duration> was = remembered.get();
        if (!shorter(retention, was)) {
            Change change = memory.waiting().isPresent() ? Change.WITHDRAWN : Change.NONE;
            return new Decision(retention, retention, Optional.empty(), Optional.empty(), change, memory, grace);
        }
        boolean known = memory.seenAt().isPresent()
                && memory.waiting().flatMap(RetentionGrace::read).equals(Optional.of(retention));
        Instant seen = known ? memory.seenAt().get() : toSecond(now);
        Instant effective = seen.plus(grace);
        if (grace.isZero() || !now.isBefore(effective)) {
            return new Decision(retention, retention, Optional.empty(), Optional.empty(), Change.TOOK_EFFECT, memory,
                    grace);
        }
        return new Decision(retention, was, Optional.of(seen), Optional.of(effective),
                known ? Change.NONE : Change.SEEN, memory, grace);
    }

    /** Up to the next whole second, so that status shows plain times and the grace is never cut short. */
    private static Instant toSecond(Instant t) {
        Instant whole = t.truncatedTo(ChronoUnit.SECONDS);
        return whole.equals(t) ? t : whole.plusSeconds(1);
    }

    /** Whether {@code a} keeps less than {@code b} (empty keeps everything). */
    public static boolean shorter(Optional<Duration> a, Optional<Duration> b) {
        return a.isPresent() && (b.isEmpty() || a.get().compareTo(b.get()) < 0);
    }

    /** A retention as status writes it: {@link DurationSpec#exact}, or {@link #FOREVER}. */
    public static String text(Optional<Duration> retention) {
        return retention.map(DurationSpec::exact).orElse(FOREVER);
    }

    /** A retention status wrote ({@link #text}); empty when unreadable, so that nothing is taken from it. */
    public static Optional<Optional<Duration>> read(String text) {
        if (FOREVER.equals(text)) {
            return Optional.of(Optional.empty());
        }
        try {
            return Optional.of(Optional.of(DurationSpec.parse(text)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
