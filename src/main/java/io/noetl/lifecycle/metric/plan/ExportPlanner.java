package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the export of a policy must do next and how far it has come, from what the catalog and the ledgers show:
 * which partitions are closed (and, for a tier's export, final), which of them are due, the watermark and the lag.
 * Pure: the export pass reads and sends, this decides.
 */
public final class ExportPlanner {
    private ExportPlanner() {
    }

    /** A closed partition: its name and range, its upper bound, and when it closed (the upper bound plus the grace). */
    public record Closed(String name, KeyRange range, Instant upperBound, Instant closedAt) {
    }

    /**
     * When a tier partition's buckets are final: a raw partition adds to the buckets of its rows' sample times, which
     * may lie before its own lower bound (rows written late), so a tier partition up to {@code upper} is final once
     * every raw partition that begins at or before {@code upper} (the one holding {@code upper} included, for its
     * late rows) is rolled into the tier, or gone.
     *
     * @param raw the raw table's ranged partitions: where each begins, and whether the ledger has it in the tier
     */
    public record TierFinality(List<RawPartition> raw) {
        /** A raw partition: its name, the instant it begins at, and whether it is rolled into the tier. */
        public record RawPartition(String name, Instant from, boolean rolled) {
        }

        public TierFinality {
            raw = List.copyOf(raw);
        }

        /**
         * The finality of tier {@code tier} ({@code schema.table}) over the raw table {@code raw}, whose rollup ledger
         * is {@code ledger} (for each raw partition, the tier tables it is rolled into).
         */
        public static TierFinality of(TableSnapshot raw, TablePolicySettings rawSettings,
                Map<String, Set<String>> ledger, String tier) {
            List<RawPartition> partitions = new ArrayList<>();
            for (ObservedPartition p : raw.partitions()) {
                if (!p.isDefault() && p.range().isBounded()) {
                    partitions.add(new RawPartition(p.name(), rawSettings.instantOf(raw.keyType(), p.range().from()),
                            ledger.getOrDefault(p.name(), Set.of()).contains(tier)));
                }
            }
            return new TierFinality(partitions);
        }

        /** Whether the tier's buckets up to {@code upper} can change no more. */
        public boolean isFinal(Instant upper) {
            return raw.stream().noneMatch(p -> !p.from().isAfter(upper) && !p.rolled());
        }
    }

    /**
     * The closed managed partitions of {@code source}, oldest first: those whose upper bound plus {@code grace} is at
     * or before {@code now} (the rollups' rule) and, for a tier's export, whose buckets are final.
     */
    public static List<Closed> closed(ObservedTable source, Duration grace, Instant now,
            Optional<TierFinality> finality) {
        List<Closed> closed = new ArrayList<>();
        for (ObservedPartition p : source.managed()) {
            Instant upper = source.upperOf(p);
            Instant closesAt = upper.plus(grace);
            if (!closesAt.isAfter(now) && finality.map(f -> f.isFinal(upper)).orElse(true)) {
                closed.add(new Closed(p.name(), p.range(), upper, closesAt));
            }
        }
        return closed;
    }

    /** The closed partitions the ledger does not show confirmed at the receiver: what the export sends, in order. */
    public static List<Closed> due(List<Closed> closed, Predicate<String> confirmed) {
        return closed.stream().filter(p -> !confirmed.test(p.name())).toList();
    }

    /**
     * The newest closed partition confirmed with every closed partition before it (one kept for its refused rows
     * counts: what could be sent of it is at the receiver).
     */
    public static Optional<Closed> watermark(List<Closed> closed, Predicate<String> confirmed) {
        Optional<Closed> mark = Optional.empty();
        for (Closed c : closed) {
            if (!confirmed.test(c.name())) {
                break;
            }
            mark = Optional.of(c);
        }
        return mark;
    }

    /** How long the oldest closed partition not yet confirmed has waited since it closed; zero when none waits. */
    public static Duration lag(List<Closed> closed, Predicate<String> confirmed, Instant now) {
        return closed.stream().filter(c -> !confirmed.test(c.name())).findFirst()
                .map(c -> Duration.between(c.closedAt(), now)).filter(d -> !d.isNegative())
                .orElse(Duration.ZERO);
    }
}
