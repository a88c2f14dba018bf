package io.noetl.lifecycle.partition.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TimeGridTest {
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant t(String iso) {
        return Instant.parse(iso);
    }

    private static TimeGrid grid(TimeInterval interval, ZoneId zone) {
        return new TimeGrid(interval, zone, KeyType.TIMESTAMPTZ);
    }

    private static Instant from(TimeGrid g, Window w) {
        return g.instantOf(w.from());
    }

    private static Instant to(TimeGrid g, Window w) {
        return g.instantOf(w.to());
    }

    @Test
    void dailyCellsStartAtMidnightInUtcAndAreNamedLikeNoetl() {
        TimeGrid g = grid(TimeInterval.DAY, UTC);
        Window w = g.windowContaining(g.keyOf(t("2026-11-21T13:45:00Z")));
        assertEquals(t("2026-11-21T00:00:00Z"), from(g, w));
        assertEquals(t("2026-11-22T00:00:00Z"), to(g, w));
        assertEquals("metric_2026_11_21", g.partitionName("metric", w));
    }

    @Test
    void monthEndsRollIntoTheNextMonthAndLeapDaysExist() {
        TimeGrid daily = grid(TimeInterval.DAY, UTC);
        Window lastOfJan = daily.windowContaining(daily.keyOf(t("2026-01-31T23:59:59.999999Z")));
        assertEquals("metric_2026_02_01", daily.partitionName("metric", daily.next(lastOfJan)));
        Window feb28 = daily.windowContaining(daily.keyOf(t("2028-02-28T12:00:00Z")));
        assertEquals("metric_2028_02_29", daily.partitionName("metric", daily.next(feb28)));

        TimeGrid monthly = grid(TimeInterval.MONTH, UTC);
        Window jan = monthly.windowContaining(monthly.keyOf(t("2026-01-31T10:00:00Z")));
        assertEquals(t("2026-02-01T00:00:00Z"), to(monthly, jan));
        Window feb = monthly.next(jan);
        assertEquals(t("2026-03-01T00:00:00Z"), to(monthly, feb));
        assertEquals("metric_2026_02", monthly.partitionName("metric", feb));
        Window dec = monthly.windowContaining(monthly.keyOf(t("2026-12-31T23:00:00Z")));
        assertEquals("metric_2027_01", monthly.partitionName("metric", monthly.next(dec)));
    }

    @Test
    void daysAcrossDaylightSavingChangesAreTwentyThreeAndTwentyFiveHoursLongInThePolicyZone() {
        TimeGrid g = grid(TimeInterval.DAY, BERLIN);
        // 2026-03-29: clocks go forward at 02:00 local
        Window spring = g.windowContaining(g.keyOf(t("2026-03-29T10:00:00Z")));
        assertEquals(t("2026-03-28T23:00:00Z"), from(g, spring));
        assertEquals(Duration.ofHours(23), Duration.between(from(g, spring), to(g, spring)));
        assertEquals("metric_2026_03_29", g.partitionName("metric", spring));
        // 2026-10-25: clocks go back at 03:00 local
        Window autumn = g.windowContaining(g.keyOf(t("2026-10-25T10:00:00Z")));
        assertEquals(t("2026-10-24T22:00:00Z"), from(g, autumn));
        assertEquals(Duration.ofHours(25), Duration.between(from(g, autumn), to(g, autumn)));
        // the next day starts at local midnight, now UTC+1
        assertEquals(t("2026-10-25T23:00:00Z"), to(g, autumn));
    }

    @Test
    void hourlyCellsGiveTheRepeatedAutumnHourItsOwnName() {
        TimeGrid g = grid(TimeInterval.HOUR, BERLIN);
        Window firstTwo = g.windowContaining(g.keyOf(t("2026-10-25T00:30:00Z"))); // 02:30 CEST
        Window secondTwo = g.next(firstTwo); // 02:30 CET
        assertEquals("metric_2026_10_25_02", g.partitionName("metric", firstTwo));
        assertEquals("metric_2026_10_25_02_2", g.partitionName("metric", secondTwo));
        assertEquals(t("2026-10-25T02:00:00Z"), to(g, secondTwo));
    }

    @Test
    void weeksAreIsoWeeksStartingMonday() {
        TimeGrid g = grid(TimeInterval.WEEK, UTC);
        Window w = g.windowContaining(g.keyOf(t("2026-11-21T12:00:00Z"))); // a Saturday
        assertEquals(t("2026-11-16T00:00:00Z"), from(g, w));
        assertEquals(t("2026-11-23T00:00:00Z"), to(g, w));
        assertEquals("metric_2026_w47", g.partitionName("metric", w));
        // 2027-01-01 is a Friday and belongs to ISO week 53 of 2026
        Window newYear = g.windowContaining(g.keyOf(t("2027-01-01T00:00:00Z")));
        assertEquals(t("2026-12-28T00:00:00Z"), from(g, newYear));
        assertEquals("metric_2026_w53", g.partitionName("metric", newYear));
        assertTrue(g.isBoundary(g.keyOf(t("2026-11-23T00:00:00Z"))));
        assertFalse(g.isBoundary(g.keyOf(t("2026-11-22T00:00:00Z"))));
    }

    @Test
    void zonelessKeysUseWallClockBoundariesAndNowInThePolicyZone() {
        TimeGrid g = new TimeGrid(TimeInterval.DAY, BERLIN, KeyType.TIMESTAMP);
        // 23:30 UTC on the 21st is already the 22nd in Berlin
        long now = g.keyOf(t("2026-11-21T23:30:00Z"));
        Window w = g.windowContaining(now);
        assertEquals("metric_2026_11_22", g.partitionName("metric", w));
        assertEquals("2026-11-22T00:00", KeyType.TIMESTAMP.describe(w.from()));
        assertEquals("'2026-11-22 00:00:00.000000'::timestamp", KeyType.TIMESTAMP.sqlLiteral(w.from()));
    }

    @Test
    void dateKeysCannotBeHourly() {
        assertThrows(IllegalArgumentException.class, () -> new TimeGrid(TimeInterval.HOUR, UTC, KeyType.DATE));
    }
}
