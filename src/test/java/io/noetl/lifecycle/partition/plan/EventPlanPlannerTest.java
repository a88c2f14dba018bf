package io.noetl.lifecycle.partition.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.EventWindow;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreateDefaultPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DropPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.MoveDefaultRows;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shared planner on an id grid: quarters of Snowflake ids, a default partition, messy neighbours. */
class EventPlanPlannerTest {
    private static final SnowflakeLayout NOETL = SnowflakeLayout.NOETL;
    private static final IdWindowGrid QUARTERS = new IdWindowGrid(EventWindow.Quarter, NOETL);
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    private static long id(String iso) {
        return NOETL.boundaryId(Instant.parse(iso));
    }

    private static ObservedPartition part(String name, String from, String to) {
        return ObservedPartition.ranged(name, id(from), id(to));
    }

    private static TableSnapshot snapshot(List<ObservedPartition> parts, KeyRange defaultSpan,
            Map<KeyRange, Long> counts, String... others) {
        Set<String> names = new HashSet<>(Set.of(others));
        parts.forEach(p -> names.add(p.name()));
        names.add("event_default");
        return TableSnapshot.builder().schema("noetl").table("event").keyColumn("execution_id")
                .keyType(KeyType.BIGINT).partitions(parts)
                .defaultPartition(new ObservedPartition("event_default", null, true, 0, 0))
                .defaultRows(counts.values().stream().mapToLong(Long::longValue).sum()).relationNames(names)
                .defaultSpan(defaultSpan).defaultRowsByRange(counts).build();
    }

    private static PartitionPlanner.Policy policy(Duration retention, boolean move, Set<String> protect) {
        return PartitionPlanner.Policy.builder().grid(QUARTERS).tableName("event").now(NOETL.boundaryId(NOW))
                .expireBefore(retention == null ? null : NOETL.boundaryId(NOW.minus(retention))).ahead(2)
                .retentionAction(RetentionAction.Drop).protect(protect).moveDefaultRows(move)
                .defaultPartition("event_default").build();
    }

    private static final List<ObservedPartition> MESSY = List.of(
            part("events_old_q1", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"), // managed, misnamed
            part("misc_q2", "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"),       // managed, misnamed
            ObservedPartition.ranged("event_2026_gke", 569_000_000_000_000L, 600_000_000_000_000L), // other layout
            part("event_2025_q4", "2025-10-01T00:00:00Z", "2026-01-01T00:00:00Z")); // protected

    @Test
    void quartersAheadAreCreatedTheGapMovesDefaultRowsAndOnlyExpiredManagedWindowsGo() {
        Window q3 = QUARTERS.windowAt(Instant.parse("2026-08-01T00:00:00Z"));
        Window q4 = QUARTERS.windowAt(NOW);
        KeyRange span = new KeyRange(id("2026-07-15T00:00:00Z"), id("2026-11-20T00:00:00Z"));
        // first pass: the default may hold rows for Q3 and Q4, not counted yet
        Plan first = PartitionPlanner.plan(policy(Duration.ofDays(180), true, Set.of("event_2025_q4")),
                snapshot(MESSY, span, Map.of(), "event_2027_q1"));
        assertEquals(List.of(q4.range(), q3.range()), first.uncountedRanges());

        Plan plan = PartitionPlanner.plan(policy(Duration.ofDays(180), true, Set.of("event_2025_q4")),
                snapshot(MESSY, span, Map.of(q3.range(), 500L, q4.range(), 20L), "event_2027_q1"));
        assertTrue(plan.uncountedRanges().isEmpty());
        List<String> order = plan.actions().stream().map(a -> a.kind() + " " + a.partition()).toList();
        assertEquals(List.of("MoveDefaultRows event_2026_q4", "CreatePartition event_2027_q1_1",
                "CreatePartition event_2027_q2", "MoveDefaultRows event_2026_q3", "DropPartition events_old_q1"), order);
        MoveDefaultRows gap = (MoveDefaultRows) plan.actions().get(3);
        assertEquals(500L, gap.rows());
        assertEquals(q3, gap.window());
        assertEquals("event_default", gap.defaultPartition());
        assertEquals("NameCollision", plan.findings().get(0).reason().code());
    }

    @Test
    void withoutMovingAWindowHoldingDefaultRowsIsSkippedAndReported() {
        Window q3 = QUARTERS.windowAt(Instant.parse("2026-08-01T00:00:00Z"));
        Window q4 = QUARTERS.windowAt(NOW);
        KeyRange span = new KeyRange(id("2026-07-15T00:00:00Z"), id("2026-07-16T00:00:00Z"));
        Plan plan = PartitionPlanner.plan(policy(null, false, Set.of()),
                snapshot(MESSY, span, Map.of(q3.range(), 3L, q4.range(), 0L)));
        assertTrue(plan.actions().stream().noneMatch(a -> a.partition().equals("event_2026_q3")));
        assertTrue(plan.actions().stream().anyMatch(a -> a instanceof CreatePartition && a.partition().equals("event_2026_q4")));
        assertEquals("DefaultPartitionConflict", plan.findings().get(0).reason().code());
        // the message gives each id's time next to it
        assertTrue(plan.findings().get(0).message().contains("rows for [" + q3.from() + " (2026-07-01T00:00:00Z), "
                + q3.to() + " (2026-10-01T00:00:00Z))"), plan.findings().get(0).message());
        // no retention: nothing is ever dropped
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof DropPartition));
    }

    @Test
    void theDefaultPartitionIsCreatedFirstWhenMissing() {
        TableSnapshot noDefault = TableSnapshot.builder().schema("noetl").table("event").keyColumn("execution_id")
                .keyType(KeyType.BIGINT).build();
        Plan plan = PartitionPlanner.plan(policy(null, true, Set.of()), noDefault);
        assertEquals(new CreateDefaultPartition("event_default", plan.actions().get(0).reason()), plan.actions().get(0));
        assertEquals(4, plan.actions().size());
    }

    @Test
    void unmanagedPartitionsAreClassifiedWithTheirReason() {
        PartitionPlanner.Policy p = policy(Duration.ofDays(30), true, Set.of("event_2025_q4"));
        assertEquals(Optional.empty(), PartitionPlanner.classify(p, MESSY.get(0)));
        assertEquals(Optional.of("offGrid"), PartitionPlanner.classify(p, MESSY.get(2)));
        assertEquals(Optional.of("protected"), PartitionPlanner.classify(p, MESSY.get(3)));
        // protect wins over the bounds: a protected partition off the grid or unbounded is listed as protected
        PartitionPlanner.Policy all = policy(Duration.ofDays(30), true, Set.of("event_2026_gke", "event_2025_q4",
                "event_pre"));
        assertEquals(Optional.of("protected"), PartitionPlanner.classify(all, MESSY.get(2)));
        ObservedPartition unbounded = ObservedPartition.ranged("event_pre", null, id("2026-01-01T00:00:00Z"));
        assertEquals(Optional.of("protected"), PartitionPlanner.classify(all, unbounded));
        assertEquals(Optional.of("unbounded"), PartitionPlanner.classify(p, unbounded));
    }

    @Test
    void anEventPartitionPlanRetiresAtMostTwoWindowsAPassByDefault() throws Exception {
        io.noetl.lifecycle.api.EventPartitionPlanSpec spec = new io.noetl.lifecycle.api.EventPartitionPlanSpec();
        spec.setRetention("30d");
        EventPlanSettings settings = EventPlanSettings.from(spec);
        assertEquals(2, settings.maxRetirementsPerPass());
        List<ObservedPartition> quarters = List.of(
                part("event_2025_q1", "2025-01-01T00:00:00Z", "2025-04-01T00:00:00Z"),
                part("event_2025_q2", "2025-04-01T00:00:00Z", "2025-07-01T00:00:00Z"),
                part("event_2025_q3", "2025-07-01T00:00:00Z", "2025-10-01T00:00:00Z"),
                part("event_2025_q4", "2025-10-01T00:00:00Z", "2026-01-01T00:00:00Z"),
                part("event_2026_q1", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"),
                part("event_2026_q4", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"));
        Set<String> names = new HashSet<>(Set.of("event_default"));
        quarters.forEach(q -> names.add(q.name()));
        TableSnapshot snapshot = TableSnapshot.builder().schema("noetl").table("event").keyColumn("execution_id")
                .keyType(KeyType.BIGINT).partitions(quarters)
                .defaultPartition(new ObservedPartition("event_default", null, true, 0, 0)).relationNames(names)
                .build();
        Plan plan = PartitionPlanner.plan(settings.plannerPolicy(KeyType.BIGINT, NOW), snapshot);
        assertEquals(List.of("event_2025_q1", "event_2025_q2"), plan.actions().stream()
                .filter(a -> a instanceof DropPartition).map(PlannedAction::partition).toList());
        assertEquals(List.of("event_2025_q3", "event_2025_q4", "event_2026_q1"), plan.deferred().stream()
                .map(d -> d.action().partition()).toList());
        assertTrue(plan.findings().stream().anyMatch(f -> f.reason().code().equals("RetirementsDeferred")));

        spec.setMaxRetirementsPerPass(0);
        assertEquals(5, PartitionPlanner.plan(EventPlanSettings.from(spec).plannerPolicy(KeyType.BIGINT, NOW),
                snapshot).actions().stream().filter(PlannedAction::retires).count());
    }
}
