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

    /**
     * Issue 23, 7: about 850 characters of the notation ("1s" repeated) made the regular expression recurse once per
     * pair; under the Deployment's -Xss512k that was a StackOverflowError, an Error the framework does not catch, so
     * no status was written. Parsing runs here on a thread with that stack size: the text is refused with an
     * IllegalArgumentException, the parse of every length is iterative, and the longest the API admits still parses.
     */
    @Test
    void aLongDurationIsRefusedWithoutOverflowingASmallStack() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                for (int pairs : new int[] {425, 5_000, 100_000}) {
                    String text = "1s".repeat(pairs);
                    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                            IllegalArgumentException.class, () -> DurationSpec.parse(text));
                    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("at most 64 characters")
                            && e.getMessage().length() < 200, e.getMessage());
                }
                org.junit.jupiter.api.Assertions.assertEquals(java.time.Duration.ofSeconds(32),
                        DurationSpec.parse("1s".repeat(32)));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "xss512k", 512 * 1024);
        small.start();
        small.join();
        if (thrown.get() != null) {
            throw new AssertionError("parsing on a 512k stack: " + thrown.get(), thrown.get());
        }
    }

    @Test
    void theParserReadsTheNotationAndNothingElse() {
        org.junit.jupiter.api.Assertions.assertEquals(java.time.Duration.ofDays(8).plusHours(12).plusSeconds(5),
                DurationSpec.parse("1w1d12h5s"));
        for (String bad : new String[] {"", "d", "1", "1x", "1234567s", "1d ", " 1d", "-1d", "1d1", "1D"}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> DurationSpec.parse(bad),
                    bad);
        }
        org.junit.jupiter.api.Assertions.assertEquals(java.time.Duration.ZERO, DurationSpec.parseOrZero("0"));
    }
}
