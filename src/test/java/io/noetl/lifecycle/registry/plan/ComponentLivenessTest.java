package io.noetl.lifecycle.registry.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.ComponentPhase;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ComponentLivenessTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static RegistryRow row(Instant heartbeat, String status) {
        return new RegistryRow(1, heartbeat, status);
    }

    @Test
    void aRowWithoutHeartbeatIsRegisteredEvenThoughItStartsOffline() {
        assertEquals(ComponentPhase.Registered, ComponentLiveness.phase(row(null, "offline"), NOW, TIMEOUT));
    }

    @Test
    void liveUntilTheHeartbeatIsOlderThanTheTimeoutThenStale() {
        assertEquals(ComponentPhase.Live, ComponentLiveness.phase(row(NOW.minusSeconds(60), "ready"), NOW, TIMEOUT));
        assertEquals(ComponentPhase.Stale,
                ComponentLiveness.phase(row(NOW.minusSeconds(61), "ready"), NOW, TIMEOUT));
        assertEquals(ComponentPhase.Live, ComponentLiveness.phase(row(NOW.plusSeconds(5), "busy"), NOW, TIMEOUT));
    }

    @Test
    void offlineWhenTheRowSaysSoWhateverTheHeartbeat() {
        assertEquals(ComponentPhase.Offline, ComponentLiveness.phase(row(NOW, "offline"), NOW, TIMEOUT));
        assertEquals(ComponentPhase.Offline, ComponentLiveness.phase(row(NOW.minusSeconds(600), "OFFLINE"), NOW,
                TIMEOUT));
    }

    @Test
    void marksOfflineOnlyPastTheDeadlineAndOnlyOnce() {
        Duration after = Duration.ofMinutes(5);
        assertFalse(ComponentLiveness.dueToGoOffline(row(NOW.minusSeconds(300), "ready"), NOW, after));
        assertTrue(ComponentLiveness.dueToGoOffline(row(NOW.minusSeconds(301), "ready"), NOW, after));
        assertFalse(ComponentLiveness.dueToGoOffline(row(NOW.minusSeconds(301), "offline"), NOW, after));
        assertFalse(ComponentLiveness.dueToGoOffline(row(null, "offline"), NOW, after));
        assertFalse(ComponentLiveness.dueToGoOffline(row(NOW.minusSeconds(9999), "ready"), NOW, null));
    }

    @Test
    void looksAgainAtTheRefreshOrJustAfterThePhaseWouldChangeWhicheverIsFirst() {
        Duration refresh = Duration.ofSeconds(15);
        assertEquals(NOW.plus(refresh), ComponentLiveness.nextLook(row(null, "offline"), NOW, TIMEOUT, null, refresh));
        // the heartbeat turns 60s old in 5s: look then rather than in 15s
        assertEquals(NOW.plusSeconds(5).plusMillis(1),
                ComponentLiveness.nextLook(row(NOW.minusSeconds(55), "ready"), NOW, TIMEOUT, null, refresh));
        // already stale, markOfflineAfter 70s comes in 10s
        assertEquals(NOW.plusSeconds(10).plusMillis(1), ComponentLiveness.nextLook(row(NOW.minusSeconds(60),
                "ready"), NOW, Duration.ofSeconds(30), Duration.ofSeconds(70), refresh));
        assertEquals(NOW.plus(refresh),
                ComponentLiveness.nextLook(row(NOW.minusSeconds(600), "ready"), NOW, TIMEOUT, null, refresh));
    }

    @Test
    void refreshLeavesRoomForTheSchedulerTick() {
        assertEquals(Duration.ofSeconds(15), ComponentLiveness.refreshPeriod(TIMEOUT, Duration.ofSeconds(15)));
        assertEquals(Duration.ofSeconds(29), ComponentLiveness.refreshPeriod(TIMEOUT, Duration.ofSeconds(1)));
        assertEquals(Duration.ZERO, ComponentLiveness.refreshPeriod(Duration.ofSeconds(10), Duration.ofSeconds(15)));
    }

    @Test
    void aLiveComponentsHeartbeatIsReportedOncePerTimeoutNotOncePerLook() {
        Instant shown = NOW.minusSeconds(30);
        RegistryRow newer = row(NOW.minusSeconds(5), "ready");
        assertFalse(ComponentLiveness.heartbeatReportDue(shown, ComponentPhase.Live, newer, ComponentPhase.Live,
                TIMEOUT));
        assertTrue(ComponentLiveness.heartbeatReportDue(NOW.minusSeconds(65), ComponentPhase.Live, newer,
                ComponentPhase.Live, TIMEOUT));
        // a phase change is always reported, and so are appearing, vanishing and older heartbeats
        assertTrue(ComponentLiveness.heartbeatReportDue(shown, ComponentPhase.Live, newer, ComponentPhase.Stale,
                TIMEOUT));
        assertTrue(ComponentLiveness.heartbeatReportDue(null, ComponentPhase.Live, newer, ComponentPhase.Live,
                TIMEOUT));
        assertTrue(ComponentLiveness.heartbeatReportDue(shown, ComponentPhase.Live, row(null, "ready"),
                ComponentPhase.Live, TIMEOUT));
        assertTrue(ComponentLiveness.heartbeatReportDue(shown, ComponentPhase.Live, row(shown.minusSeconds(1),
                "ready"), ComponentPhase.Live, TIMEOUT));
        assertFalse(ComponentLiveness.heartbeatReportDue(null, ComponentPhase.Registered, row(null, "offline"),
                ComponentPhase.Registered, TIMEOUT));
    }
}
