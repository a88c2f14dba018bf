package io.noetl.lifecycle.metric.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which closed partitions are due for which tiers, and which tier partitions a rollup needs. No database. */
class RollupPlannerTest {
    private static final TimeGrid DAY = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
    private static final Instant NOW = Instant.parse("2026-11-21T00:04:00Z");

    private static long key(String instant) {
        return DAY.keyOf(Instant.parse(instant));
    }

    private static ObservedPartition day(int d) {
        Instant from = Instant.parse(String.format("2026-11-%02dT00:00:00Z", d));
        return ObservedPartition.ranged(String.format("metric_2026_11_%02d", d), DAY.keyOf(from),
                DAY.keyOf(from.plusSeconds(86400)));
    }

    private static TableSnapshot snapshot(ObservedPartition... partitions) {
        return TableSnapshot.builder().schema("noetl").table("metric").state(TableSnapshot.State.PARTITIONED)
                .keyColumn("created_at").keyType(KeyType.TIMESTAMPTZ).partitions(List.of(partitions)).build();
    }

    @Test
    void aPartitionIsDueOnceClosedForTheGraceWithTheTiersTheLedgerLacks() throws InvalidSpecException {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setRollups(List.of(new RollupTier("1m", "7d"), new RollupTier("1h", "90d")));
        MetricPolicySettings settings = MetricPolicySettings.from(spec);
        TableSnapshot raw = snapshot(day(20), day(18), day(19), day(21),
                ObservedPartition.ranged("metric_odd", key("2026-11-10T06:00:00Z"), key("2026-11-10T07:00:00Z")));
        PartitionPlanner.Policy policy = settings.plannerPolicy(KeyType.TIMESTAMPTZ, NOW);
        Map<String, Set<String>> ledger = Map.of("metric_2026_11_18", Set.of("noetl.metric_rollup_1m",
                "noetl.metric_rollup_1h"), "metric_2026_11_19", Set.of("noetl.metric_rollup_1m"));

        List<RollupPartition> due = RollupPlanner.due(new ObservedTable(raw, policy, settings), settings.rollups(),
                ledger, NOW);

        // 11-20 closed at 00:00 and the grace is 5m: not yet at 00:04; off-grid partitions are never touched
        assertEquals(List.of("metric_2026_11_19"), due.stream().map(PlannedAction::partition).toList());
        assertEquals(List.of("noetl.metric_rollup_1h"), due.get(0).tiers());
        List<RollupPartition> later = RollupPlanner.due(new ObservedTable(raw, policy, settings), settings.rollups(),
                ledger, NOW.plusSeconds(60));
        assertEquals(List.of("metric_2026_11_19", "metric_2026_11_20"), later.stream().map(PlannedAction::partition)
                .toList());
        assertEquals(List.of("noetl.metric_rollup_1m", "noetl.metric_rollup_1h"), later.get(1).tiers());
        assertTrue(RollupPlanner.rolledIntoEvery(settings.rollups(), ledger, "metric_2026_11_18"));
        assertTrue(!RollupPlanner.rolledIntoEvery(settings.rollups(), ledger, "metric_2026_11_19"));
    }

    @Test
    void aRollupNeedsTheTierPartitionsItsSampleTimesFallInWithinTheTiersRetention() {
        TableSnapshot tier = TableSnapshot.builder().schema("noetl").table("metric_rollup_1m")
                .state(TableSnapshot.State.PARTITIONED).keyColumn("bucket_start").keyType(KeyType.TIMESTAMPTZ)
                .partitions(List.of(ObservedPartition.ranged("metric_rollup_1m_2026_11_19", key("2026-11-19T00:00:00Z"),
                        key("2026-11-20T00:00:00Z")))).build();
        Optional<List<PlannedAction.CreatePartition>> creates = RollupPlanner.tierCreates(DAY, tier,
                new RollupPlanner.Span(Instant.parse("2026-11-17T23:59:58Z"), Instant.parse("2026-11-20T00:00:01Z")),
                Instant.parse("2026-11-18T10:00:00Z"), "metric_2026_11_19");
        // 11-17 is wholly before the cutoff; 11-19 exists
        assertEquals(List.of("metric_rollup_1m_2026_11_18", "metric_rollup_1m_2026_11_20"),
                creates.orElseThrow().stream().map(PlannedAction::partition).toList());
        assertEquals(Optional.empty(), RollupPlanner.tierCreates(DAY, tier, new RollupPlanner.Span(
                Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2026-11-20T00:00:00Z")),
                Instant.parse("2019-01-01T00:00:00Z"), "metric_2026_11_19"), "more than 400 partitions: refused");
    }
}
