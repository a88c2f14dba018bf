package io.noetl.lifecycle.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The CRD generator sorts printer columns by name; kubectl shows them in CRD order. This puts them back in the
 * order the resource class declares them (READY first, AGE last). Wired in by
 * {@code quarkus.operator-sdk.crd.crd-post-processor-class}.
 */
public class PrinterColumnOrder implements CRDPostProcessor {
    static final Map<String, Class<?>> KINDS = Map.of(
            "MetricRetentionPolicy", MetricRetentionPolicy.class,
            "EventPartitionPlan", EventPartitionPlan.class,
            "RuntimeComponent", RuntimeComponent.class);

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (crd instanceof CustomResourceDefinition definition) {
            Class<?> type = KINDS.get(definition.getSpec().getNames().getKind());
            if (type != null) {
                List<String> order = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
                        .map(AdditionalPrinterColumn::name).toList();
                for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
                    if (version.getAdditionalPrinterColumns() != null) {
                        List<CustomResourceColumnDefinition> columns = new ArrayList<>(
                                version.getAdditionalPrinterColumns());
                        columns.sort(Comparator.comparingInt(c -> position(order, c.getName())));
                        version.setAdditionalPrinterColumns(columns);
                    }
                }
            }
        }
        return crd;
    }

    private static int position(List<String> order, String name) {
        int i = order.indexOf(name);
        return i < 0 ? order.size() : i;
    }
}
