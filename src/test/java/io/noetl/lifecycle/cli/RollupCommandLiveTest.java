package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RollupCommandTest} on {@link MetricShape#LIVE}: NoETL's real {@code noetl.metric}, loaded from NoETL's DDL,
 * {@code created_at TIMESTAMP} (without time zone) its key and sample time.
 */
class RollupCommandLiveTest extends RollupCommandTest {
    @Override
    MetricShape shape() {
        return MetricShape.LIVE;
    }
}
