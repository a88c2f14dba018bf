package io.noetl.lifecycle.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.metric.rollup.SeriesFingerprint;
import io.noetl.lifecycle.support.NestedLabels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The documented mapping of a metric row to remote-write labels, and the rows it refuses. */
class NoetlLabelsTest {

    @Test
    void aRowBecomesItsNameItsFlattenedLabelsAndItsRuntime() {
        NoetlLabels.Mapped m = NoetlLabels.of("http.requests-total", "{\"path\": \"/api\", \"status code\": 200, "
                + "\"ratio\": 2.5, \"ok\": true, \"tags\": [\"a\", 1], \"ctx\": {\"k\": \"v\"}, \"none\": null, "
                + "\"empty\": \"\"}", "worker-1", "worker_pool");
        assertEquals(Map.of("__name__", "http_requests_total", "path", "/api", "status_code", "200", "ratio", "2.5",
                "ok", "true", "tags", "[\"a\",1]", "ctx", "{\"k\":\"v\"}", "runtime_name", "worker-1",
                "runtime_type", "worker_pool"), m.labels().orElseThrow());
    }

    @Test
    void sqlNullLabelsAndAMissingRuntimeAreNoLabels() {
        assertEquals(Map.of("__name__", "cpu"), NoetlLabels.of("cpu", null, null, null).labels().orElseThrow());
        assertEquals(Map.of("__name__", "cpu"), NoetlLabels.of("cpu", "null", null, "").labels().orElseThrow());
    }

    @Test
    void rowsTheMappingCannotExpressAreRefusedWithTheReason() {
        assertRefused("not an object", NoetlLabels.of("cpu", "[1, 2]", null, null));
        assertRefused("reserved label __name__", NoetlLabels.of("cpu", "{\"__name__\": \"x\"}", null, null));
        assertRefused("reserved label runtime_name", NoetlLabels.of("cpu", "{\"runtime.name\": \"x\"}", null, null));
        assertRefused("both become a_b", NoetlLabels.of("cpu", "{\"a.b\": \"1\", \"a_b\": \"2\"}", null, null));
        assertRefused("not JSON", NoetlLabels.of("cpu", "{oops", null, null));
        assertRefused("empty", NoetlLabels.of("", "{}", null, null));
    }

    /**
     * Labels nested deeper than 32 levels are refused with that reason, as the rollups refuse them; 32 levels are
     * sent. Before, 1,000 levels were sent (a label of 6 kB) and 1,001 refused as "not JSON".
     */
    @Test
    void labelsNestedDeeperThan32LevelsAreRefused() {
        assertEquals("{\"a\":".repeat(31) + "1" + "}".repeat(31), NoetlLabels.of("cpu", NestedLabels.json(32), null,
                null).labels().orElseThrow().get("a"));
        for (int levels : List.of(33, 1000, 1001, 6000)) {
            assertRefused("nested deeper than 32 levels", NoetlLabels.of("cpu", NestedLabels.json(levels), null,
                    null));
            assertRefused("nested deeper than 32 levels", NoetlLabels.of("cpu", NestedLabels.jsonWithArrays(levels),
                    null, null));
        }
    }

    @Test
    void theExportAndTheRollupsRefuseTheSameDepth() {
        assertEquals(SeriesFingerprint.MAX_LABEL_DEPTH, NoetlLabels.MAX_DEPTH);
    }

    private static void assertRefused(String why, NoetlLabels.Mapped m) {
        assertTrue(m.labels().isEmpty(), m.toString());
        assertTrue(m.refusal().orElseThrow().contains(why), m.refusal().get());
    }
}
