package io.noetl.lifecycle.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A worker, server or broker declared in Git and registered in the {@code noetl.runtime} registry. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@ShortNames("rtc")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.componentType", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Runtime ID", jsonPath = ".status.runtimeId", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Last Heartbeat", jsonPath = ".status.lastHeartbeat", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class RuntimeComponent extends CustomResource<RuntimeComponentSpec, RuntimeComponentStatus> implements Namespaced {
}
