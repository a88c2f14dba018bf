package io.noetl.lifecycle.plan;

import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.plan.PlannedAction.DetachPartition;
import io.noetl.lifecycle.plan.PlannedAction.DropPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pure planner shared by both partition-keeping kinds: {@code (policy, snapshot, now) -> plan}. No I/O, no
 * clock.
 *
 * <p>Rules, in the words of the docs: a partition is <em>managed</em> when both its bounds lie on the grid
 * (one or several whole cells) and it is not protected; everything else is unmanaged and never touched. The
 * plan creates the current cell, {@code ahead} cells beyond it, and every missing cell between the oldest kept
 * managed partition and now (gaps), soonest-needed first; then retires managed partitions whose upper bound
 * is at or before {@code expireBefore}, oldest first.
 */
public final class PartitionPlanner {
    /** Bound on the cells one plan looks at, so a grid mistake cannot make a plan of millions of actions. */
    public static final int MAX_CELLS = 5_000;

    /**
     * @param tableName the parent's name, the prefix of partition names
     * @param now the current time in key units
     * @param expireBefore partitions whose upper bound is at or before this key expire; null keeps everything
     * @param ahead cells kept ready beyond the current one
     * @param protect partition names never touched
     */
    public record Policy(PartitionGrid grid, String tableName, long now, Long expireBefore, int ahead,
            RetentionAction retentionAction, String archiveSchema, Set<String> protect) {
    }

    private PartitionPlanner() {
    }

    public static Plan plan(Policy policy, TableSnapshot snapshot) {
        List<Finding> findings = new ArrayList<>();
        List<ObservedPartition> managed = new ArrayList<>();
        for (ObservedPartition p : snapshot.partitions()) {
            if (classify(policy, p) == null) {
                managed.add(p);
            }
        }
        List<PlannedAction> actions = new ArrayList<>(creates(policy, snapshot, managed, findings));
        actions.addAll(expiries(policy, managed));
        reportDisplacedNames(policy, snapshot, managed, findings);
        return new Plan(List.copyOf(actions), List.copyOf(findings));
    }

    /** Why a partition is unmanaged, or null when the planner manages it. */
    public static String classify(Policy policy, ObservedPartition p) {
        if (policy.protect().contains(p.name())) {
            return "protected by spec.protect";
        }
        if (!p.range().isBounded()) {
            return "unbounded (MINVALUE or MAXVALUE)";
        }
        if (!policy.grid().isBoundary(p.range().from()) || !policy.grid().isBoundary(p.range().to())) {
            return "bounds are not on this policy's grid";
        }
        return null;
    }

    private static List<PlannedAction> creates(Policy policy, TableSnapshot snapshot,
            List<ObservedPartition> managed, List<Finding> findings) {
        PartitionGrid grid = policy.grid();
        Window current = grid.windowContaining(policy.now());
        Window first = current;
        long oldestKept = managed.stream().filter(p -> !isExpired(policy, p.range().to()))
                .mapToLong(p -> p.range().from()).min().orElse(current.from());
        int cells = 0;
        while (first.from() > oldestKept && cells++ < MAX_CELLS) {
            first = grid.previous(first);
        }
        Window last = current;
        for (int i = 0; i < policy.ahead(); i++) {
            last = grid.next(last);
        }

        List<Window> wanted = new ArrayList<>();
        for (Window w = first; w.from() <= last.from() && wanted.size() < MAX_CELLS; w = grid.next(w)) {
            if (!isExpired(policy, w.to())) {
                wanted.add(w);
            }
        }
        if (wanted.size() == MAX_CELLS) {
            findings.add(new Finding("PlanTruncated", "more than " + MAX_CELLS
                    + " partitions would be needed; the first " + MAX_CELLS + " are planned this pass"));
        }
        // soonest needed first: the current cell, then ahead in order, then the past from the newest back
        wanted.sort(Comparator.comparingLong((Window w) -> w.from() < current.from() ? 1 : 0)
                .thenComparingLong(w -> Math.abs(w.from() - current.from())));

        Set<String> taken = new HashSet<>(snapshot.relationNames());
        List<PlannedAction> creates = new ArrayList<>();
        for (Window w : wanted) {
            List<ObservedPartition> overlapping = snapshot.partitions().stream()
                    .filter(p -> p.range().overlaps(w.from(), w.to())).toList();
            if (overlapping.stream().anyMatch(p -> covers(p.range(), w))) {
                continue;
            }
            if (!overlapping.isEmpty()) {
                findings.add(new Finding("PartitionOverlap", "cannot create the partition for ["
                        + w.from() + ", " + w.to() + "): it would overlap " + overlapping.get(0).name()));
                continue;
            }
            String canonical = grid.partitionName(policy.tableName(), w);
            String name = freeName(canonical, taken);
            if (!name.equals(canonical)) {
                findings.add(new Finding("NameCollision", "a relation named " + canonical
                        + " already exists with other bounds or is not a partition; the partition is created as "
                        + name));
            }
            taken.add(name);
            String why = w.equals(current) ? "current interval"
                    : w.from() > current.from() ? "kept ready ahead" : "gap inside retention";
            creates.add(new CreatePartition(name, w, why));
        }
        return creates;
    }

    private static List<PlannedAction> expiries(Policy policy, List<ObservedPartition> managed) {
        if (policy.expireBefore() == null) {
            return List.of();
        }
        return managed.stream().filter(p -> isExpired(policy, p.range().to()))
                .sorted(Comparator.comparingLong(p -> p.range().from()))
                .map(p -> (PlannedAction) (policy.retentionAction() == RetentionAction.Detach
                        ? new DetachPartition(p.name(), p.range(), policy.archiveSchema(), "past retention")
                        : new DropPartition(p.name(), p.range(), "past retention")))
                .toList();
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
                findings.add(new Finding("NameCollision", "a relation named " + canonical
                        + " that is not a partition of this table holds the name of partition " + p.name()));
            }
        }
    }

    private static boolean isExpired(Policy policy, long upperBound) {
        return policy.expireBefore() != null && upperBound <= policy.expireBefore();
    }

    private static boolean covers(KeyRange r, Window w) {
        return (r.from() == null || r.from() <= w.from()) && (r.to() == null || r.to() >= w.to());
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
