package io.noetl.lifecycle.partition.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DetachPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DropPartition;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionPlannerTest {
    private final TimeGrid grid = new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);

    private long key(String iso) {
        return grid.keyOf(Instant.parse(iso));
    }

    private ObservedPartition day(String name, String fromIso, String toIso) {
        return ObservedPartition.ranged(name, key(fromIso), key(toIso));
    }

    private TableSnapshot snapshot(List<ObservedPartition> partitions, String... otherRelations) {
        Set<String> names = new java.util.HashSet<>(Set.of(otherRelations));
        partitions.forEach(p -> names.add(p.name()));
        return TableSnapshot.builder().schema("noetl").table("metric").keyColumn("created_at")
                .keyType(KeyType.TIMESTAMPTZ).partitions(partitions).relationNames(names).build();
    }

    private PartitionPlanner.Policy policy(String now, Duration retention, int premake, RetentionAction action,
            Set<String> protect) {
        Instant n = Instant.parse(now);
        return PartitionPlanner.Policy.builder().grid(grid).tableName("metric").now(grid.keyOf(n))
                .expireBefore(retention == null ? null : grid.keyOf(n.minus(retention))).ahead(premake)
                .retentionAction(action).archiveSchema("archive").protect(protect).build();
    }

    private PartitionPlanner.Policy policy(String now, Duration retention, int premake) {
        return policy(now, retention, premake, RetentionAction.Drop, Set.of());
    }

    private static List<String> names(Plan plan, Class<? extends PlannedAction> kind) {
        return plan.actions().stream().filter(kind::isInstance).map(PlannedAction::partition).toList();
    }

    @Test
    void emptyTableGetsTheCurrentPartitionAndPremakeAheadInOrder() {
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 7), snapshot(List.of()));
        assertEquals(List.of("metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23", "metric_2026_11_24",
                "metric_2026_11_25", "metric_2026_11_26", "metric_2026_11_27", "metric_2026_11_28"),
                names(plan, CreatePartition.class));
        assertEquals("current interval", plan.actions().get(0).reason());
        assertTrue(plan.findings().isEmpty());
    }

    @Test
    void dropsOnlyPartitionsWhoseUpperBoundIsAtOrBeforeNowMinusRetention() {
        List<ObservedPartition> parts = List.of(
                day("metric_2026_11_19", "2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z"),
                day("metric_2026_11_20", "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"),
                day("metric_2026_11_21", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"));
        // exactly at the boundary: the 20th's upper bound (21st 00:00) equals now - 1d
        Plan atBoundary = PartitionPlanner.plan(policy("2026-11-22T00:00:00Z", Duration.ofDays(1), 0), snapshot(parts));
        assertEquals(List.of("metric_2026_11_19", "metric_2026_11_20"), names(atBoundary, DropPartition.class));
        // one microsecond earlier the 20th is still inside retention
        Plan justBefore = PartitionPlanner.plan(policy("2026-11-21T23:59:59.999999Z", Duration.ofDays(1), 0),
                snapshot(parts));
        assertEquals(List.of("metric_2026_11_19"), names(justBefore, DropPartition.class));
    }

    @Test
    void fillsAGapInsideRetentionButNotBeforeTheOldestKeptPartition() {
        List<ObservedPartition> parts = List.of(
                day("metric_2026_11_15", "2026-11-15T00:00:00Z", "2026-11-16T00:00:00Z"),
                day("metric_2026_11_18", "2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z"),
                day("metric_2026_11_21", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"));
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(30), 1), snapshot(parts));
        assertEquals(List.of("metric_2026_11_22", "metric_2026_11_20", "metric_2026_11_19", "metric_2026_11_17",
                "metric_2026_11_16"), names(plan, CreatePartition.class));
        assertEquals("gap inside retention", plan.actions().get(1).reason());
    }

    @Test
    void anExpiredPartitionDoesNotAnchorGapFillingAndIsDropped() {
        List<ObservedPartition> parts = List.of(
                day("metric_2026_11_10", "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z"));
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(2), 0), snapshot(parts));
        assertEquals(List.of("metric_2026_11_21"), names(plan, CreatePartition.class));
        assertEquals(List.of("metric_2026_11_10"), names(plan, DropPartition.class));
    }

    @Test
    void leavesUnalignedUnboundedAndProtectedPartitionsAlone() {
        List<ObservedPartition> parts = new ArrayList<>(List.of(
                day("odd_bounds", "2026-11-01T06:00:00Z", "2026-11-02T06:00:00Z"),
                ObservedPartition.ranged("ancient", null, key("2026-10-01T00:00:00Z")),
                day("keep_me", "2026-11-03T00:00:00Z", "2026-11-04T00:00:00Z"),
                day("two_days", "2026-11-05T00:00:00Z", "2026-11-07T00:00:00Z")));
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 0,
                RetentionAction.Drop, Set.of("keep_me")), snapshot(parts));
        // only the aligned two-day partition is provably expired
        assertEquals(List.of("two_days"), names(plan, DropPartition.class));
    }

    @Test
    void detachRetentionMovesExpiredPartitionsToTheArchiveSchema() {
        List<ObservedPartition> parts = List.of(day("metric_2026_11_01", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"));
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 0,
                RetentionAction.Detach, Set.of()), snapshot(parts));
        DetachPartition detach = (DetachPartition) plan.actions().stream().filter(DetachPartition.class::isInstance)
                .findFirst().orElseThrow();
        assertEquals("metric_2026_11_01", detach.partition());
        assertEquals("archive", detach.archiveSchema());
    }

    @Test
    void aNameTakenByAnotherRelationGetsADistinctNameAndIsReported() {
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 0),
                snapshot(List.of(), "metric_2026_11_21", "metric_2026_11_21_1"));
        assertEquals(List.of("metric_2026_11_21_2"), names(plan, CreatePartition.class));
        assertEquals("NameCollision", plan.findings().get(0).reason().code());
        assertTrue(plan.findings().get(0).message().contains("metric_2026_11_21_2"));
    }

    @Test
    void aDisplacedManagedPartitionKeepsBeingReported() {
        List<ObservedPartition> parts = List.of(day("metric_2026_11_21_1", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"));
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 0),
                snapshot(parts, "metric_2026_11_21"));
        assertTrue(plan.actions().isEmpty());
        assertEquals("NameCollision", plan.findings().get(0).reason().code());
    }

    @Test
    void shrinksACellThatAnExistingPartitionOverlapsToItsFreePartsAndSaysSo() {
        List<ObservedPartition> parts = List.of(day("odd_bounds", "2026-11-22T06:00:00Z", "2026-11-23T06:00:00Z"));
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 2), snapshot(parts));
        List<CreatePartition> creates = plan.actions().stream().map(CreatePartition.class::cast).toList();
        assertEquals(List.of("metric_2026_11_21", "metric_2026_11_22", "metric_2026_11_23"),
                creates.stream().map(CreatePartition::partition).toList());
        assertEquals(new KeyRange(key("2026-11-22T00:00:00Z"), key("2026-11-22T06:00:00Z")), creates.get(1).range());
        assertEquals(new KeyRange(key("2026-11-23T06:00:00Z"), key("2026-11-24T00:00:00Z")), creates.get(2).range());
        assertEquals(2, plan.findings().stream().filter(f -> f.reason().code().equals("PartitionOverlap")).count());
        // time keys are times already: nothing is added next to them
        assertTrue(plan.findings().get(0).message().startsWith("the partition for [2026-11-22T00:00:00Z, "
                + "2026-11-23T00:00:00Z) overlaps odd_bounds"), plan.findings().get(0).message());
    }

    @Test
    void aPartitionReachingToMaxvalueCoversEverythingAhead() {
        List<ObservedPartition> parts = List.of(ObservedPartition.ranged("rest", key("2026-11-21T00:00:00Z"), null));
        Plan plan = PartitionPlanner.plan(policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 7), snapshot(parts));
        assertTrue(plan.actions().isEmpty());
    }

    @Test
    void coverageFindsTheRunFromNowAndTheHoles() {
        List<ObservedPartition> parts = List.of(
                day("a", "2026-11-18T00:00:00Z", "2026-11-19T00:00:00Z"),
                day("b", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"),
                day("c", "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z"),
                day("d", "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"));
        Coverage c = Coverage.of(parts, key("2026-11-21T10:00:00Z"));
        assertEquals(key("2026-11-23T00:00:00Z"), c.coveredUntil().orElseThrow());
        assertEquals(List.of(new KeyRange(key("2026-11-19T00:00:00Z"), key("2026-11-21T00:00:00Z")),
                new KeyRange(key("2026-11-23T00:00:00Z"), key("2026-11-25T00:00:00Z"))), c.gaps());
        assertEquals("a", c.oldest().orElseThrow().name());
        assertEquals("d", c.newest().orElseThrow().name());
    }
}
