package io.noetl.lifecycle.reconcile;

/** How the informers list what they watch. */
public final class ResourcePages {
    /**
     * Objects per page when an informer lists (at start, and after a watch expired). Without a limit the server
     * answers one list of everything, which the client holds whole while it parses: on 10,000 RuntimeComponents tens
     * of megabytes at once, at start-up, when the heap is busiest. 500 is what kubectl and client-go's reflectors use.
     */
    public static final long LIST_LIMIT = 500;

    private ResourcePages() {
    }
}
