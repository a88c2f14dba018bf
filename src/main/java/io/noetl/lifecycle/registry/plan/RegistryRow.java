package io.noetl.lifecycle.registry.plan;

import java.time.Instant;

/**
 * A registry row as the operator reads it: its id, and the two fields that belong to the component.
 *
 * @param heartbeat the component's last heartbeat; null until the component has written one
 */
public record RegistryRow(long runtimeId, Instant heartbeat, String status) {
    public static final String OFFLINE = "offline";
    /**
     * The {@code runtime->>'type'} of the rows NoETL's servers keep their control leases in ({@code server_api} rows
     * they take over only while they still have this type): the operator never writes such a row.
     */
    public static final String LEASE_TYPE = "server_control";

    /**
     * The row from its columns, with only a heartbeat the component wrote. NoETL's current schema declares the
     * heartbeat {@code NOT NULL DEFAULT now()}, so the row the operator inserts (offline, no heartbeat given)
     * already holds one: the insert's own time, which is also the {@code created_at} the operator writes with
     * {@code now()} in the same statement. While the row is still offline and its heartbeat is not later than
     * {@code created_at}, nobody but the insert has written it, and the component has no heartbeat yet. A row the
     * component inserted itself with another status keeps its heartbeat.
     *
     * @param createdAt the row's {@code created_at}, or null when the registry has no such column (then only a
     *     NULL heartbeat means none)
     */
    public static RegistryRow read(long runtimeId, Instant heartbeat, String status, Instant createdAt) {
        boolean insertTimeOnly = heartbeat != null && createdAt != null && !heartbeat.isAfter(createdAt)
                && isOffline(status);
        return new RegistryRow(runtimeId, insertTimeOnly ? null : heartbeat, status);
    }

    public boolean offline() {
        return isOffline(status);
    }

    /**
     * Whether the component has written this row itself: a heartbeat of its own (see {@link #read}), or a status
     * other than the {@code offline} the operator's insert gives. From then on the columns the component reports are
     * its own ({@link RegistryMapping.Role#reportedByComponent}). {@code RuntimeRegistry} asks the same of the row in
     * SQL, in the statement that writes.
     */
    public boolean writtenByComponent() {
        return heartbeat != null || !offline();
    }

    private static boolean isOffline(String status) {
        return OFFLINE.equalsIgnoreCase(status == null ? "" : status.strip());
    }
}
