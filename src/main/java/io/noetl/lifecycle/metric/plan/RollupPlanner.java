package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.Window;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the rollups of a policy must do next, from what the catalog and the ledger show: which closed raw partitions
 * to roll into which tiers, and which tier partitions a rollup needs first. Pure: the pass reads, this decides.
 */
public final class RollupPlanner {
    /** The most tier partitions one rollup may create for its buckets; more means sample times far from the bounds. */
    public static final int MAX_TIER_CREATES = 400;

    private RollupPlanner() {
    }

    /** The oldest and newest sample time of a raw partition's rows. */
    public record Span(Instant oldest, Instant newest) {
    }

    /**
     * The raw partitions to roll up, oldest first: managed partitions ({@link PartitionPlanner#classify}) whose upper
     * bound plus {@code rollups.grace()} is at or before {@code serverNow}, with the tiers the ledger does not have
     * them in.
     *
     * @param ledger for each raw partition, the tier tables ({@code schema.table}) it is rolled into
     */
    public static List<RollupPartition> due(ObservedTable raw, RollupSettings rollups, Map<String, Set<String>> ledger,
            Instant serverNow) {
        List<RollupPartition> due = new ArrayList<>();
        for (ObservedPartition p : raw.managed()) {
            Instant closesAt = raw.upperOf(p).plus(rollups.grace());
            if (closesAt.isAfter(serverNow)) {
                continue;
            }
            Set<String> done = ledger.getOrDefault(p.name(), Set.of());
            List<String> missing = rollups.tiers().stream().map(RollupSettings.Tier::qualified)
                    .filter(t -> !done.contains(t)).toList();
            if (!missing.isEmpty()) {
                due.add(new RollupPartition(p.name(), p.range(), missing, "closed at " + raw.upperOf(p)
                        + " (+ rollupGrace); into " + String.join(", ", missing)));
            }
        }
        return due;
    }

    /** Whether the ledger has {@code partition} rolled into every tier. */
    public static boolean rolledIntoEvery(RollupSettings rollups, Map<String, Set<String>> ledger, String partition) {
        Set<String> done = ledger.getOrDefault(partition, Set.of());
        return rollups.tiers().stream().allMatch(t -> done.contains(t.qualified()));
    }

    /**
     * The partitions the tier table {@code tier} (on {@code grid}) lacks for the buckets of {@code samples} (their
     * times inclusive), leaving out those wholly before {@code cutoff}, where the tier keeps nothing. Empty when none
     * is needed; {@link Optional#empty()} when more than {@link #MAX_TIER_CREATES} would be.
     *
     * @param rawPartition the raw partition whose samples they are, for the reason of each create
     */
    public static Optional<List<CreatePartition>> tierCreates(TimeGrid grid, TableSnapshot tier, Span samples,
            Instant cutoff, String rawPartition) {
        long from = grid.keyOf(samples.oldest().isBefore(cutoff) ? cutoff : samples.oldest());
        long to = grid.keyOf(samples.newest());
        List<CreatePartition> creates = new ArrayList<>();
        if (to < from) {
            return Optional.of(creates);
        }
        Window w = grid.windowContaining(from);
        while (w.from() <= to) {
            Window window = w;
            boolean covered = tier.partitions().stream().anyMatch(p -> !p.isDefault() && p.range().isBounded()
                    && p.range().from() < window.to() && p.range().to() > window.from());
            if (!covered) {
                if (creates.size() == MAX_TIER_CREATES) {
                    return Optional.empty();
                }
                creates.add(new CreatePartition(grid.partitionName(tier.table(), w), w, "holds buckets of "
                        + rawPartition));
            }
            w = grid.next(w);
        }
        return Optional.of(creates);
    }
}
