package io.noetl.lifecycle.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.PrometheusServer;
import io.noetl.lifecycle.support.Teardown;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The remote-write client against a real Prometheus 2.42 receiver ({@link PrometheusServer}; no stand-in): what it
 * does with samples a day old, with and without {@code out_of_order_time_window}, and with a batch sent twice. Two
 * servers per class, each with its own TSDB, removed afterwards. Each first gets one sample of "now", as a
 * Prometheus that scrapes anything has: the head's newest timestamp is what Prometheus measures "too old" against,
 * and an empty TSDB would take a day-old batch in order whatever its configuration. See docs/receivers-measured.md.
 */
class PrometheusReceiverTest {
    /** What the findings say day-old samples need: a window longer than their age (relative to the newest sample). */
    static final Duration WINDOW = Duration.ofDays(2);
    private static final Duration ALL = Duration.ofDays(40);
    private static PrometheusServer withWindow;
    private static PrometheusServer withoutWindow;

    @BeforeAll
    static void start() throws Exception {
        OsTool.PROMETHEUS.assumePresent("to run the Prometheus receiver tests");
        withWindow = PrometheusServer.start(WINDOW);
        withoutWindow = PrometheusServer.start();
    }

    @AfterAll
    static void stop() {
        Teardown.close(withWindow, withoutWindow);
    }

    private static RemoteWriteClient client(PrometheusServer prometheus, int attempts) {
        return new RemoteWriteClient(prometheus.writeUrl(), Map.of(), attempts, Duration.ofMillis(20),
                Duration.ofSeconds(10));
    }

    private static RemoteWriteFrame one(String name, Map<String, String> labels, long millis, double value) {
        return RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series(name, labels,
                List.of(new RemoteWriteFrame.Sample(millis, value)))));
    }

    /** A sample of "now", so that the head's newest timestamp is the present, as in any Prometheus that scrapes. */
    private static void recent(PrometheusServer prometheus, String name) throws Exception {
        assertEquals(1, client(prometheus, 1).send(one(name, Map.of(), Instant.now().toEpochMilli() - 1000, 1)));
    }

    /** The start of the hour a day and an hour ago: 25 hours old, the oldest sample of the day-old batches. */
    private static long dayOld() {
        return Instant.now().minus(Duration.ofHours(25)).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
    }

    @Test
    void withTheOutOfOrderWindowPrometheusHoldsExactlyTheDayOldSamplesSent() throws Exception {
        recent(withWindow, "noetl_test_now");
        long start = dayOld();
        // three series whose label names need sanitising; 240 samples each (an hour at 15 s, millisecond offsets,
        // fractional values, a reset), sent in 4 frames of consecutive quarter hours, each frame in time order
        Map<Map<String, String>, List<RemoteWriteFrame.Sample>> expected = new LinkedHashMap<>();
        List<Map<String, String>> given = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            given.add(Map.of("http.status", s + "xx", "2xx", "yes", "größe", "s" + s, "job", "worker"));
            Map<String, String> stored = new TreeMap<>(Map.of("__name__", "noetl_test_prom_requests_total",
                    "http_status", s + "xx", "_2xx", "yes", "gr__e", "s" + s, "job", "worker"));
            expected.put(stored, new ArrayList<>());
        }
        List<List<RemoteWriteFrame.Series>> frames = new ArrayList<>();
        double[] v = new double[3];
        for (int f = 0; f < 4; f++) {
            List<RemoteWriteFrame.Series> frame = new ArrayList<>();
            int s = 0;
            for (List<RemoteWriteFrame.Sample> all : expected.values()) {
                List<RemoteWriteFrame.Sample> samples = new ArrayList<>();
                for (int i = f * 60; i < (f + 1) * 60; i++) {
                    v[s] = i == 130 ? 0.25 : v[s] + (i % 7) * 1.125 + s;
                    samples.add(new RemoteWriteFrame.Sample(start + i * 15_000L + s * 7 + (i % 3), v[s]));
                }
                all.addAll(samples);
                frame.add(new RemoteWriteFrame.Series("noetl.test.prom-requests_total", given.get(s), samples));
                s++;
            }
            frames.add(frame);
        }
        for (List<RemoteWriteFrame.Series> frame : frames) {
            assertEquals(1, client(withWindow, 1).send(RemoteWriteFrame.of(frame)), "accepted at once (204)");
        }
        Instant end = Instant.ofEpochMilli(start + Duration.ofHours(2).toMillis());
        Map<Map<String, String>, List<RemoteWriteFrame.Sample>> stored = withWindow.rawSamples(
                "noetl_test_prom_requests_total", end, Duration.ofHours(3));
        assertEquals(expected.keySet(), stored.keySet(), "the sanitised label sets, nothing else");
        for (Map<String, String> labels : expected.keySet()) {
            List<RemoteWriteFrame.Sample> want = expected.get(labels);
            List<RemoteWriteFrame.Sample> got = stored.get(labels);
            assertEquals(want.size(), got.size(), labels.toString());
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).timestampMillis(), got.get(i).timestampMillis(), labels + " #" + i);
                assertEquals(want.get(i).value(), got.get(i).value(), 0.0, labels + " #" + i);
            }
        }
        assertEquals(720, withWindow.count("noetl_test_prom_requests_total", end, Duration.ofHours(3)));
    }

    @Test
    void withoutTheWindowDayOldSamplesAreRejectedOnceTheHeadHasRecentOnesAndTheWholeFrameWithThem()
            throws Exception {
        long start = dayOld();
        List<RemoteWriteFrame.Sample> half = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            half.add(new RemoteWriteFrame.Sample(start + i * 15_000L, i));
        }
        RemoteWriteFrame dayOld = RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series("noetl_test_inorder",
                Map.of("job", "worker"), half)));
        // an empty TSDB takes the first samples it gets in order, however old: this frame is accepted...
        assertEquals(1, client(withoutWindow, 1).send(dayOld));
        // ...but the same frame again is not: its samples are older than the series' newest one
        RemoteWriteClient.SendFailure again = assertThrows(RemoteWriteClient.SendFailure.class,
                () -> client(withoutWindow, 3).send(dayOld));
        assertEquals(400, again.status());
        assertFalse(again.retryable());
        assertEquals(withoutWindow.writeUrl() + " answered 400: out of order sample", again.getMessage());

        // once there is a sample of now, anything more than an hour older than it is out of bounds, for any series
        recent(withoutWindow, "noetl_test_now");
        RemoteWriteFrame older = RemoteWriteFrame.of(List.of(
                new RemoteWriteFrame.Series("noetl_test_recent_too", Map.of(), List.of(new RemoteWriteFrame.Sample(
                        Instant.now().toEpochMilli() - 500, 2))),
                new RemoteWriteFrame.Series("noetl_test_inorder_other", Map.of("job", "worker"), List.of(
                        new RemoteWriteFrame.Sample(start + Duration.ofMinutes(40).toMillis(), 1)))));
        RemoteWriteClient.SendFailure rejected = assertThrows(RemoteWriteClient.SendFailure.class,
                () -> client(withoutWindow, 3).send(older));
        assertEquals(400, rejected.status());
        assertFalse(rejected.retryable(), "a 400 is final: the client does not retry it");
        assertEquals(withoutWindow.writeUrl() + " answered 400: out of bounds", rejected.getMessage());
        assertTrue(withoutWindow.log().contains("msg=\"Out of order sample from remote write\" err=\"out of bounds\""),
                withoutWindow.log());
        // the request is one transaction: the recent series of the rejected frame was not stored either
        Instant now = Instant.now();
        assertEquals(0, withoutWindow.count("noetl_test_recent_too", now, Duration.ofMinutes(5)));
        assertEquals(0, withoutWindow.count("noetl_test_inorder_other", now, ALL));
        assertEquals(120, withoutWindow.count("noetl_test_inorder", now, ALL), "the first frame stays");
    }

    @Test
    void samplesOlderThanTheWindowAreA500WhichTheClientRetries() throws Exception {
        recent(withWindow, "noetl_test_now");
        long old = Instant.now().minus(Duration.ofDays(30)).toEpochMilli();
        RemoteWriteClient.SendFailure tooOld = assertThrows(RemoteWriteClient.SendFailure.class,
                () -> client(withWindow, 2).send(one("noetl_test_month_old", Map.of(), old, 1)));
        assertEquals(500, tooOld.status());
        assertTrue(tooOld.retryable(), "a 500 counts as retryable, though it cannot succeed later");
        assertEquals(withWindow.writeUrl() + " answered 500: too old sample (after 2 attempts)", tooOld.getMessage());
        assertEquals(0, withWindow.count("noetl_test_month_old", Instant.now(), ALL));
    }

    @Test
    void withTheWindowAResentBatchIsAcceptedAndStoredOnceAndOtherValuesDoNotReplaceTheFirst() throws Exception {
        recent(withWindow, "noetl_test_now");
        long start = dayOld() + Duration.ofMinutes(5).toMillis();
        // 100 samples: more than one out-of-order head chunk (out_of_order_cap_max is 32 samples by default)
        List<RemoteWriteFrame.Sample> first = new ArrayList<>();
        List<RemoteWriteFrame.Sample> other = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            first.add(new RemoteWriteFrame.Sample(start + i * 15_000L, i));
            other.add(new RemoteWriteFrame.Sample(start + i * 15_000L, 1000 + i));
        }
        RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series("noetl_test_resent",
                Map.of("job", "worker"), first)));
        assertEquals(1, client(withWindow, 1).send(frame));
        assertEquals(1, client(withWindow, 1).send(frame), "the same frame again: 204 as well");
        Instant end = Instant.ofEpochMilli(start + Duration.ofHours(1).toMillis());
        Map<String, String> labels = Map.of("__name__", "noetl_test_resent", "job", "worker");
        assertEquals(Map.of(labels, first), withWindow.rawSamples("noetl_test_resent", end, Duration.ofHours(2)),
                "each sample once");
        assertEquals(100, withWindow.count("noetl_test_resent", end, Duration.ofHours(2)));

        // the same timestamps with other values: accepted too, yet the answer keeps one value per timestamp and
        // not (all) the new ones
        assertEquals(1, client(withWindow, 1).send(RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series(
                "noetl_test_resent", Map.of("job", "worker"), other)))));
        List<RemoteWriteFrame.Sample> after = withWindow.rawSamples("noetl_test_resent", end, Duration.ofHours(2))
                .get(labels);
        assertEquals(100, after.size());
        int replaced = 0;
        for (int i = 0; i < 100; i++) {
            assertEquals(first.get(i).timestampMillis(), after.get(i).timestampMillis());
            double value = after.get(i).value();
            assertTrue(value == i || value == 1000 + i, "#" + i + " is " + value);
            replaced += value == 1000 + i ? 1 : 0;
        }
        assertNotEquals(100, replaced, "a re-send with other values does not replace what is stored");
    }
}
