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

    /** Daily partitions from {@code first} on, {@code count} of them. */
    private List<ObservedPartition> days(String first, int count) {
        List<ObservedPartition> parts = new ArrayList<>();
        Instant from = Instant.parse(first);
        for (int i = 0; i < count; i++) {
            Instant to = from.plus(Duration.ofDays(1));
            parts.add(ObservedPartition.ranged(grid.partitionName("metric", grid.windowContaining(grid.keyOf(from))),
                    grid.keyOf(from), grid.keyOf(to)));
            from = to;
        }
        return parts;
    }

    private PartitionPlanner.Policy capped(String now, Duration retention, int max, PartitionPlanner.Grace grace) {
        Instant n = Instant.parse(now);
        return PartitionPlanner.Policy.builder().grid(grid).tableName("metric").now(grid.keyOf(n))
                .expireBefore(grid.keyOf(n.minus(retention))).maxRetirements(max).grace(grace).build();
    }

    private static List<String> deferred(Plan plan, Plan.Hold hold) {
        return plan.deferred(hold).stream().map(d -> d.action().partition()).toList();
    }

    @Test
    void atMostMaxRetirementsGoInOnePassOldestFirstAndTheRestAreDeferred() {
        // 40 expired days (2026-10-01 .. 11-09) and today: with retention 1d on the 21st all 40 are past it
        List<ObservedPartition> parts = new ArrayList<>(days("2026-10-01T00:00:00Z", 40));
        parts.addAll(days("2026-11-21T00:00:00Z", 1));
        Plan plan = PartitionPlanner.plan(capped("2026-11-21T10:00:00Z", Duration.ofDays(1), 31, null),
                snapshot(parts));
        List<String> dropped = names(plan, DropPartition.class);
        assertEquals(31, dropped.size());
        assertEquals("metric_2026_10_01", dropped.get(0));
        assertEquals("metric_2026_10_31", dropped.get(30));
        List<String> waiting = deferred(plan, Plan.Hold.MAX_RETIREMENTS_PER_PASS);
        assertEquals(9, waiting.size());
        assertEquals(List.of("metric_2026_11_01", "metric_2026_11_09"), List.of(waiting.get(0), waiting.get(8)));
        assertEquals(List.of(), deferred(plan, Plan.Hold.RETENTION_CHANGE_GRACE));
        assertEquals(1, plan.findings().size());
        Finding f = plan.findings().get(0);
        assertEquals("RetirementsDeferred", f.reason().code());
        assertTrue(f.message().startsWith("9 partitions past retention are over spec.maxRetirementsPerPass (31 a "
                + "pass, oldest first) and wait for later passes: metric_2026_11_01 to metric_2026_11_09"),
                f.message());

        // the next pass takes the nine that waited
        List<ObservedPartition> left = parts.subList(31, parts.size());
        Plan next = PartitionPlanner.plan(capped("2026-11-21T10:20:00Z", Duration.ofDays(1), 31, null),
                snapshot(left));
        assertEquals(waiting, names(next, DropPartition.class));
        assertTrue(next.deferred().isEmpty());
        assertTrue(next.findings().isEmpty());
    }

    @Test
    void aLimitOfZeroRetiresEverythingDueAndALimitAboveTheCountDefersNothing() {
        List<ObservedPartition> parts = days("2026-10-01T00:00:00Z", 40);
        for (int max : new int[] {0, 40, 100}) {
            Plan plan = PartitionPlanner.plan(capped("2026-11-21T10:00:00Z", Duration.ofDays(1), max, null),
                    snapshot(parts));
            assertEquals(40, names(plan, DropPartition.class).size(), "max " + max);
            assertTrue(plan.deferred().isEmpty());
            assertTrue(plan.findings().isEmpty(), plan.findings().toString());
        }
        // the builder's default is no limit
        assertEquals(0, policy("2026-11-21T10:00:00Z", Duration.ofDays(1), 0).maxRetirements());
    }

    @Test
    void detachesAreCappedLikeDrops() {
        Instant n = Instant.parse("2026-11-21T10:00:00Z");
        PartitionPlanner.Policy p = PartitionPlanner.Policy.builder().grid(grid).tableName("metric").now(grid.keyOf(n))
                .expireBefore(grid.keyOf(n.minus(Duration.ofDays(1)))).retentionAction(RetentionAction.Detach)
                .maxRetirements(2).build();
        Plan plan = PartitionPlanner.plan(p, snapshot(days("2026-11-10T00:00:00Z", 5)));
        assertEquals(List.of("metric_2026_11_10", "metric_2026_11_11"), names(plan, DetachPartition.class));
        assertEquals(List.of("DetachPartition metric_2026_11_12", "DetachPartition metric_2026_11_13",
                "DetachPartition metric_2026_11_14"), plan.deferred().stream()
                        .map(d -> d.action().kind() + " " + d.action().partition()).toList());
    }

    @Test
    void aWaitingGraceKeepsWhatOnlyTheShortenedRetentionExpiresAndDoesNotCountItAgainstTheLimit() {
        // 30 days 10-22 .. 11-20; retention shortened from 30d to 1d, the change waiting its grace
        List<ObservedPartition> parts = days("2026-10-22T00:00:00Z", 30);
        String now = "2026-11-21T10:00:00Z";
        PartitionPlanner.Grace grace = new PartitionPlanner.Grace(grid.keyOf(Instant.parse(now)
                .minus(Duration.ofDays(30))), "the change");
        Plan waiting = PartitionPlanner.plan(capped(now, Duration.ofDays(1), 10, grace), snapshot(parts));
        assertEquals(List.of(), names(waiting, DropPartition.class));
        List<String> kept = deferred(waiting, Plan.Hold.RETENTION_CHANGE_GRACE);
        assertEquals(29, kept.size());
        assertEquals("metric_2026_10_22", kept.get(0));
        assertEquals("metric_2026_11_19", kept.get(28));
        assertEquals(List.of(), deferred(waiting, Plan.Hold.MAX_RETIREMENTS_PER_PASS));
        // nothing is created for the days the new retention would drop: today and what is ahead only
        assertEquals(List.of("metric_2026_11_21"), names(waiting, CreatePartition.class));
        assertEquals("RetirementsDeferred", waiting.findings().get(0).reason().code());
        assertTrue(waiting.findings().get(0).message().startsWith("29 partitions expire only under the shortened "
                + "retention and are kept until it takes effect (metric_2026_10_22 to metric_2026_11_19): the change"),
                waiting.findings().get(0).message());

        // a day later the 22nd of October expires under the retention in force too: it goes, the rest wait
        Plan dayLater = PartitionPlanner.plan(capped("2026-11-23T10:00:00Z", Duration.ofDays(1), 10,
                new PartitionPlanner.Grace(grid.keyOf(Instant.parse("2026-10-24T10:00:00Z")), "the change")),
                snapshot(parts));
        assertEquals(List.of("metric_2026_10_22", "metric_2026_10_23"), names(dayLater, DropPartition.class));
        assertEquals(28, dayLater.deferred(Plan.Hold.RETENTION_CHANGE_GRACE).size()); // 10-24 .. 11-20

        // a grace whose retention in force keeps everything (an EventPartitionPlan that had none) holds them all
        Plan forever = PartitionPlanner.plan(capped(now, Duration.ofDays(1), 0,
                new PartitionPlanner.Grace(null, "the change")), snapshot(parts));
        assertEquals(List.of(), names(forever, DropPartition.class));
        assertEquals(29, forever.deferred(Plan.Hold.RETENTION_CHANGE_GRACE).size());
    }

    @Test
    void aClaimThatRetiresNothingDefersNothingEither() {
        Plan plan = PartitionPlanner.plan(capped("2026-11-21T10:00:00Z", Duration.ofDays(1), 2, null),
                snapshot(days("2026-11-10T00:00:00Z", 5)));
        assertEquals(3, plan.deferred().size());
        Plan createOnly = plan.withoutRetirements();
        assertTrue(createOnly.deferred().isEmpty());
        assertTrue(createOnly.findings().isEmpty());
        assertEquals(plan.deferred(), plan.onlyRetirements().deferred());
    }

    /** Hourly partitions of a TIMESTAMPTZ key: {@code count} of them, the newest ending at {@code end}. */
    private static Plan hourly(int count, Instant end, Instant now, Duration retention, int premake) {
        TimeGrid hours = new TimeGrid(TimeInterval.HOUR, ZoneOffset.UTC, KeyType.TIMESTAMPTZ);
        List<ObservedPartition> parts = new ArrayList<>();
        for (int i = count; i >= 1; i--) {
            Instant from = end.minus(Duration.ofHours(i));
            Window w = hours.windowContaining(hours.keyOf(from));
            parts.add(ObservedPartition.ranged(hours.partitionName("metric", w), w.from(), w.to()));
        }
        Set<String> names = new java.util.HashSet<>();
        parts.forEach(p -> names.add(p.name()));
        TableSnapshot snap = TableSnapshot.builder().schema("noetl").table("metric").keyColumn("created_at")
                .keyType(KeyType.TIMESTAMPTZ).partitions(parts).relationNames(names).build();
        return PartitionPlanner.plan(PartitionPlanner.Policy.builder().grid(hours).tableName("metric")
                .now(hours.keyOf(now)).expireBefore(hours.keyOf(now.minus(retention))).ahead(premake)
                .retentionAction(RetentionAction.Drop).archiveSchema("archive").protect(Set.of()).build(), snap);
    }

    /**
     * Issue 23, 1: a year of hourly partitions (9,000 ending two hours ago) made the planner look only at the 5,000
     * oldest cells: no CreatePartition for the current hour, and NoETL's table, which has no default partition,
     * refuses the writers' inserts. The current and ahead hours come first, whatever the history.
     */
    @Test
    void aLongHistoryNeverCrowdsOutTheCurrentAndAheadPartitions() {
        Instant now = Instant.parse("2026-11-21T10:20:00Z");
        Plan plan = hourly(9_000, Instant.parse("2026-11-21T08:00:00Z"), now, Duration.ofDays(365), 3);
        List<String> creates = names(plan, CreatePartition.class);
        assertEquals(List.of("metric_2026_11_21_10", "metric_2026_11_21_11", "metric_2026_11_21_12",
                "metric_2026_11_21_13", "metric_2026_11_21_09", "metric_2026_11_21_08"), creates,
                "the current hour first, then ahead, then the two missing hours of the past, newest first");
        assertTrue(plan.findings().isEmpty(), plan.findings().toString());
    }

    /** 6,003 hourly partitions, then three hours later: the current hour still gets its partition. */
    @Test
    void threeHoursLaterTheCurrentHourHasItsPartition() {
        // made at 10:20 up to the current hour; planned again at 13:20
        Plan later = hourly(6_003, Instant.parse("2026-11-21T11:00:00Z"), Instant.parse("2026-11-21T13:20:00Z"),
                Duration.ofDays(365), 1);
        assertEquals(List.of("metric_2026_11_21_13", "metric_2026_11_21_14", "metric_2026_11_21_12",
                "metric_2026_11_21_11"), names(later, CreatePartition.class));
    }

    /**
     * More missing partitions of the past than one plan takes: the current and ahead ones are all there, the newest
     * gaps come next, and the plan says it was cut.
     */
    @Test
    void aTruncatedPlanKeepsWhatWritersNeedFirst() {
        Instant now = Instant.parse("2026-11-21T10:20:00Z");
        // one partition 7,000 hours back keeps everything since then inside retention: 6,999 hours are gaps
        Plan plan = hourly(1, Instant.parse("2026-11-21T10:00:00Z").minus(Duration.ofHours(7_000)), now,
                Duration.ofDays(365), 2);
        List<String> creates = names(plan, CreatePartition.class);
        assertEquals(List.of("metric_2026_11_21_10", "metric_2026_11_21_11", "metric_2026_11_21_12",
                "metric_2026_11_21_09"), creates.subList(0, 4));
        assertEquals(3 + PartitionPlanner.MAX_CELLS, creates.size());
        assertTrue(plan.findings().stream().anyMatch(f -> f.reason() == io.noetl.lifecycle.api.Reason.PLAN_TRUNCATED),
                plan.findings().toString());
    }
}
