package io.noetl.lifecycle.plan;

import java.time.Instant;

/**
 * A registry row as the operator reads it: its id, and the two fields that belong to the component.
 *
 * @param heartbeat null until the component's first heartbeat
 */
public record RegistryRow(long runtimeId, Instant heartbeat, String status) {
    public static final String OFFLINE = "offline";

    public boolean offline() {
        return OFFLINE.equalsIgnoreCase(status == null ? "" : status.strip());
    }
}
