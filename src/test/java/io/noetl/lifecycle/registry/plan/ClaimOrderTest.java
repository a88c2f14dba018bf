package io.noetl.lifecycle.registry.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClaimOrderTest {
    @Test
    void theEarlierCreatedResourceComesFirstThenTheSmallerUid() {
        ClaimOrder early = ClaimOrder.of("2026-11-21T10:00:00Z", "ffff");
        ClaimOrder late = ClaimOrder.of("2026-11-21T10:00:01Z", "0000");
        assertTrue(early.precedes(late));
        assertFalse(late.precedes(early));
        ClaimOrder sameSecond = ClaimOrder.of("2026-11-21T10:00:00Z", "aaaa");
        assertTrue(sameSecond.precedes(early));
        assertFalse(early.precedes(early));
        // no timestamp sorts last
        assertTrue(late.precedes(ClaimOrder.of(null, "0")));
        assertTrue(late.precedes(ClaimOrder.of("not a time", "0")));
    }
}
