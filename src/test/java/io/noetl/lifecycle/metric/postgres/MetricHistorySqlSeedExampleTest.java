package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link MetricHistorySqlTest} on {@link MetricShape#SEED_EXAMPLE}: seed 000's example table, a {@code timestamp
 * TIMESTAMPTZ} sample time beside the {@code created_at TIMESTAMPTZ} insert time and partition key (not NoETL's live
 * table); the only shape on which rows arrive late, in a later partition than their sample time's.
 */
class MetricHistorySqlSeedExampleTest extends MetricHistorySqlTest {
    @Override
    MetricShape shape() {
        return MetricShape.SEED_EXAMPLE;
    }
}
