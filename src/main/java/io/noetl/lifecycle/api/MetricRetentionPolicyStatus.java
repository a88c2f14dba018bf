package io.noetl.lifecycle.api;

/** Status of a {@link MetricRetentionPolicy}: the shared partition report. */
public class MetricRetentionPolicyStatus extends PartitionedTableStatus {
}
