package io.noetl.lifecycle.report;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The Java Operator SDK's own metrics, without per-resource series. quarkus-operator-sdk's default
 * ({@code MicrometerMetricsProvider}, whose {@code Metrics} producer is a {@code @DefaultBean}) collects them per
 * resource: counters of events, reconciliations, successes and failures and a reconcile timer with percentiles,
 * labelled with each resource's name and namespace (eight meters and about 80 lines of {@code /q/metrics} per
 * resource, see FrameworkMetricsTest and MetricsEndpointSeriesTest), which for 10,000 RuntimeComponents filled the
 * heap with meters and made {@code /q/metrics} fail. This bean replaces it; the same series remain, per controller,
 * resource kind and scope.
 */
@Singleton
public class FrameworkMetrics {

    @Produces
    @Singleton
    Metrics operatorSdkMetrics(MeterRegistry registry) {
        return MicrometerMetrics.withoutPerResourceMetrics(registry);
    }
}
