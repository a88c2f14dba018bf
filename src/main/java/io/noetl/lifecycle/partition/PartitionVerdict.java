package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.report.DegradedFindings;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.report.Verdict.Mark;
import io.noetl.lifecycle.report.Verdict.Notice;
import io.noetl.lifecycle.report.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The verdict of a partition-keeping pass (MetricRetentionPolicy, EventPartitionPlan), a pure function of the
 * {@link Mode}, the {@link TableClaim} and what the pass found: no cluster, no database, no clock of its own. The
 * reconciler writes what it decides; the HTTP endpoints and the command line take their answers from it.
 */
public final class PartitionVerdict {
    /** Findings that also raise a Warning Event: each held a retirement back. */
    private static final Set<Reason> WARNED = Set.of(Reason.CLOCK_SKEW, Reason.PARTITION_HOLDS_RECENT_ROWS,
            Reason.ROLLUP_PENDING, Reason.ROLLUP_FAILED, Reason.ROLLUP_REFUSED_ROWS, Reason.EXPORT_PENDING,
            Reason.EXPORT_FAILED, Reason.EXPORT_UNVERIFIED, Reason.EXPORT_REFUSED_ROWS, Reason.INSECURE_TRANSPORT,
            Reason.ROWS_NOT_EXPIRED);

    private PartitionVerdict() {
    }

    /**
     * What a pass that ran found, in the terms the verdict needs.
     *
     * @param summary the table in a few words ({@code 12 partitions, covered until ...}), Ready's message
     * @param pending how many actions the plan holds (applied or not)
     * @param findings the planner's
     * @param defaultRows rows in the default partition after the pass
     * @param bootstrapped the pass created the table
     * @param applied what the pass applied, in order
     * @param stopped the action the pass stopped at, and why
     * @param held what the bounds on retirements held back, and what the pass made of {@code spec.retention}
     */
    public record Pass(String table, String summary, int pending, List<Finding> findings, long defaultRows,
            boolean bootstrapped, List<PlannedAction> applied, Optional<Stop> stopped, Held held) {

        public Pass {
            findings = List.copyOf(findings);
            applied = List.copyOf(applied);
        }

        /** A pass over {@code table} that found nothing to do and nothing to report. */
        public static Pass of(String table, String summary) {
            return new Pass(table, summary, 0, List.of(), 0, false, List.of(), Optional.empty(), Held.none());
        }

        public Pass withHeld(Held bounds) {
            return new Pass(table, summary, pending, findings, defaultRows, bootstrapped, applied, stopped, bounds);
        }

        public Pass withPending(int count) {
            return new Pass(table, summary, count, findings, defaultRows, bootstrapped, applied, stopped, held);
        }

        public Pass withFindings(List<Finding> planner) {
            return new Pass(table, summary, pending, planner, defaultRows, bootstrapped, applied, stopped, held);
        }

        public Pass withDefaultRows(long rows) {
            return new Pass(table, summary, pending, findings, rows, bootstrapped, applied, stopped, held);
        }

        public Pass withBootstrapped(boolean created) {
            return new Pass(table, summary, pending, findings, defaultRows, created, applied, stopped, held);
        }

        public Pass withApplied(List<PlannedAction> actions) {
            return new Pass(table, summary, pending, findings, defaultRows, bootstrapped, actions, stopped, held);
        }

        public Pass withStopped(Optional<Stop> stop) {
            return new Pass(table, summary, pending, findings, defaultRows, bootstrapped, applied, stop, held);
        }
    }

    /** Event reason: a shortened {@code spec.retention} is seen; it waits {@code spec.retentionChangeGrace}. */
    public static final String RETENTION_SHORTENED = "RetentionShortened";
    /** Event reason: a shortened {@code spec.retention} takes effect. */
    public static final String RETENTION_CHANGE_IN_FORCE = "RetentionChangeInForce";
    /** Event reason: a waiting shortened {@code spec.retention} is set back before it took effect. */
    public static final String RETENTION_CHANGE_WITHDRAWN = "RetentionChangeWithdrawn";

    /**
     * What a pass held back of the retirements its retention calls for, and what it made of {@code spec.retention}
     * ({@link RetentionGrace}), for the Events: a shortened retention seen, withdrawn or taking effect, and
     * retirements left for later passes.
     *
     * @param retention the pass's decision; empty when it made none
     * @param retiring the drops and detaches in the plan
     * @param byCap due, but over {@code maxRetirementsPerPass}
     * @param byGrace expired only under a shortened retention that waits
     * @param maxRetirementsPerPass the limit, 0 for none
     */
    public record Held(Optional<RetentionGrace.Decision> retention, int retiring, int byCap, int byGrace,
            int maxRetirementsPerPass) {

        public static Held none() {
            return new Held(Optional.empty(), 0, 0, 0, 0);
        }

        /** What {@code plan} (made under {@code retention}) holds back. */
        public static Held of(RetentionGrace.Decision retention, Plan plan, int maxRetirementsPerPass) {
            return new Held(Optional.of(retention), (int) plan.actions().stream().filter(PlannedAction::retires)
                    .count(), plan.deferred(Plan.Hold.MAX_RETIREMENTS_PER_PASS).size(),
                    plan.deferred(Plan.Hold.RETENTION_CHANGE_GRACE).size(), maxRetirementsPerPass);
        }
    }

    /** Why a pass stopped part-way: the executor's failure, described with the action it stopped at. */
    public record Stop(Reason reason, String message) {
    }

    /**
     * When the next pass is due after one that worked: the earlier of the periodic run and just after the next
     * partition boundary; after one that failed: {@code retryAfterFailure} from now.
     */
    public record Timing(Instant now, Instant periodic, Instant boundary, Duration retryAfterFailure) {
        Instant next() {
            return boundary.isBefore(periodic) ? boundary : periodic;
        }

        Instant retry() {
            return now.plus(retryAfterFailure);
        }

        /** Timing for a pass that could not learn the table's boundaries (it failed before). */
        public static Timing afterFailure(Instant now, Duration retryAfterFailure) {
            Instant retry = now.plus(retryAfterFailure);
            return new Timing(now, retry, retry, retryAfterFailure);
        }
    }

    /** Why a pass writes nothing to the table. */
    public record HeldBack(Reason reason, String message) {
    }

    /** Whether a pass may write to the table: the mode applies changes and the claim lets it. */
    public static boolean writes(Mode mode, TableClaim claim) {
        return mode.writes() && claim.mayWrite();
    }

    /** Why a pass may not write, if it may not: the mode first (suspend, dry run), then the claim. */
    public static Optional<HeldBack> heldBack(Mode mode, TableClaim claim) {
        if (!mode.writes()) {
            return Optional.of(new HeldBack(mode.observingReason(), "spec." + mode.field()
                    + " is set: the operator changes nothing"));
        }
        if (!claim.mayWrite()) {
            return Optional.of(new HeldBack(Reason.CONFLICTING_POLICY, claim.conflict().orElseThrow().message()));
        }
        return Optional.empty();
    }

    /** The longest message an applied-actions Event carries; the partitions past it are counted, not named. */
    static final int NOTICE_MESSAGE_CAP = 1000;

    /**
     * One Normal Event per kind of action the pass applied (a first pass that creates a table's eight partitions
     * records one {@code CreatePartition}, not eight: each Event is a write to the API server, and a fleet's first
     * passes made thousands). The message names every partition, in the order applied, with why: consecutive ones
     * with the same reason share it ({@code "3 partitions: metric_2026_11_21: current interval; metric_2026_11_22,
     * metric_2026_11_23: kept ready ahead"}). A single action reads as before ({@code "metric_2026_11_22: kept ready
     * ahead"}).
     */
    static List<Notice> appliedNotices(List<PlannedAction> applied) {
        java.util.Map<String, List<PlannedAction>> byKind = new java.util.LinkedHashMap<>();
        applied.forEach(a -> byKind.computeIfAbsent(a.kind(), k -> new ArrayList<>()).add(a));
        return byKind.entrySet().stream().map(e -> Notice.normal(e.getKey(), describeApplied(e.getValue()))).toList();
    }

    private static String describeApplied(List<PlannedAction> actions) {
        if (actions.size() == 1) {
            return actions.get(0).partition() + ": " + actions.get(0).reason();
        }
        StringBuilder out = new StringBuilder(actions.size() + " partitions: ");
        int named = 0;
        for (int i = 0; i < actions.size(); i++) {
            PlannedAction a = actions.get(i);
            boolean last = i + 1 == actions.size() || !actions.get(i + 1).reason().equals(a.reason());
            String part = a.partition() + (last ? ": " + a.reason() + (i + 1 == actions.size() ? "" : "; ") : ", ");
            if (out.length() + part.length() > NOTICE_MESSAGE_CAP) {
                break;
            }
            out.append(part);
            named++;
        }
        if (named < actions.size()) {
            out.append("… and ").append(actions.size() - named).append(" more");
        }
        return out.toString();
    }

    /** A pass that ran (it may have stopped part-way). */
    public static Verdict passed(Mode mode, TableClaim claim, Pass pass, Timing timing) {
        List<Notice> events = new ArrayList<>();
        if (pass.bootstrapped()) {
            events.add(Notice.normal("Bootstrapped", "created " + pass.table()
                    + " and the objects NoETL's schema describes"));
        }
        pass.held().retention().flatMap(d -> retentionNotice(d, pass.held())).ifPresent(events::add);
        events.addAll(appliedNotices(pass.applied()));
        // what kept a retirement from happening is worth a warning even while another reason is shown
        pass.findings().stream().filter(f -> WARNED.contains(f.reason()))
                .forEach(f -> events.add(Notice.warning(f.reason().code(), f.message())));
        if (pass.stopped().isPresent()) {
            Stop stop = pass.stopped().get();
            events.add(Notice.warning(stop.reason().code(), stop.message()));
            return new Verdict(Mark.notReady(stop.reason(), stop.message()), Mark.degraded(stop.reason(),
                    stop.message()), events, Optional.of(stop.reason()), Optional.of(timing.retry()));
        }
        Mark ready;
        Mark degraded;
        Optional<Finding> conflict = claim.conflict();
        if (conflict.isPresent()) {
            ready = claim.mayWrite() ? ready(mode, pass) : Mark.notReady(Reason.CONFLICTING_POLICY,
                    conflict.get().message());
            degraded = Mark.degraded(Reason.CONFLICTING_POLICY, conflict.get().message());
        } else {
            ready = ready(mode, pass);
            degraded = DegradedFindings.mark(pass.findings(), pass.defaultRows());
        }
        long retired = pass.applied().stream().filter(PlannedAction::retires).count();
        if (retired > 0 && pass.held().byCap() > 0) {
            events.add(Notice.normal(Reason.RETIREMENTS_DEFERRED.code(), retired + " retired in this pass, "
                    + pass.held().byCap() + " more past retention wait for later passes (spec.maxRetirementsPerPass "
                    + pass.held().maxRetirementsPerPass() + ")"));
        }
        return new Verdict(ready, degraded, events, Optional.empty(), Optional.of(timing.next()));
    }

    /** The pass could not run (no database, a missing table, ...): looked at again after the retry delay. */
    public static Verdict failed(Reason reason, String message, Timing timing) {
        return new Verdict(Mark.notReady(reason, message), Mark.degraded(reason, message),
                List.of(Notice.warning(reason.code(), message)), Optional.of(reason), Optional.of(timing.retry()));
    }

    /** The spec cannot be used: nothing runs until it changes. */
    public static Verdict rejected(Reason reason, String message) {
        return new Verdict(Mark.notReady(reason, message), Mark.degraded(reason, message),
                List.of(Notice.warning(reason.code(), message)), Optional.of(reason), Optional.empty());
    }

    /** The Event for what a pass made of {@code spec.retention}, if it changed anything. */
    private static Optional<Notice> retentionNotice(RetentionGrace.Decision d, Held held) {
        String to = RetentionGrace.text(d.retention());
        String grace = "spec.retentionChangeGrace " + DurationSpec.exact(d.grace());
        return switch (d.change()) {
            case NONE -> Optional.empty();
            case SEEN -> Optional.of(held.byGrace() > 0
                    ? Notice.warning(RETENTION_SHORTENED, "spec.retention shortened from " + d.shortenedFrom() + " to "
                            + to + ": " + held.byGrace() + (held.byGrace() == 1 ? " partition expires" : " partitions expire")
                            + " under it and " + (held.byGrace() == 1 ? "is" : "are") + " kept until "
                            + d.effectiveAt().orElseThrow() + " (" + grace + "); set spec.retention back to "
                            + d.shortenedFrom() + " before then to keep them")
                    : Notice.normal(RETENTION_SHORTENED, "spec.retention shortened from " + d.shortenedFrom() + " to "
                            + to + ": no partition expires under it yet; it takes effect at "
                            + d.effectiveAt().orElseThrow() + " (" + grace + ")"));
            case TOOK_EFFECT -> {
                int due = held.retiring() + held.byCap();
                // seen by an earlier pass when the same retention was waiting; else it acts at once (a zero grace)
                boolean waited = d.before().waiting().flatMap(RetentionGrace::read).equals(Optional.of(d.retention()));
                String seen = d.before().seenAt().filter(t -> waited).map(t -> " (seen at " + t + ", " + grace + ")")
                        .orElse(" at once (" + grace + ")");
                yield Optional.of(Notice.normal(RETENTION_CHANGE_IN_FORCE, "spec.retention " + to + ", shortened from "
                        + d.shortenedFrom() + ", is in force" + seen + ": " + due
                        + (due == 1 ? " partition is" : " partitions are") + " past it"
                        + (held.maxRetirementsPerPass() > 0 && due > held.maxRetirementsPerPass()
                                ? ", retired " + held.maxRetirementsPerPass() + " a pass, oldest first" : "")));
            }
            case WITHDRAWN -> Optional.of(Notice.normal(RETENTION_CHANGE_WITHDRAWN, "spec.retention is " + to
                    + ": the shortened retention " + d.before().waiting().orElse("?")
                    + d.before().seenAt().map(t -> " seen at " + t).orElse("")
                    + " is withdrawn; nothing was retired for it"));
        };
    }

    private static Mark ready(Mode mode, Pass pass) {
        return switch (mode) {
            case SUSPEND -> Mark.ready(Reason.SUSPENDED, "suspended: observing only; " + pass.pending()
                    + " actions pending; " + pass.summary());
            case DRY_RUN -> Mark.ready(Reason.DRY_RUN, "dry run: " + pass.pending() + " actions planned, none "
                    + "applied; " + pass.summary());
            case APPLY -> Mark.ready(Reason.MAINTAINED, pass.summary());
        };
    }
}
