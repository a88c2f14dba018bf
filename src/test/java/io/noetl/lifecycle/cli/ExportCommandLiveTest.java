package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.support.MetricShape;

/** {@link ExportCommandTestBase} on NoETL's live {@code noetl.metric}. */
class ExportCommandLiveTest extends ExportCommandTestBase {
    @Override
    MetricShape shape() {
        return MetricShape.LIVE;
    }
}
