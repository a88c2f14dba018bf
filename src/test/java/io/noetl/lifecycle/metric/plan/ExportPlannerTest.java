package io.noetl.lifecycle.metric.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which closed partitions the export sends, when a tier's partition is final, the watermark and the lag: decided from
 * a snapshot and the ledgers' contents alone. No database, no receiver.
 */
class ExportPlannerTest {
    private static final TimeGrid DAY = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
    private static final Instant NOW = Instant.parse("2026-11-21T00:04:00Z");
    private static final String TIER = "noetl.metric_rollup_1h";

    private static Instant midnight(int day) {
        return Instant.parse(String.format("2026-11-%02dT00:00:00Z", day));
    }

    private static String name(int day) {
        return String.format("metric_2026_11_%02d", day);
    }

    private static ObservedPartition day(int d) {
        return ObservedPartition.ranged(name(d), DAY.keyOf(midnight(d)), DAY.keyOf(midnight(d + 1)));
    }

    private static TableSnapshot snapshot(ObservedPartition... partitions) {
        return TableSnapshot.builder().schema("noetl").table("metric").state(TableSnapshot.State.PARTITIONED)
                .keyColumn("created_at").keyType(KeyType.TIMESTAMPTZ).partitions(List.of(partitions)).build();
    }

    /** Daily partitions, the default grace of 5 minutes after a partition's upper bound. */
    private static MetricPolicySettings settings() throws InvalidSpecException {
        return MetricPolicySettings.from(new MetricRetentionPolicySpec());
    }

    private static ObservedTable table(TableSnapshot snapshot) throws InvalidSpecException {
        return new ObservedTable(snapshot, settings().plannerPolicy(KeyType.TIMESTAMPTZ, NOW), settings());
    }

    private static List<ExportPlanner.Closed> closedDays(int... days) {
        return java.util.Arrays.stream(days).mapToObj(d -> new ExportPlanner.Closed(name(d), day(d).range(),
                midnight(d + 1), midnight(d + 1).plus(Duration.ofMinutes(5)))).toList();
    }

    private static List<String> names(List<ExportPlanner.Closed> closed) {
        return closed.stream().map(ExportPlanner.Closed::name).toList();
    }

    @Test
    void aPartitionIsClosedOnceItsUpperBoundPlusTheGraceHasPassedOldestFirstAndOnlyIfManaged() throws Exception {
        ObservedPartition offGrid = ObservedPartition.ranged("metric_odd", DAY.keyOf(midnight(10).plusSeconds(3600)),
                DAY.keyOf(midnight(10).plusSeconds(7200)));
        TableSnapshot raw = snapshot(day(20), day(18), offGrid, day(19), day(21));
        Duration grace = settings().rollups().grace();

        List<ExportPlanner.Closed> closed = ExportPlanner.closed(table(raw), grace, NOW, Optional.empty());

        // 11-20 closes at 11-21 00:05, after NOW; an off-grid partition is never sent
        assertEquals(List.of(name(18), name(19)), names(closed));
        assertEquals(midnight(20), closed.get(1).upperBound());
        assertEquals(midnight(20).plus(grace), closed.get(1).closedAt());
        assertEquals(day(19).range(), closed.get(1).range());
        assertEquals(List.of(name(18), name(19), name(20)), names(ExportPlanner.closed(table(raw), grace,
                NOW.plusSeconds(60), Optional.empty())), "at 00:05 11-20 is closed too");
    }

    @Test
    void theDuePartitionsAreTheClosedOnesTheLedgerDoesNotShowConfirmedInTheirOrder() {
        List<ExportPlanner.Closed> closed = closedDays(17, 18, 19, 20);

        assertEquals(List.of(name(17), name(19), name(20)), names(ExportPlanner.due(closed, Set.of(name(18))::contains)));
        assertEquals(List.of(), ExportPlanner.due(closed, n -> true));
        assertEquals(names(closed), names(ExportPlanner.due(closed, n -> false)));
    }

    @Test
    void theWatermarkIsTheNewestPartitionConfirmedWithEveryClosedOneBeforeIt() {
        List<ExportPlanner.Closed> closed = closedDays(17, 18, 19, 20);

        assertEquals(Optional.of(name(18)), ExportPlanner.watermark(closed, Set.of(name(17), name(18), name(20))
                ::contains).map(ExportPlanner.Closed::name), "11-19 is not confirmed: 11-20 does not count yet");
        assertEquals(Optional.empty(), ExportPlanner.watermark(closed, Set.of(name(18))::contains),
                "the oldest is not confirmed: no watermark");
        assertEquals(Optional.of(name(20)), ExportPlanner.watermark(closed, n -> true)
                .map(ExportPlanner.Closed::name));
        assertEquals(Optional.empty(), ExportPlanner.watermark(List.of(), n -> true));
    }

    @Test
    void theLagIsHowLongTheOldestUnconfirmedClosedPartitionHasWaitedSinceItClosed() {
        List<ExportPlanner.Closed> closed = closedDays(17, 18, 19);
        Instant now = Instant.parse("2026-11-20T10:00:00Z");

        // 11-18 closed at 11-19 00:05 and is the oldest not confirmed
        assertEquals(Duration.ofHours(33).plusMinutes(55), ExportPlanner.lag(closed, Set.of(name(17), name(19))
                ::contains, now));
        assertEquals(Duration.ZERO, ExportPlanner.lag(closed, n -> true, now), "everything confirmed: no lag");
        assertEquals(Duration.ZERO, ExportPlanner.lag(closed, n -> false, midnight(18)),
                "a clock before the closing time gives no negative lag");
    }

    @Test
    void aTierPartitionIsFinalOnceEveryRawPartitionBeginningAtOrBeforeItsUpperBoundIsRolledIntoTheTier()
            throws Exception {
        TableSnapshot raw = snapshot(day(18), day(19), day(20));
        Map<String, Set<String>> ledger = Map.of(name(18), Set.of(TIER), name(19), Set.of(TIER, "noetl.other"),
                name(20), Set.of("noetl.metric_rollup_1m"));

        ExportPlanner.TierFinality finality = ExportPlanner.TierFinality.of(raw, settings(), ledger, TIER);

        assertTrue(finality.isFinal(midnight(19).minusSeconds(1)));
        // the raw partition that begins at the upper bound may hold late rows for it: 11-19 is rolled, so final
        assertTrue(finality.isFinal(midnight(19)));
        assertTrue(finality.isFinal(midnight(20).minusSeconds(1)));
        assertFalse(finality.isFinal(midnight(20)), "11-20 begins there and is not rolled into this tier");
        assertTrue(ExportPlanner.TierFinality.of(snapshot(day(18), day(19)), settings(), ledger, TIER)
                .isFinal(midnight(25)), "a raw partition that is gone adds nothing any more");
    }

    @Test
    void aTiersPartitionIsClosedOnlyOnceFinal() throws Exception {
        // the tier's own daily partitions, and the raw table whose rollups fill them
        TableSnapshot tier = snapshot(day(17), day(18), day(19));
        ExportPlanner.TierFinality finality = ExportPlanner.TierFinality.of(snapshot(day(17), day(18), day(19),
                day(20)), settings(), Map.of(name(17), Set.of(TIER), name(18), Set.of(TIER)), TIER);

        List<ExportPlanner.Closed> closed = ExportPlanner.closed(table(tier), Duration.ofMinutes(5), NOW,
                Optional.of(finality));

        // 11-18 ends where raw 11-19 begins, which is not rolled up yet: it may still add to 11-18's last buckets
        assertEquals(List.of(name(17)), names(closed));
    }
}
