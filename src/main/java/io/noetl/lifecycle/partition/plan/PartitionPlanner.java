package io.noetl.lifecycle.partition.plan;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreateDefaultPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DetachPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DropPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.MoveDefaultRows;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The pure planner shared by both partition-keeping kinds: {@code (policy, snapshot) -> plan}. No I/O, no
 * clock: "now" comes in the policy.
 *
 * <p>The rules: a partition is <em>managed</em> when both its bounds lie on the grid (one or several whole
 * cells) and it is not protected; everything else is unmanaged and never touched. The plan creates the
 * current cell, {@code ahead} cells beyond it, and every missing cell between the oldest kept managed
 * partition and now (gaps), soonest-needed first. A cell partly covered by an existing partition is shrunk to
 * its free parts. A cell whose range holds rows in the default partition is created by moving those rows
 * (or, when moving is off, skipped and reported). Then managed partitions whose upper bound is at or before
 * {@code expireBefore} are retired, oldest first: at most {@code maxRetirements} of them, and none that expire only
 * under a shortened retention still waiting its grace ({@link Grace}). What is held back is in
 * {@link Plan#deferred()} and reported as {@code RetirementsDeferred}.
 */
public final class PartitionPlanner {
    /** Bound on the cells one plan looks at, so a grid mistake cannot make a plan of millions of actions. */
    public static final int MAX_CELLS = 5_000;
    /** How many cells before the current one a plan looks back at for gaps, whatever they hold. */
    public static final int MAX_LOOKBACK = 100_000;

    /**
     * @param tableName the parent's name, the prefix of partition names
     * @param now the current time in key units
     * @param expireBefore partitions whose upper bound is at or before this key expire; null keeps everything
     * @param ahead cells kept ready beyond the current one
     * @param protect partition names never touched
     * @param moveDefaultRows whether rows the default partition holds for a new cell are moved into it
     * @param defaultPartition the default partition to ensure, or null to leave the default alone
     * @param maxRetirements the most partitions one plan drops or detaches, oldest first; 0 for no limit
     * @param grace while a shortened retention waits: the cutoff still in force; null when none waits
     */
    public record Policy(PartitionGrid grid, String tableName, long now, Long expireBefore, int ahead,
            RetentionAction retentionAction, String archiveSchema, Set<String> protect, boolean moveDefaultRows,
            String defaultPartition, int maxRetirements, Grace grace) {

        public Policy {
            if (maxRetirements < 0) {
                throw new IllegalArgumentException("maxRetirements " + maxRetirements + " < 0");
            }
        }

        /**
         * A builder; {@code grid}, {@code tableName} and {@code now} must be set. Defaults: everything kept (no
         * {@code expireBefore}), {@code ahead} 0, Drop (archive schema {@code archive}), nothing protected, default
         * rows moved, the default partition left alone, no limit on retirements, no grace.
         */
        public static Builder builder() {
            return new Builder();
        }

        /** Builds a {@link Policy}; see {@link Policy#builder()} for the defaults. */
        public static final class Builder {
            private PartitionGrid grid;
            private String tableName;
            private Long now;
            private Long expireBefore;
            private int ahead;
            private RetentionAction retentionAction = RetentionAction.Drop;
            private String archiveSchema = "archive";
            private Set<String> protect = Set.of();
            private boolean moveDefaultRows = true;
            private String defaultPartition;
            private int maxRetirements;
            private Grace grace;

            private Builder() {
            }

            public Builder grid(PartitionGrid grid) {
                this.grid = grid;
                return this;
            }

            public Builder tableName(String tableName) {
                this.tableName = tableName;
                return this;
            }

            public Builder now(long now) {
                this.now = now;
                return this;
            }

            /** Null keeps everything. */
            public Builder expireBefore(Long expireBefore) {
                this.expireBefore = expireBefore;
                return this;
            }

            public Builder ahead(int ahead) {
                this.ahead = ahead;
                return this;
            }

            public Builder retentionAction(RetentionAction retentionAction) {
                this.retentionAction = retentionAction;
                return this;
            }

            public Builder archiveSchema(String archiveSchema) {
                this.archiveSchema = archiveSchema;
                return this;
            }

            public Builder protect(Set<String> protect) {
                this.protect = protect;
                return this;
            }

            public Builder moveDefaultRows(boolean moveDefaultRows) {
                this.moveDefaultRows = moveDefaultRows;
                return this;
            }

            /** The default partition to ensure; null leaves the default alone. */
            public Builder defaultPartition(String defaultPartition) {
                this.defaultPartition = defaultPartition;
                return this;
            }

            /** The most partitions one plan drops or detaches; 0 for no limit. */
            public Builder maxRetirements(int maxRetirements) {
                this.maxRetirements = maxRetirements;
                return this;
            }

            /** The cutoff still in force while a shortened retention waits; null when none waits. */
            public Builder grace(Grace grace) {
                this.grace = grace;
                return this;
            }

            public Policy build() {
                return new Policy(Objects.requireNonNull(grid, "grid"), Objects.requireNonNull(tableName, "tableName"),
                        Objects.requireNonNull(now, "now"), expireBefore, ahead, retentionAction, archiveSchema,
                        protect, moveDefaultRows, defaultPartition, maxRetirements, grace);
            }
        }
    }

    /**
     * A shortened retention waiting its grace: {@code Policy.expireBefore} is the new retention's cutoff, and a
     * partition that expires under it but not under the retention still in force is kept for now.
     *
     * @param expireBefore the cutoff of the retention still in force; null when it keeps everything
     * @param why the change, for the finding (what it is, when it takes effect)
     */
    public record Grace(Long expireBefore, String why) {
        public Grace {
            Objects.requireNonNull(why, "why");
        }
    }

    private PartitionPlanner() {
    }

    public static Plan plan(Policy policy, TableSnapshot snapshot) {
        List<Finding> findings = new ArrayList<>();
        List<ObservedPartition> managed = snapshot.partitions().stream().filter(p -> classify(policy, p).isEmpty())
                .toList();
        Set<String> taken = new HashSet<>(snapshot.relationNames());
        List<PlannedAction> actions = new ArrayList<>(defaultPartition(policy, snapshot, taken, findings));
        actions.addAll(creates(policy, snapshot, managed, taken, findings));
        List<Plan.Deferred> deferred = new ArrayList<>();
        actions.addAll(expiries(policy, managed, deferred, findings));
        reportDisplacedNames(policy, snapshot, managed, findings);
        return new Plan(actions, findings, deferred);
    }

    /** Unmanaged reason: the partition is named in {@code spec.protect} (whatever its bounds). */
    public static final String PROTECTED = "protected";
    /** Unmanaged reason: a bound is MINVALUE or MAXVALUE. */
    public static final String UNBOUNDED = "unbounded";
    /** Unmanaged reason: a bound does not lie on this policy's grid (another layout, odd bounds). */
    public static final String OFF_GRID = "offGrid";

    /**
     * Why a partition is unmanaged ({@link #PROTECTED}, {@link #UNBOUNDED} or {@link #OFF_GRID}, in that order of
     * precedence), or empty when the planner manages it.
     */
    public static Optional<String> classify(Policy policy, ObservedPartition p) {
        if (policy.protect().contains(p.name())) {
            return Optional.of(PROTECTED);
        }
        if (!p.range().isBounded()) {
            return Optional.of(UNBOUNDED);
        }
        if (!policy.grid().isBoundary(p.range().from()) || !policy.grid().isBoundary(p.range().to())) {
            return Optional.of(OFF_GRID);
        }
        return Optional.empty();
    }

    private static List<PlannedAction> defaultPartition(Policy policy, TableSnapshot snapshot, Set<String> taken,
            List<Finding> findings) {
        String wanted = policy.defaultPartition();
        if (wanted == null) {
            return List.of();
        }
        if (snapshot.defaultPartition().isPresent()) {
            String actual = snapshot.defaultPartition().get().name();
            if (!actual.equals(wanted)) {
                findings.add(new Finding(Reason.DEFAULT_PARTITION_NAME, "the default partition is " + actual
                        + ", not " + wanted + "; it is kept as it is"));
            }
            return List.of();
        }
        if (taken.contains(wanted)) {
            findings.add(new Finding(Reason.NAME_COLLISION, "the default partition cannot be created: a relation named "
                    + wanted + " already exists and is not the default partition"));
            return List.of();
        }
        taken.add(wanted);
        return List.of(new CreateDefaultPartition(wanted, "rows outside every partition need a home"));
    }

    private static List<PlannedAction> creates(Policy policy, TableSnapshot snapshot,
            List<ObservedPartition> managed, Set<String> taken, List<Finding> findings) {
        PartitionGrid grid = policy.grid();
        Window current = grid.windowContaining(policy.now());
        long oldestKept = managed.stream().filter(p -> !isExpired(policy, p.range().to()))
                .mapToLong(p -> p.range().from()).min().orElse(current.from());
        Window last = current;
        for (int i = 0; i < policy.ahead(); i++) {
            last = grid.next(last);
        }
        // what writers need comes first and always: the current cell, then ahead in order
        List<Window> wanted = new ArrayList<>();
        for (Window w = current; w.from() <= last.from(); w = grid.next(w)) {
            if (!isExpired(policy, w.to())) {
                wanted.add(w);
            }
        }
        // then the gaps of the past, from the newest back to the oldest partition kept: cells a partition already
        // covers need nothing and do not count; at most MAX_CELLS missing ones a pass, looking back at most
        // MAX_LOOKBACK cells
        java.util.TreeMap<Long, ObservedPartition> byFrom = new java.util.TreeMap<>();
        snapshot.partitions().stream().filter(p -> p.range().isBounded())
                .forEach(p -> byFrom.put(p.range().from(), p));
        int missing = 0;
        int looked = 0;
        boolean truncated = false;
        for (Window w = grid.previous(current); w.from() >= oldestKept; w = grid.previous(w)) {
            if (isExpired(policy, w.to())) {
                break; // every older cell is expired too
            }
            if (++looked > MAX_LOOKBACK || missing == MAX_CELLS) {
                truncated = true;
                break;
            }
            java.util.Map.Entry<Long, ObservedPartition> at = byFrom.floorEntry(w.from());
            if (at != null && at.getValue().range().to() >= w.to()) {
                continue;
            }
            wanted.add(w);
            missing++;
        }
        if (truncated) {
            findings.add(new Finding(Reason.PLAN_TRUNCATED, "more than " + MAX_CELLS + " missing partitions of the "
                    + "past (or more than " + MAX_LOOKBACK + " cells back) would be needed at once; the current and "
                    + "ahead ones and the newest gaps are planned this pass, older gaps in later passes"));
        }

        List<PlannedAction> creates = new ArrayList<>();
        for (Window w : wanted) {
            List<ObservedPartition> overlapping = snapshot.partitions().stream()
                    .filter(p -> p.range().overlaps(w.from(), w.to())).toList();
            List<Window> parts = freeParts(w, overlapping);
            if (parts.isEmpty()) {
                continue;
            }
            if (!overlapping.isEmpty()) {
                findings.add(new Finding(Reason.PARTITION_OVERLAP, "the partition for " + describe(policy, snapshot, w)
                        + " overlaps " + overlapping.get(0).name() + "; only the free part is created: "
                        + parts.stream().map(p -> describe(policy, snapshot, p)).toList()));
            }
            String why = w.equals(current) ? "current interval"
                    : w.from() > current.from() ? "kept ready ahead" : "gap inside retention";
            String canonical = grid.partitionName(policy.tableName(), w);
            for (Window part : parts) {
                PlannedAction action = createOrMove(policy, snapshot, part, canonical, why, taken, findings);
                if (action != null) {
                    creates.add(action);
                }
            }
        }
        return creates;
    }

    private static PlannedAction createOrMove(Policy policy, TableSnapshot snapshot, Window part, String canonical,
            String why, Set<String> taken, List<Finding> findings) {
        Long rows = defaultRowsIn(snapshot, part);
        if (rows != null && rows > 0 && !policy.moveDefaultRows()) {
            findings.add(new Finding(Reason.DEFAULT_PARTITION_CONFLICT, "the default partition holds " + rows
                    + " rows for " + describe(policy, snapshot, part) + "; the partition is not created because "
                    + "spec.moveDefaultRows is false"));
            return null;
        }
        String name = freeName(canonical, taken);
        if (!name.equals(canonical)) {
            findings.add(new Finding(Reason.NAME_COLLISION, "a relation named " + canonical
                    + " already exists with other bounds or is not a partition; the partition is created as " + name));
        }
        taken.add(name);
        if (rows == null || rows > 0) {
            return new MoveDefaultRows(name, part, rows, snapshot.defaultPartition().orElseThrow().name(),
                    why + (rows == null ? "; the default partition may hold "
                    + "rows for it" : "; " + rows + " rows move from the default partition"));
        }
        return new CreatePartition(name, part, why);
    }

    /** Rows of the default partition in {@code w}: 0 when it cannot hold any, null when not counted yet. */
    private static Long defaultRowsIn(TableSnapshot snapshot, Window w) {
        if (snapshot.defaultSpan().isEmpty() || !snapshot.defaultSpan().get().overlaps(w.from(), w.to())) {
            return 0L;
        }
        return snapshot.defaultRowsByRange().get(w.range());
    }

    /** The parts of {@code w} that no partition covers, in key order. */
    private static List<Window> freeParts(Window w, List<ObservedPartition> overlapping) {
        List<KeyRange> taken = overlapping.stream().map(ObservedPartition::range)
                .sorted(Comparator.comparing(KeyRange::from, Comparator.nullsFirst(Comparator.naturalOrder())))
                .toList();
        List<Window> free = new ArrayList<>();
        long cursor = w.from();
        for (KeyRange r : taken) {
            long start = r.from() == null ? Long.MIN_VALUE : r.from();
            if (start > cursor) {
                free.add(new Window(cursor, Math.min(start, w.to())));
            }
            if (r.to() == null) {
                return free;
            }
            cursor = Math.max(cursor, r.to());
            if (cursor >= w.to()) {
                return free;
            }
        }
        if (cursor < w.to()) {
            free.add(new Window(cursor, w.to()));
        }
        return free;
    }

    /**
     * The retirements of this plan, oldest first: the expired managed partitions, less those a waiting grace keeps
     * and those over the limit, which go to {@code deferred} with one {@code RetirementsDeferred} finding.
     */
    private static List<PlannedAction> expiries(Policy policy, List<ObservedPartition> managed,
            List<Plan.Deferred> deferred, List<Finding> findings) {
        if (policy.expireBefore() == null) {
            return List.of();
        }
        List<PlannedAction> due = new ArrayList<>();
        List<Plan.Deferred> graced = new ArrayList<>();
        managed.stream().filter(p -> isExpired(policy, p.range().to()))
                .sorted(Comparator.comparingLong(p -> p.range().from()))
                .forEach(p -> {
                    PlannedAction a = retire(policy, p);
                    if (policy.grace() != null && (policy.grace().expireBefore() == null
                            || p.range().to() > policy.grace().expireBefore())) {
                        graced.add(new Plan.Deferred(a, Plan.Hold.RETENTION_CHANGE_GRACE));
                    } else {
                        due.add(a);
                    }
                });
        int limit = policy.maxRetirements() == 0 ? due.size() : Math.min(policy.maxRetirements(), due.size());
        List<PlannedAction> over = due.subList(limit, due.size());
        over.forEach(a -> deferred.add(new Plan.Deferred(a, Plan.Hold.MAX_RETIREMENTS_PER_PASS)));
        deferred.addAll(graced);
        List<String> why = new ArrayList<>();
        if (!over.isEmpty()) {
            why.add(count(over.size(), "partition") + " past retention " + (over.size() == 1 ? "is" : "are")
                    + " over spec.maxRetirementsPerPass (" + policy.maxRetirements() + " a pass, oldest first) and "
                    + (over.size() == 1 ? "waits" : "wait") + " for later passes: " + span(over));
        }
        if (!graced.isEmpty()) {
            List<PlannedAction> kept = graced.stream().map(Plan.Deferred::action).toList();
            why.add(count(kept.size(), "partition") + (kept.size() == 1 ? " expires" : " expire")
                    + " only under the shortened retention and " + (kept.size() == 1 ? "is" : "are")
                    + " kept until it takes effect (" + span(kept) + "): "
                    + policy.grace().why());
        }
        if (!why.isEmpty()) {
            findings.add(new Finding(Reason.RETIREMENTS_DEFERRED, String.join("; ", why)));
        }
        return List.copyOf(due.subList(0, limit));
    }

    private static PlannedAction retire(Policy policy, ObservedPartition p) {
        return policy.retentionAction() == RetentionAction.Detach
                ? new DetachPartition(p.name(), p.range(), policy.archiveSchema(), "past retention")
                : new DropPartition(p.name(), p.range(), "past retention");
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** The first and last of a run of partitions, oldest first. */
    private static String span(List<PlannedAction> actions) {
        String first = actions.get(0).partition();
        return actions.size() == 1 ? first : first + " to " + actions.get(actions.size() - 1).partition();
    }

    /** A managed partition living under another name because its canonical name is held by something else. */
    private static void reportDisplacedNames(Policy policy, TableSnapshot snapshot, List<ObservedPartition> managed,
            List<Finding> findings) {
        Set<String> partitionNames = new HashSet<>();
        snapshot.partitions().forEach(p -> partitionNames.add(p.name()));
        snapshot.defaultPartition().ifPresent(p -> partitionNames.add(p.name()));
        for (ObservedPartition p : managed) {
            Window cell = policy.grid().windowContaining(p.range().from());
            if (cell.to() != p.range().to()) {
                continue;
            }
            String canonical = policy.grid().partitionName(policy.tableName(), cell);
            if (!p.name().equals(canonical) && snapshot.relationNames().contains(canonical)
                    && !partitionNames.contains(canonical)) {
                findings.add(new Finding(Reason.NAME_COLLISION, "a relation named " + canonical
                        + " that is not a partition of this table holds the name of partition " + p.name()));
            }
        }
    }

    /** A range for messages; ids with the time they stand for next to them. */
    private static String describe(Policy policy, TableSnapshot snapshot, Window w) {
        KeyType type = snapshot.keyType() == null ? KeyType.BIGINT : snapshot.keyType();
        return "[" + type.describe(w.from(), policy.grid()::timeOf) + ", "
                + type.describe(w.to(), policy.grid()::timeOf) + ")";
    }

    private static boolean isExpired(Policy policy, long upperBound) {
        return policy.expireBefore() != null && upperBound <= policy.expireBefore();
    }

    private static String freeName(String canonical, Set<String> taken) {
        if (!taken.contains(canonical)) {
            return canonical;
        }
        for (int i = 1;; i++) {
            String candidate = canonical + "_" + i;
            if (!taken.contains(candidate)) {
                return candidate;
            }
        }
    }
}
