package io.noetl.lifecycle.metric.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.HistoryPace;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@code spec.historyPace}: its defaults, what it parses, what it refuses, and the step sizes a cap makes. */
class HistoryPaceSettingsTest {

    @Test
    void leftOutNoCapTwoActiveBackendsTwoSecondsAndStepsOf100000Rows() throws InvalidSpecException {
        HistoryPaceSettings s = MetricPolicySettings.from(new MetricRetentionPolicySpec()).pace();
        assertEquals(HistoryPaceSettings.DEFAULT, s);
        assertEquals(OptionalLong.empty(), s.maxRollupRowsPerSecond());
        assertEquals(2, s.maxActiveBackends());
        assertEquals(Duration.ofSeconds(2), s.maxHoldPerStep());
        assertEquals(100_000, s.rollupStepTarget());
        assertEquals(10_000, s.exportBatch(10_000));
        assertEquals(HistoryPaceSettings.DEFAULT, HistoryPaceSettings.from(new HistoryPace()));
    }

    @Test
    void writtenItIsParsedAndACapBoundsTheSteps() throws InvalidSpecException {
        HistoryPace p = new HistoryPace();
        p.setMaxRollupRowsPerSecond(5000);
        p.setMaxExportSamplesPerSecond(50);
        p.setMaxActiveBackends(7);
        p.setMaxHoldPerStep("0s");
        p.setRollupStepRows(20_000);
        HistoryPaceSettings s = HistoryPaceSettings.from(p);
        assertEquals(new HistoryPaceSettings(OptionalLong.of(5000), OptionalLong.of(50), 7, Duration.ZERO, 20_000), s);
        assertEquals(5000, s.rollupStepTarget(), "a second's worth under the cap");
        assertEquals(100, s.exportBatch(10_000), "a second's worth, but at least 100");
        assertEquals(30, HistoryPaceSettings.from(p).withRollupStepRows(30).rollupStepTarget());
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheField() {
        HistoryPace zeroCap = new HistoryPace();
        zeroCap.setMaxRollupRowsPerSecond(0);
        assertTrue(assertThrows(InvalidSpecException.class, () -> HistoryPaceSettings.from(zeroCap)).getMessage()
                .contains("historyPace.maxRollupRowsPerSecond"));
        HistoryPace badHold = new HistoryPace();
        badHold.setMaxHoldPerStep("soon");
        assertTrue(assertThrows(InvalidSpecException.class, () -> HistoryPaceSettings.from(badHold)).getMessage()
                .contains("historyPace.maxHoldPerStep"));
        HistoryPace tinySteps = new HistoryPace();
        tinySteps.setRollupStepRows(10);
        assertThrows(InvalidSpecException.class, () -> HistoryPaceSettings.from(tinySteps));
    }
}
