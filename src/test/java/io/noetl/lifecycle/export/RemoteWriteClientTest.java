package io.noetl.lifecycle.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.VictoriaMetricsServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The remote-write client against a real VictoriaMetrics (round trip, a batch sent twice, receiver stopped) and, for
 * the status codes a real receiver cannot be made to answer on purpose (a 503 that clears, a 429, a 400), against a
 * JDK HttpServer stand-in that answers them. Prometheus as the receiver: PrometheusReceiverTest.
 */
class RemoteWriteClientTest {

    private static RemoteWriteClient client(URI url, int attempts) {
        return new RemoteWriteClient(url, Map.of(), attempts, Duration.ofMillis(20), Duration.ofSeconds(10));
    }

    @Test
    void victoriaMetricsHoldsExactlyTheSamplesSent() throws Exception {
        OsTool.VICTORIA_METRICS.assumePresent("to run the remote-write round trip");
        try (VictoriaMetricsServer vm = VictoriaMetricsServer.start()) {
            // yesterday's samples, one every 15 s, millisecond timestamps, values with fractions and a reset
            Instant start = Instant.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
            Random random = new Random(3);
            List<RemoteWriteFrame.Series> series = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                List<RemoteWriteFrame.Sample> samples = new ArrayList<>();
                double v = 0;
                for (int i = 0; i < 500; i++) {
                    v = i == 250 ? 1.5 : v + random.nextInt(1000) / 8.0;
                    samples.add(new RemoteWriteFrame.Sample(start.toEpochMilli() + i * 15_000L + s * 7, v));
                }
                series.add(new RemoteWriteFrame.Series("noetl_test_requests_total", Map.of("host", "h" + s,
                        "job", "worker"), samples));
            }
            assertEquals(1, client(vm.writeUrl(), 3).send(RemoteWriteFrame.of(series)));
            vm.flush();
            List<String> lines = vm.export("{__name__=\"noetl_test_requests_total\"}");
            assertEquals(3, lines.size(), lines.toString());
            ObjectMapper json = new ObjectMapper();
            for (String line : lines) {
                JsonNode node = json.readTree(line);
                int s = Integer.parseInt(node.get("metric").get("host").asText().substring(1));
                List<RemoteWriteFrame.Sample> sent = series.get(s).samples();
                assertEquals(sent.size(), node.get("values").size());
                for (int i = 0; i < sent.size(); i++) {
                    assertEquals(sent.get(i).timestampMillis(), node.get("timestamps").get(i).asLong());
                    assertEquals(sent.get(i).value(), node.get("values").get(i).asDouble(), 0.0);
                }
            }
            // the receiver stopped: a retryable failure after every attempt, nothing claimed as sent
            vm.stop();
            RemoteWriteClient.SendFailure down = assertThrows(RemoteWriteClient.SendFailure.class,
                    () -> client(vm.writeUrl(), 2).send(RemoteWriteFrame.of(series)));
            assertTrue(down.retryable());
            assertEquals(0, down.status());
            assertTrue(down.getMessage().contains("could not be reached") && down.getMessage().contains("2 attempts"),
                    down.getMessage());
        }
    }

    @Test
    void victoriaMetricsKeepsEverySampleOfABatchSentTwice() throws Exception {
        OsTool.VICTORIA_METRICS.assumePresent("to run the remote-write round trip");
        try (VictoriaMetricsServer vm = VictoriaMetricsServer.start()) {
            long start = Instant.now().minus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.HOURS)
                    .toEpochMilli();
            List<RemoteWriteFrame.Sample> samples = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                samples.add(new RemoteWriteFrame.Sample(start + i * 15_000L, i));
            }
            RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series("noetl_test_resent",
                    Map.of("job", "worker"), samples)));
            assertEquals(1, client(vm.writeUrl(), 1).send(frame));
            assertEquals(1, client(vm.writeUrl(), 1).send(frame), "the same frame again: 204 as well");
            vm.flush();
            List<String> lines = vm.export("noetl_test_resent");
            assertEquals(1, lines.size(), lines.toString());
            JsonNode node = new ObjectMapper().readTree(lines.get(0));
            // without -dedup.minScrapeInterval, VictoriaMetrics 1.79 stores (and exports, and counts) both copies
            assertEquals(20, node.get("timestamps").size(), lines.get(0));
            for (int i = 0; i < 20; i++) {
                assertEquals(samples.get(i / 2).timestampMillis(), node.get("timestamps").get(i).asLong());
                assertEquals(i / 2, node.get("values").get(i).asDouble(), 0.0);
            }
        }
    }

    @Test
    void a503OrA429IsRetriedAndA400StopsWithTheReceiversMessage() throws Exception {
        List<Integer> answers = new ArrayList<>(List.of(503, 429, 204, 400));
        AtomicInteger requests = new AtomicInteger();
        List<String> encodings = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/write", exchange -> {
            requests.incrementAndGet();
            encodings.add(exchange.getRequestHeaders().getFirst("Content-Encoding") + " "
                    + exchange.getRequestHeaders().getFirst("X-Prometheus-Remote-Write-Version"));
            exchange.getRequestBody().readAllBytes();
            int status;
            synchronized (answers) {
                status = answers.remove(0);
            }
            byte[] body = (status == 400 ? "cannot parse the request: a label without a name" : "").getBytes(
                    StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, status == 204 ? -1 : body.length);
            if (status != 204) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/write");
            RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series("up", Map.of(),
                    List.of(new RemoteWriteFrame.Sample(1_700_000_000_000L, 1)))));
            assertEquals(3, client(url, 5).send(frame), "503, then 429, then 204");
            RemoteWriteClient.SendFailure rejected = assertThrows(RemoteWriteClient.SendFailure.class,
                    () -> client(url, 5).send(frame));
            assertFalse(rejected.retryable());
            assertEquals(400, rejected.status());
            assertTrue(rejected.getMessage().contains("a label without a name"), rejected.getMessage());
            assertEquals(4, requests.get(), "a 400 is not retried");
            assertTrue(encodings.stream().allMatch("snappy 0.1.0"::equals), encodings.toString());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aReceiversAnswerLandsAsAShortExcerptWithoutTheCredentials() throws Exception {
        String token = "tok-" + "s3cret".repeat(4);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/write", exchange -> {
            exchange.getRequestBody().readAllBytes();
            // a receiver (or a proxy in front of it) that echoes the request's headers into its error page
            byte[] body = ("bad request; you sent Authorization: " + exchange.getRequestHeaders().getFirst(
                    "Authorization") + " " + "x".repeat(1000)).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/write");
            RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series("up", Map.of(),
                    List.of(new RemoteWriteFrame.Sample(1_700_000_000_000L, 1)))));
            RemoteWriteClient.SendFailure rejected = assertThrows(RemoteWriteClient.SendFailure.class,
                    () -> new RemoteWriteClient(url, Map.of("Authorization", "Bearer " + token), 1,
                            java.time.Duration.ofMillis(1), java.time.Duration.ofSeconds(5)).send(frame));
            String message = rejected.getMessage();
            assertFalse(message.contains(token), message);
            assertFalse(message.contains("s3cret"), message);
            assertTrue(message.contains("bad request"), message);
            String quoted = message.substring(message.indexOf("answered 400: ") + "answered 400: ".length());
            assertTrue(quoted.length() <= 203, quoted.length() + " characters of the answer: " + quoted);
        } finally {
            server.stop(0);
        }
    }
}
