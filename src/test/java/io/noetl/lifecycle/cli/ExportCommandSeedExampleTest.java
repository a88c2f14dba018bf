package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.support.MetricShape;

/** {@link ExportCommandTestBase} on the seed's example table. */
class ExportCommandSeedExampleTest extends ExportCommandTestBase {
    @Override
    MetricShape shape() {
        return MetricShape.SEED_EXAMPLE;
    }
}
