package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RetirementProofTest} on {@link MetricShape#SEED_EXAMPLE}: seed 000's example table, its key
 * {@code created_at TIMESTAMPTZ} (not NoETL's live table).
 */
class RetirementProofSeedExampleTest extends RetirementProofTest {
    @Override
    MetricShape shape() {
        return MetricShape.SEED_EXAMPLE;
    }
}
