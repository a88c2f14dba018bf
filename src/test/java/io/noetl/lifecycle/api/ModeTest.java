package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModeTest {

    private static Mode of(boolean suspend, boolean dryRun) {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setSuspend(suspend);
        spec.setDryRun(dryRun);
        return Mode.of(spec);
    }

    @Test
    void suspendWinsOverDryRunAndOnlyApplyWrites() {
        assertEquals(Mode.APPLY, of(false, false));
        assertEquals(Mode.DRY_RUN, of(false, true));
        assertEquals(Mode.SUSPEND, of(true, false));
        assertEquals(Mode.SUSPEND, of(true, true));
        assertTrue(Mode.APPLY.writes());
        assertFalse(Mode.DRY_RUN.writes());
        assertFalse(Mode.SUSPEND.writes());
    }

    @Test
    void anObservingModeNamesItsReasonAndItsField() {
        assertEquals(Reason.SUSPENDED, Mode.SUSPEND.observingReason());
        assertEquals(Reason.DRY_RUN, Mode.DRY_RUN.observingReason());
        assertEquals("suspend", Mode.SUSPEND.field());
        assertEquals("dryRun", Mode.DRY_RUN.field());
        assertThrows(IllegalStateException.class, Mode.APPLY::observingReason);
    }
}
