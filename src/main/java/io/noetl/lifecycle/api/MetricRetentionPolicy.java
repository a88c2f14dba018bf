package io.noetl.lifecycle.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Keeps the time-ranged partitions of a table such as {@code noetl.metric} created ahead and expired ones retired. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("mrp")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Partitions", jsonPath = ".status.partitionCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.totalSize", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Oldest", jsonPath = ".status.oldest.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Newest", jsonPath = ".status.newest.name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Rolled Up", jsonPath = ".status.rollupWatermark", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Exported", jsonPath = ".status.export.watermark", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Last Maintenance", jsonPath = ".status.lastMaintenance.finishedAt", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MetricRetentionPolicy extends CustomResource<MetricRetentionPolicySpec, MetricRetentionPolicyStatus>
        implements Namespaced {
    /**
     * The spec as written, or all defaults when the resource has none (the API server defaults the fields of a spec,
     * not a missing spec). Not a bean property: it is never serialised, so no write of the operator carries it.
     */
    public MetricRetentionPolicySpec specOrDefaults() {
        return getSpec() != null ? getSpec() : new MetricRetentionPolicySpec();
    }
}
