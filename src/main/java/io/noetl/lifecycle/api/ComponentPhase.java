package io.noetl.lifecycle.api;

/** Where a registered component stands. */
public enum ComponentPhase {
    /** The row exists; no heartbeat yet. */
    Registered,
    /** The last heartbeat is within {@code heartbeatTimeout}. */
    Live,
    /** The last heartbeat is older than {@code heartbeatTimeout}. */
    Stale,
    /** The row's status says offline. */
    Offline
}
