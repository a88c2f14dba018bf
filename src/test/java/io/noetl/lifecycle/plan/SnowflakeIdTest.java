package io.noetl.lifecycle.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.registry.plan.RuntimeIdGenerator;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SnowflakeIdTest {
    @Test
    void layoutIsMillisecondsSince2024ShiftedLeft23ThenShardThenSequence() {
        Instant t = Instant.parse("2026-07-01T00:00:00Z");
        long ms = SnowflakeId.millisSinceEpoch(t);
        long id = SnowflakeId.compose(ms, 5, 7);
        assertEquals((ms << 23) | (5L << 18) | 7, id);
        assertEquals(t, SnowflakeId.timeOf(id));
        assertEquals(5, SnowflakeId.shardOf(id));
        assertEquals(7, SnowflakeId.sequenceOf(id));
        // the same boundary arithmetic EventPartitionPlan uses: an id's time is epoch + (id >> 23)
        assertEquals(ms << 23, SnowflakeId.compose(ms, 0, 0));
    }

    @Test
    void rejectsValuesOutsideTheirBits() {
        assertThrows(IllegalArgumentException.class, () -> SnowflakeId.compose(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SnowflakeId.compose(0, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> SnowflakeId.compose(0, 0, 1 << 18));
        assertTrue(SnowflakeId.compose(SnowflakeId.MAX_MILLIS, 31, SnowflakeId.MAX_SEQUENCE) > 0);
    }

    @Test
    void generatorIsUniqueAndIncreasingEvenWhenTheClockStepsBackOrASequenceRunsOut() {
        RuntimeIdGenerator g = new RuntimeIdGenerator(31);
        long a = g.next(1000);
        long b = g.next(1000);
        long c = g.next(999); // the clock stepped back
        assertEquals(SnowflakeId.compose(1000, 31, 0), a);
        assertEquals(SnowflakeId.compose(1000, 31, 1), b);
        assertEquals(SnowflakeId.compose(1000, 31, 2), c);
        long last = c;
        for (int i = 3; i <= SnowflakeId.MAX_SEQUENCE; i++) {
            last = g.next(1000);
        }
        assertEquals(SnowflakeId.compose(1000, 31, SnowflakeId.MAX_SEQUENCE), last);
        long borrowed = g.next(1000);
        assertEquals(SnowflakeId.compose(1001, 31, 0), borrowed);
        assertTrue(g.next(1001) > borrowed);
        assertEquals(31, SnowflakeId.shardOf(borrowed));
    }
}
