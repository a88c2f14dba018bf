package io.noetl.lifecycle.api;

/** How the operator makes sure a receiver holds an exported partition before it lets the partition go. */
public enum ExportVerify {
    /**
     * Ask the receiver's Prometheus query API how many samples it holds of each series the partition sent, in the
     * partition's sample-time range, matching series by all of their labels; every series must hold at least what was
     * sent of it (VictoriaMetrics, Prometheus, Mimir).
     */
    Query,
    /**
     * Trust the receiver's 2xx acknowledgement of every batch: for a write-only endpoint without a query API. The
     * status says so.
     */
    AckOnly
}
