package io.noetl.lifecycle.registry.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.noetl.lifecycle.api.ComponentPhase;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which heartbeat is the component's, when the registry's column defaults to now(). */
class RegistryRowTest {
    private static final Instant CREATED = Instant.parse("2026-11-21T10:00:00.123456Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void theInsertsOwnHeartbeatOnAnOfflineRowIsNone() {
        RegistryRow row = RegistryRow.read(1, CREATED, "offline", CREATED);
        assertNull(row.heartbeat());
        // a second later it is still Registered, not Offline with "last heartbeat 1s"
        assertEquals(ComponentPhase.Registered, ComponentLiveness.phase(row, CREATED.plusSeconds(1), TIMEOUT));
        assertEquals(ComponentPhase.Registered,
                ComponentLiveness.phase(RegistryRow.read(1, CREATED, " OFFLINE ", CREATED), CREATED, TIMEOUT));
    }

    @Test
    void aLaterHeartbeatOrAnotherStatusIsTheComponents() {
        Instant later = CREATED.plusNanos(1000);
        assertEquals(later, RegistryRow.read(1, later, "offline", CREATED).heartbeat());
        assertEquals(ComponentPhase.Offline,
                ComponentLiveness.phase(RegistryRow.read(1, later, "offline", CREATED), later, TIMEOUT));
        // inserted by the component itself, ready at once
        assertEquals(ComponentPhase.Live,
                ComponentLiveness.phase(RegistryRow.read(1, CREATED, "ready", CREATED), CREATED, TIMEOUT));
    }

    @Test
    void withoutCreatedAtOnlyANullHeartbeatIsNone() {
        assertEquals(CREATED, RegistryRow.read(1, CREATED, "offline", null).heartbeat());
        assertNull(RegistryRow.read(1, null, "offline", CREATED).heartbeat());
        assertNull(RegistryRow.read(1, null, "ready", null).heartbeat());
    }
}
