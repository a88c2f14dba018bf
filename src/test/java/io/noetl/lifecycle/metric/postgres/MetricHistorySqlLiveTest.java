package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link MetricHistorySqlTest} on {@link MetricShape#LIVE}: NoETL's real {@code noetl.metric}, loaded from NoETL's DDL,
 * its {@code created_at TIMESTAMP} the partition key and the sample time, written as UTC wall-clock time.
 */
class MetricHistorySqlLiveTest extends MetricHistorySqlTest {
    @Override
    MetricShape shape() {
        return MetricShape.LIVE;
    }
}
