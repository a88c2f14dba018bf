package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RollupGateTest} on {@link MetricShape#SEED_EXAMPLE}: seed 000's example table, its key
 * {@code created_at TIMESTAMPTZ} (not NoETL's live table).
 */
class RollupGateSeedExampleTest extends RollupGateTest {
    @Override
    MetricShape shape() {
        return MetricShape.SEED_EXAMPLE;
    }
}
