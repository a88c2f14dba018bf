package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RollupSqlTest} on {@link MetricShape#LIVE}: NoETL's real {@code noetl.metric}, loaded from NoETL's DDL, its
 * {@code created_at TIMESTAMP} the partition key and the sample time, here written as Asia/Kolkata wall-clock time.
 */
class RollupSqlLiveTest extends RollupSqlTest {
    @Override
    MetricShape shape() {
        return MetricShape.LIVE;
    }
}
