package io.noetl.lifecycle.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;

/**
 * Asks a receiver's Prometheus query API ({@code /api/v1/query}, as VictoriaMetrics, Prometheus and Mimir serve it)
 * how many samples it holds of each series of one metric name in a time range: {@code count_over_time(
 * {__name__="name"}[w])} evaluated at the newest sample's time, with the window reaching one millisecond before the
 * oldest, so that the range counted is [oldest, newest] at millisecond precision. The answer has one result per series
 * with its labels, less {@code __name__} (the function drops it; it is put back from the query), and each is keyed by
 * its {@link SeriesHash}, for the export to compare series by series with what it sent. One name per query: with
 * several, two series differing only in their name would be one label set once the name is dropped, which Prometheus
 * refuses ("vector cannot contain metrics with the same labelset"). VictoriaMetrics' result cache is bypassed
 * ({@code nocache=1}; other receivers ignore the parameter).
 *
 * <p>A series is matched by all of its labels: the samples another writer sends under other labels are another
 * series, and do not count for the operator's.
 */
public final class ReceiverCount {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final URI queryUrl;
    private final Map<String, String> headers;
    private final Duration timeout;

    public ReceiverCount(URI queryUrl, Map<String, String> headers, Duration timeout) {
        this(queryUrl, headers, Optional.empty(), timeout);
    }

    /** @param trust the TLS context of {@code spec.export.caSecretRef}; empty for the JVM's default trust */
    public ReceiverCount(URI queryUrl, Map<String, String> headers, Optional<SSLContext> trust, Duration timeout) {
        this.queryUrl = queryUrl;
        this.headers = Map.copyOf(headers);
        this.timeout = timeout;
        this.http = ReceiverTls.client(timeout, trust);
    }

    /** Why a count could not be had: the receiver unreachable, an error answer, or an answer that is not a count. */
    public static final class CountFailure extends Exception {
        public CountFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The query that counts the samples of each series of {@code name} (a sanitised metric name) in the window. */
    static String query(String name, Instant oldest, Instant newest) {
        long windowMillis = Math.max(1, newest.toEpochMilli() - oldest.toEpochMilli() + 1);
        return "count_over_time({__name__=\"" + name + "\"}[" + windowMillis + "ms])";
    }

    /** The evaluation time of {@link #query}: the newest sample's millisecond, in seconds. */
    static String time(Instant newest) {
        return String.format(Locale.ROOT, "%d.%03d", Math.floorDiv(newest.toEpochMilli(), 1000),
                Math.floorMod(newest.toEpochMilli(), 1000));
    }

    /**
     * How many samples the receiver holds of each series of {@code name} (a sanitised metric name) from
     * {@code oldest} to {@code newest}, both included, by the {@link SeriesHash} of the series' labels.
     */
    public Map<Long, Long> countBySeries(String name, Instant oldest, Instant newest) throws CountFailure,
            InterruptedException {
        return bySeries(ask(query(name, oldest, newest), time(newest)), name);
    }

    /**
     * An instant vector's results by the {@link SeriesHash} of their labels, {@code __name__} put back as {@code name}
     * where the answer leaves it out; each value a count.
     */
    static Map<Long, Long> bySeries(JsonNode result, String name) throws NumberFormatException {
        Map<Long, Long> out = new HashMap<>();
        for (JsonNode r : result) {
            Map<String, String> labels = new TreeMap<>();
            labels.put(RemoteWriteFrame.METRIC_NAME_LABEL, name);
            r.path("metric").fields().forEachRemaining(l -> labels.put(l.getKey(), l.getValue().asText()));
            out.merge(SeriesHash.of(labels), (long) Double.parseDouble(r.path("value").path(1).asText("0")),
                    Long::sum);
        }
        return out;
    }

    /** The {@code result} of the instant query {@code query} at {@code time}. */
    private JsonNode ask(String query, String time) throws CountFailure, InterruptedException {
        String form = "query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time=" + time + "&nocache=1";
        HttpRequest.Builder request = HttpRequest.newBuilder(queryUrl).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        headers.forEach(request::header);
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CountFailure(queryUrl + " could not be reached: " + (e.getMessage() == null ? e.getClass()
                    .getSimpleName() : e.getMessage()), e);
        }
        String body = RemoteWriteClient.redacted(response.body() == null ? "" : response.body(), headers);
        if (response.statusCode() / 100 != 2) {
            throw new CountFailure(queryUrl + " answered " + response.statusCode() + ": " + RemoteWriteClient.quote(body), null);
        }
        try {
            JsonNode root = JSON.readTree(body);
            if (!"success".equals(root.path("status").asText())) {
                throw new CountFailure(queryUrl + " answered " + RemoteWriteClient.quote(body), null);
            }
            JsonNode result = root.path("data").path("result");
            if (!result.isArray()) {
                throw new CountFailure(queryUrl + " answered no vector: " + RemoteWriteClient.quote(body), null);
            }
            for (JsonNode r : result) {
                Double.parseDouble(r.path("value").path(1).asText("0")); // an answer that is not a count fails here
            }
            return result;
        } catch (IOException | NumberFormatException e) {
            throw new CountFailure(queryUrl + " answered what is not a count: " + RemoteWriteClient.quote(body), e);
        }
    }
}
