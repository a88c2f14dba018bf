package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RollupCommandTest} on {@link MetricShape#SEED_EXAMPLE}: seed 000's example table, a {@code timestamp
 * TIMESTAMPTZ} sample time beside the {@code created_at TIMESTAMPTZ} key (not NoETL's live table).
 */
class RollupCommandSeedExampleTest extends RollupCommandTest {
    @Override
    MetricShape shape() {
        return MetricShape.SEED_EXAMPLE;
    }
}
