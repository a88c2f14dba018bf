package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.support.MetricShape;

/** {@link ExportPassTestBase}'s tests on the seed's example table (see there for what runs on it). */
class ExportPassSeedExampleTest extends ExportPassTestBase {
    @Override
    MetricShape shape() {
        return MetricShape.SEED_EXAMPLE;
    }
}
