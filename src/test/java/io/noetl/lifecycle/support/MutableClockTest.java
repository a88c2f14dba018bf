package io.noetl.lifecycle.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The test clock's listeners: every move, in order, heard before the clock reads it, and one failing listener does not
 * silence the others.
 */
class MutableClockTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    @Test
    void listenersHearEverySetAndAdvanceUntilRemoved() {
        MutableClock clock = new MutableClock();
        List<Instant> heard = new ArrayList<>();
        Consumer<Instant> listener = heard::add;
        clock.addListener(listener);
        clock.set(NOW);
        clock.advance(Duration.ofMinutes(1));
        clock.removeListener(listener);
        clock.advance(Duration.ofMinutes(1));
        assertEquals(List.of(NOW, NOW.plusSeconds(60)), heard);
        assertEquals(NOW.plusSeconds(120), clock.instant());
    }

    @Test
    void theClockReadsTheNewTimeOnlyOnceEveryListenerHasHeardIt() {
        MutableClock clock = new MutableClock();
        clock.set(NOW);
        List<Instant> readWhileHearing = new ArrayList<>();
        clock.addListener(t -> readWhileHearing.add(clock.instant()));
        clock.addListener(t -> readWhileHearing.add(clock.instant()));
        clock.advance(Duration.ofMinutes(30));
        assertEquals(List.of(NOW, NOW), readWhileHearing);
        assertEquals(NOW.plusSeconds(1800), clock.instant());
    }

    @Test
    void aFailingListenerFailsTheMoveAfterTheOthersHeardIt() {
        MutableClock clock = new MutableClock();
        List<Instant> heard = new ArrayList<>();
        IllegalStateException failure = new IllegalStateException("listener down");
        clock.addListener(t -> {
            throw failure;
        });
        clock.addListener(heard::add);
        assertSame(failure, assertThrows(IllegalStateException.class, () -> clock.set(NOW)));
        assertEquals(List.of(NOW), heard);
        assertEquals(NOW, clock.instant());
    }
}
