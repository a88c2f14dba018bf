package io.noetl.lifecycle.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Finding;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When the two clocks count as disagreeing, and what the finding says; no database. */
class ClockSkewFindingTest {
    private static final Instant SERVER = Instant.parse("2026-11-21T10:00:00Z");
    private static final Duration MAX = Duration.ofSeconds(30);

    @Test
    void upToTheLimitEitherWayTheClocksAgree() {
        assertEquals(Optional.empty(), PolicyPass.skew(SERVER, SERVER, MAX));
        assertEquals(Optional.empty(), PolicyPass.skew(SERVER.plusSeconds(30), SERVER, MAX));
        assertEquals(Optional.empty(), PolicyPass.skew(SERVER.minusSeconds(30), SERVER, MAX));
    }

    @Test
    void beyondItTheFindingNamesBothTimesAndTheDirection() {
        Finding ahead = PolicyPass.skew(SERVER.plus(Duration.ofDays(30)), SERVER, MAX).orElseThrow();
        assertEquals(Reason.CLOCK_SKEW, ahead.reason());
        assertTrue(ahead.message().startsWith("the operator's clock (2026-12-21T10:00:00Z) is 30d ahead of the database "
                + "server's (2026-11-21T10:00:00Z)"), ahead.message());
        assertTrue(ahead.message().contains("nothing is retired"), ahead.message());
        Finding behind = PolicyPass.skew(SERVER.minusMillis(30_001), SERVER, MAX).orElseThrow();
        assertTrue(behind.message().contains("is 30s behind the database server's"), behind.message());
    }
}
