package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.support.MetricShape;

/**
 * {@link RetirementProofTest} on {@link MetricShape#LIVE}: NoETL's real {@code noetl.metric}, loaded from NoETL's DDL,
 * its key {@code created_at TIMESTAMP} (without time zone) holding wall-clock times of the policy's zone.
 */
class RetirementProofLiveTest extends RetirementProofTest {
    @Override
    MetricShape shape() {
        return MetricShape.LIVE;
    }
}
