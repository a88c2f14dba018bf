package io.noetl.lifecycle.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    private static void assertRefused(String why, NoetlLabels.Mapped m) {
        assertTrue(m.labels().isEmpty(), m.toString());
        assertTrue(m.refusal().orElseThrow().contains(why), m.refusal().get());
    }
}
