package io.noetl.lifecycle.partition.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.partition.plan.RetentionGrace.Change;
import io.noetl.lifecycle.partition.plan.RetentionGrace.Decision;
import io.noetl.lifecycle.partition.plan.RetentionGrace.Memory;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a shortened, reverted or lengthened retention does, pass after pass, with the memory each pass leaves. */
class RetentionGraceTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    private static Optional<Duration> days(int n) {
        return Optional.of(Duration.ofDays(n));
    }

    private static Memory inForce(String retention) {
        return new Memory(Optional.of(retention), Optional.empty(), Optional.empty());
    }

    @Test
    void withNothingRememberedTheSpecIsInForceAndRemembered() {
        Decision d = RetentionGrace.decide(days(1), HOUR, Memory.NONE, T0);
        assertEquals(days(1), d.inForce());
        assertEquals(Change.NONE, d.change());
        assertFalse(d.waiting());
        assertEquals(inForce("1d"), d.memory());
        assertEquals(Optional.empty(), d.hold());
    }

    @Test
    void aShortenedRetentionWaitsItsGraceThenTakesEffect() {
        Decision seen = RetentionGrace.decide(days(1), HOUR, inForce("30d"), T0);
        assertEquals(Change.SEEN, seen.change());
        assertEquals(days(30), seen.inForce());
        assertEquals(Optional.of(T0), seen.seenAt());
        assertEquals(Optional.of(T0.plus(HOUR)), seen.effectiveAt());
        assertEquals(new Memory(Optional.of("30d"), Optional.of("1d"), Optional.of(T0)), seen.memory());
        assertEquals(days(30), seen.hold().orElseThrow().inForce());
        assertEquals("spec.retention was shortened from 30d to 1d at 2026-11-21T10:00:00Z; it takes effect at "
                + "2026-11-21T11:00:00Z (spec.retentionChangeGrace 1h) unless set back to 30d", seen.why());

        // a later pass within the grace: still waiting, seen at the first time, no new change
        Decision still = RetentionGrace.decide(days(1), HOUR, seen.memory(), T0.plus(Duration.ofMinutes(59)));
        assertEquals(Change.NONE, still.change());
        assertEquals(days(30), still.inForce());
        assertEquals(Optional.of(T0), still.seenAt());
        assertEquals(seen.memory(), still.memory());

        // at seen + grace it is in force
        Decision effective = RetentionGrace.decide(days(1), HOUR, still.memory(), T0.plus(HOUR));
        assertEquals(Change.TOOK_EFFECT, effective.change());
        assertEquals(days(1), effective.inForce());
        assertEquals("30d", effective.shortenedFrom());
        assertEquals(inForce("1d"), effective.memory());
        assertEquals(Optional.empty(), effective.hold());

        // and stays so
        assertEquals(Change.NONE, RetentionGrace.decide(days(1), HOUR, effective.memory(), T0.plus(HOUR)).change());
    }

    @Test
    void settingTheRetentionBackWithinTheGraceWithdrawsTheChange() {
        Decision seen = RetentionGrace.decide(days(1), HOUR, inForce("30d"), T0);
        Decision back = RetentionGrace.decide(days(30), HOUR, seen.memory(), T0.plus(Duration.ofMinutes(20)));
        assertEquals(Change.WITHDRAWN, back.change());
        assertEquals(days(30), back.inForce());
        assertEquals(inForce("30d"), back.memory());
        // shortening again later is a new change with a new grace
        Decision again = RetentionGrace.decide(days(1), HOUR, back.memory(), T0.plus(Duration.ofMinutes(30)));
        assertEquals(Change.SEEN, again.change());
        assertEquals(Optional.of(T0.plus(Duration.ofMinutes(90))), again.effectiveAt());
    }

    @Test
    void aLengthenedRetentionTakesEffectAtOnceAndWithdrawsAWaitingShortening() {
        Decision longer = RetentionGrace.decide(days(60), HOUR, inForce("30d"), T0);
        assertEquals(Change.NONE, longer.change());
        assertEquals(days(60), longer.inForce());
        assertEquals(inForce("60d"), longer.memory());

        Decision seen = RetentionGrace.decide(days(1), HOUR, inForce("30d"), T0);
        Decision past = RetentionGrace.decide(days(60), HOUR, seen.memory(), T0.plus(Duration.ofMinutes(5)));
        assertEquals(Change.WITHDRAWN, past.change());
        assertEquals(days(60), past.inForce());
    }

    @Test
    void aZeroGraceLetsAShorteningActAtOnce() {
        Decision d = RetentionGrace.decide(days(1), Duration.ZERO, inForce("30d"), T0);
        assertEquals(Change.TOOK_EFFECT, d.change());
        assertEquals(days(1), d.inForce());
        assertEquals(inForce("1d"), d.memory());
    }

    @Test
    void theGraceIsTheSpecsCurrentOneSoLoweringItLetsAWaitingChangeThrough() {
        Decision seen = RetentionGrace.decide(days(1), Duration.ofDays(1), inForce("30d"), T0);
        assertEquals(Optional.of(T0.plus(Duration.ofDays(1))), seen.effectiveAt());
        Decision lowered = RetentionGrace.decide(days(1), Duration.ZERO, seen.memory(), T0.plus(Duration.ofMinutes(1)));
        assertEquals(Change.TOOK_EFFECT, lowered.change());
        assertEquals(days(1), lowered.inForce());
        // raising it makes the change wait longer
        Decision raised = RetentionGrace.decide(days(1), Duration.ofDays(2), seen.memory(), T0.plus(Duration.ofDays(1)));
        assertTrue(raised.waiting());
        assertEquals(Optional.of(T0.plus(Duration.ofDays(2))), raised.effectiveAt());
    }

    @Test
    void anotherShorteningWhileOneWaitsIsANewChangeSeenNow() {
        Decision seen = RetentionGrace.decide(days(7), HOUR, inForce("30d"), T0);
        Instant later = T0.plus(Duration.ofMinutes(40));
        Decision other = RetentionGrace.decide(days(1), HOUR, seen.memory(), later);
        assertEquals(Change.SEEN, other.change());
        assertEquals(days(30), other.inForce());
        assertEquals(Optional.of(later.plus(HOUR)), other.effectiveAt());
    }

    @Test
    void aRetentionAddedWhereEverythingWasKeptIsAShorteningAndRemovingItIsNot() {
        Decision added = RetentionGrace.decide(days(180), HOUR, inForce(RetentionGrace.FOREVER), T0);
        assertEquals(Change.SEEN, added.change());
        assertEquals(Optional.empty(), added.inForce());
        assertEquals(Optional.empty(), added.hold().orElseThrow().inForce());
        assertTrue(added.why().contains("from forever to 180d"), added.why());

        Decision removed = RetentionGrace.decide(Optional.empty(), HOUR, inForce("180d"), T0);
        assertEquals(Change.NONE, removed.change());
        assertEquals(inForce(RetentionGrace.FOREVER), removed.memory());
    }

    @Test
    void retentionsAreComparedByLengthNotSpelling() {
        assertEquals(Change.NONE, RetentionGrace.decide(Optional.of(Duration.ofHours(720)), HOUR, inForce("30d"), T0)
                .change());
        assertEquals("1d12h", RetentionGrace.text(Optional.of(Duration.ofHours(36))));
        assertEquals(Optional.of(Optional.of(Duration.ofHours(36))), RetentionGrace.read("1d12h"));
    }

    @Test
    void anUnreadableMemoryIsNoMemory() {
        Decision d = RetentionGrace.decide(days(1), HOUR, inForce("a while"), T0);
        assertEquals(days(1), d.inForce());
        assertEquals(Change.NONE, d.change());
    }
}
