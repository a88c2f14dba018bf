package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RollupSqlTest} on {@link MetricShape#SEED_EXAMPLE}: seed 000's example table, a {@code timestamp TIMESTAMPTZ}
 * sample time beside the {@code created_at TIMESTAMPTZ} insert time and partition key (not NoETL's live table).
 */
class RollupSqlSeedExampleTest extends RollupSqlTest {
    @Override
    MetricShape shape() {
        return MetricShape.SEED_EXAMPLE;
    }
}
