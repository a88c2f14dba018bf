package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RollupGateTest} on {@link MetricShape#LIVE}: NoETL's real {@code noetl.metric}, loaded from NoETL's DDL, its
 * key {@code created_at TIMESTAMP} (without time zone).
 */
class RollupGateLiveTest extends RollupGateTest {
    @Override
    MetricShape shape() {
        return MetricShape.LIVE;
    }
}
