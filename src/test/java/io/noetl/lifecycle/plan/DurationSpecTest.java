package io.noetl.lifecycle.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationSpecTest {
    @Test
    void parsesEveryUnitAndCompounds() {
        assertEquals(Duration.ofSeconds(90), DurationSpec.parse("90s"));
        assertEquals(Duration.ofMinutes(10), DurationSpec.parse("10m"));
        assertEquals(Duration.ofHours(36), DurationSpec.parse("1d12h"));
        assertEquals(Duration.ofDays(14), DurationSpec.parse("2w"));
    }

    @Test
    void rejectsZeroNegativeUnknownUnitsAndEmptyText() {
        for (String bad : new String[] {"0d", "-1d", "1mo", "1y", "", "d", "1.5h", "1 d", "1D"}) {
            assertThrows(IllegalArgumentException.class, () -> DurationSpec.parse(bad), bad);
        }
    }

    @Test
    void formatsForStatus() {
        assertEquals("45s", DurationSpec.format(Duration.ofSeconds(45)));
        assertEquals("2m5s", DurationSpec.format(Duration.ofSeconds(125)));
        assertEquals("1d2h", DurationSpec.format(Duration.ofHours(26)));
    }

    @Test
    void zeroIsAcceptedWhereAZeroDurationMeansSomething() {
        assertEquals(Duration.ZERO, DurationSpec.parseOrZero("0"));
        assertEquals(Duration.ZERO, DurationSpec.parseOrZero("0s"));
        assertEquals(Duration.ofHours(1), DurationSpec.parseOrZero("1h"));
        for (String bad : new String[] {"00", "-1h", "", "1y"}) {
            assertThrows(IllegalArgumentException.class, () -> DurationSpec.parseOrZero(bad), bad);
        }
    }

    @Test
    void exactRendersEveryUnitSoItReadsBackTheSame() {
        for (Duration d : new Duration[] {Duration.ofDays(30), Duration.ofHours(36), Duration.ofSeconds(90),
                Duration.ofDays(1).plusMinutes(30), Duration.ofDays(14).plusSeconds(1)}) {
            assertEquals(d, DurationSpec.parse(DurationSpec.exact(d)), DurationSpec.exact(d));
        }
        assertEquals("1d30m", DurationSpec.exact(Duration.ofDays(1).plusMinutes(30)));
        assertEquals("0s", DurationSpec.exact(Duration.ZERO));
    }
}
