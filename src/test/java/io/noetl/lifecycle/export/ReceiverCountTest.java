package io.noetl.lifecycle.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The receiver's count as the export asks and reads it: one metric name a query, one result per series, each matched
 * to what was sent by all of its labels (issue 23, 15). The count against a real VictoriaMetrics and Prometheus is
 * ExportPassTestBase's and ExportPassLiveTest's.
 */
class ReceiverCountTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void asksForEachSeriesOfOneNameOverTheRangeAtMillisecondPrecision() {
        Instant oldest = Instant.parse("2026-12-03T01:00:00.003Z");
        Instant newest = Instant.parse("2026-12-03T01:24:50.024Z");
        assertEquals("count_over_time({__name__=\"noetl_jobs_total\"}[1490022ms])", ReceiverCount.query(
                "noetl_jobs_total", oldest, newest), "no sum: one result per series");
        assertEquals("1796261090.024", ReceiverCount.time(newest));
    }

    /**
     * The answer's label sets (without {@code __name__}, which the function drops) hash as the labels sent did, the
     * name put back; a series with one label more or another value is another series, and counts for nothing.
     */
    @Test
    void readsTheCountOfEachSeriesUnderTheHashOfItsLabelsAsSent() throws Exception {
        Map<String, String> sent = Map.of("__name__", "noetl_jobs_total", "pool", "p0", "runtime_name", "cpu-01");
        String answer = "[{\"metric\": {\"pool\": \"p0\", \"runtime_name\": \"cpu-01\"}, \"value\": [1796261090.024, "
                + "\"150\"]}, {\"metric\": {\"pool\": \"other\", \"runtime_name\": \"cpu-01\"}, \"value\": "
                + "[1796261090.024, \"150\"]}, {\"metric\": {\"pool\": \"p0\", \"runtime_name\": \"cpu-01\", \"job\": "
                + "\"scrape\"}, \"value\": [1796261090.024, \"7\"]}]";
        Map<Long, Long> counts = ReceiverCount.bySeries(JSON.readTree(answer), "noetl_jobs_total");
        assertEquals(3, counts.size());
        assertEquals(150L, counts.get(SeriesHash.of(sent)));
        assertEquals(150L, counts.get(SeriesHash.of(Map.of("__name__", "noetl_jobs_total", "pool", "other",
                "runtime_name", "cpu-01"))));
        assertEquals(7L, counts.get(SeriesHash.of(Map.of("__name__", "noetl_jobs_total", "pool", "p0",
                "runtime_name", "cpu-01", "job", "scrape"))));
    }

    @Test
    void aSeriesHashIsOfAllLabelsWhateverTheirOrderAndCannotBeForgedBySplittingAValue() {
        long a = SeriesHash.of(Map.of("__name__", "m", "a", "1", "b", "2"));
        assertEquals(a, SeriesHash.of(new java.util.LinkedHashMap<>(Map.of("b", "2", "__name__", "m", "a", "1"))));
        assertNotEquals(a, SeriesHash.of(Map.of("__name__", "m", "a", "1")));
        assertNotEquals(a, SeriesHash.of(Map.of("__name__", "m", "a", "1", "b", "3")));
        assertNotEquals(a, SeriesHash.of(Map.of("__name__", "n", "a", "1", "b", "2")), "the name is part of it");
        // lengths before the bytes: a value cannot run into the next label
        assertNotEquals(SeriesHash.of(Map.of("a", "1b2")), SeriesHash.of(Map.of("a", "1", "b", "2")));
    }
}
