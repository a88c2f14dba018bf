package io.noetl.lifecycle.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.EventWindow;
import io.noetl.lifecycle.partition.plan.IdWindowGrid;
import io.noetl.lifecycle.partition.plan.Window;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SnowflakeLayoutTest {
    private static final SnowflakeLayout NOETL = SnowflakeLayout.NOETL;

    @Test
    void boundaryIdsOfKnownInstantsUnderNoetlsLayout() {
        assertEquals(660995466854400000L, NOETL.boundaryId(Instant.parse("2026-07-01T00:00:00Z")));
        assertEquals(727674834124800000L, NOETL.boundaryId(Instant.parse("2026-10-01T00:00:00Z")));
        assertEquals(0L, NOETL.boundaryId(Instant.parse("2024-01-01T00:00:00Z")));
    }

    @Test
    void idToTimeToIdRoundTripsAtWindowEdgesAndKeepsTheMillisecond() {
        for (String t : new String[] {"2026-07-01T00:00:00Z", "2026-09-30T23:59:59.999Z", "2027-01-01T00:00:00Z",
                "2024-01-01T00:00:00.001Z"}) {
            Instant time = Instant.parse(t);
            long id = NOETL.boundaryId(time);
            assertEquals(time, NOETL.timeOf(id));
            // every id minted in that millisecond maps back to it
            assertEquals(time, NOETL.timeOf(id | ((1L << 23) - 1)));
            assertEquals(id, NOETL.boundaryId(NOETL.timeOf(id + 12345)));
        }
        // the last id of a quarter belongs to the quarter's last millisecond
        long q4 = NOETL.boundaryId(Instant.parse("2026-10-01T00:00:00Z"));
        assertEquals(Instant.parse("2026-09-30T23:59:59.999Z"), NOETL.timeOf(q4 - 1));
    }

    @Test
    void aCustomEpochAndShift() {
        SnowflakeLayout other = new SnowflakeLayout(Instant.parse("2020-01-01T00:00:00Z"), 22);
        Instant t = Instant.parse("2026-07-01T00:00:00Z");
        long ms = t.toEpochMilli() - Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();
        assertEquals(ms << 22, other.boundaryId(t));
        assertEquals(t, other.timeOf(other.boundaryId(t)));
    }

    @Test
    void overflowIsAnErrorNotAWrap() {
        SnowflakeLayout wide = new SnowflakeLayout(Instant.parse("2024-01-01T00:00:00Z"), 40);
        assertTrue(wide.lastRepresentable().isBefore(Instant.parse("2024-01-01T00:00:00Z").plusSeconds(9_000_000L)));
        assertThrows(ArithmeticException.class, () -> wide.boundaryId(Instant.parse("2100-01-01T00:00:00Z")));
        assertThrows(IllegalArgumentException.class, () -> new SnowflakeLayout(Instant.EPOCH, 63));
    }

    @Test
    void quartersAndHalfYearsAcrossYearEnds() {
        IdWindowGrid quarters = new IdWindowGrid(EventWindow.Quarter, NOETL);
        Window q4 = quarters.windowAt(Instant.parse("2026-12-31T23:59:59.999Z"));
        assertEquals(NOETL.boundaryId(Instant.parse("2026-10-01T00:00:00Z")), q4.from());
        assertEquals(NOETL.boundaryId(Instant.parse("2027-01-01T00:00:00Z")), q4.to());
        assertEquals("event_2026_q4", quarters.partitionName("event", q4));
        assertEquals("event_2027_q1", quarters.partitionName("event", quarters.next(q4)));
        assertEquals("event_2026_q3", quarters.partitionName("event", quarters.previous(q4)));
        assertTrue(quarters.isBoundary(q4.to()));
        assertTrue(!quarters.isBoundary(q4.to() + 1));

        IdWindowGrid halves = new IdWindowGrid(EventWindow.HalfYear, NOETL);
        Window h2 = halves.windowAt(Instant.parse("2026-07-01T00:00:00Z"));
        assertEquals(660995466854400000L, h2.from());
        assertEquals("event_2026_h2", halves.partitionName("event", h2));
        assertEquals("event_2027_h1", halves.partitionName("event", halves.next(h2)));

        IdWindowGrid months = new IdWindowGrid(EventWindow.Month, NOETL);
        assertEquals("event_2027_01", months.partitionName("event",
                months.next(months.windowAt(Instant.parse("2026-12-15T00:00:00Z")))));
        IdWindowGrid years = new IdWindowGrid(EventWindow.Year, NOETL);
        assertEquals("event_2026", years.partitionName("event", years.windowAt(Instant.parse("2026-12-15T00:00:00Z"))));
    }
}
