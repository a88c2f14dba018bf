package io.noetl.lifecycle.metric.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TiersTest {
    private static Optional<Tiers.Problem> check(String... resolutions) {
        return Tiers.check(Arrays.stream(resolutions).map(Resolution::parse).toList());
    }

    @Test
    void eachTierIsACoarserMultipleOfTheOneBefore() {
        assertEquals(Optional.empty(), check("1m", "5m", "1h"));
        assertEquals(Optional.empty(), check("1m", "5m", "1h", "1d", "7d"));
        assertEquals(Optional.empty(), check("5m"));
        assertEquals(Optional.empty(), Tiers.check(List.of()));
        assertEquals(Optional.empty(), check("30s", "90s", "1d12h"));
    }

    @Test
    void aTierNoCoarserThanTheOneBeforeIsNamed() {
        assertEquals(Optional.of(new Tiers.Problem(1, "tier 2's resolution 1m is not coarser than 5m, tier 1's; "
                + "list the tiers from the finest to the coarsest")), check("5m", "1m"));
        assertEquals(1, check("5m", "5m").orElseThrow().index());
        assertEquals(2, check("1m", "1h", "1h").orElseThrow().index());
    }

    @Test
    void aTierThatIsNoMultipleIsNamedWithOneThatIs() {
        assertEquals(Optional.of(new Tiers.Problem(1, "tier 2's resolution 7m is not a multiple of 5m, tier 1's, so its "
                + "buckets would not be made of whole 5m buckets; use a multiple such as 10m")), check("5m", "7m"));
        assertEquals(2, check("1m", "5m", "1h1m").orElseThrow().index());
        // the first problem is reported
        assertEquals(1, check("1m", "90s", "1m").orElseThrow().index());
    }
}
