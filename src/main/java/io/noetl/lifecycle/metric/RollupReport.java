package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.RollupTierStatus;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.partition.report.Sizes;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.report.OperatorMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What status shows of a policy's rollup tiers, and the measures the metrics take of them. */
public final class RollupReport {
    private RollupReport() {
    }

    /** Writes {@code status.rollups} and {@code status.rollupWatermark}; clears both for a policy without rollups. */
    public static void report(MetricRetentionPolicyStatus status, Optional<RollupPass.Outcome> outcome) {
        if (outcome.isEmpty()) {
            status.setRollups(null);
            status.setRollupWatermark(null);
            return;
        }
        List<RollupTierStatus> tiers = new ArrayList<>();
        Optional<Instant> oldest = Optional.empty();
        boolean everyTierHasOne = true;
        for (RollupPass.TierState state : outcome.get().tiers()) {
            RollupTierStatus t = new RollupTierStatus();
            t.setResolution(state.tier().resolution().toString());
            t.setRetention(DurationSpec.format(state.tier().retention()));
            t.setTable(state.tier().qualified());
            state.table().ifPresent(snapshot -> {
                t.setPartitions(snapshot.partitionCount());
                t.setRows(snapshot.partitions().stream().mapToLong(ObservedPartition::estimatedRows)
                        .filter(n -> n > 0).sum());
                t.setBytes(snapshot.totalBytes());
                t.setSize(Sizes.human(snapshot.totalBytes()));
            });
            t.setRolledUpPartitions(state.ledger().partitions());
            t.setRowsRefused(state.ledger().rowsRefused());
            state.ledger().newestPartition().ifPresent(t::setWatermarkPartition);
            state.ledger().watermark().ifPresent(w -> t.setWatermark(w.toString()));
            t.setLagSeconds(state.lag().toSeconds());
            long tierBytes = state.table().map(TableSnapshot::totalBytes).orElse(0L);
            if (tierBytes > 0 && state.ledger().rawBytes() > 0) {
                t.setStorageRatio(String.format(Locale.ROOT, "%.1f", (double) state.ledger().rawBytes() / tierBytes));
            }
            tiers.add(t);
            if (state.ledger().watermark().isEmpty()) {
                everyTierHasOne = false;
            } else if (oldest.isEmpty() || state.ledger().watermark().get().isBefore(oldest.get())) {
                oldest = state.ledger().watermark();
            }
        }
        status.setRollups(tiers);
        status.setRollupWatermark(everyTierHasOne ? oldest.map(Instant::toString).orElse(null) : null);
    }

    /** The measures of each tier for {@link OperatorMetrics#rollupPass}. */
    public static List<OperatorMetrics.TierMeasures> measures(RollupPass.Outcome outcome, MetricPolicySettings settings) {
        Duration interval = nominal(settings.interval());
        return outcome.tiers().stream().map(t -> new OperatorMetrics.TierMeasures(t.tier().resolution().toString(),
                t.lag(), interval)).toList();
    }

    /** A partition width in seconds; a month counts 31 days, so the alert waits a little longer rather than less. */
    static Duration nominal(TimeInterval interval) {
        return switch (interval) {
            case HOUR -> Duration.ofHours(1);
            case DAY -> Duration.ofDays(1);
            case WEEK -> Duration.ofDays(7);
            case MONTH -> Duration.ofDays(31);
        };
    }
}
