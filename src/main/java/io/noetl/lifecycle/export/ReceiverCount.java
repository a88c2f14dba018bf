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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Asks a receiver's Prometheus query API ({@code /api/v1/query}, as VictoriaMetrics, Prometheus and Mimir serve it)
 * how many samples it holds of some metric names in a time range: {@code sum(count_over_time({__name__=~"a|b"}[w]))}
 * evaluated at the newest sample's time, with the window reaching one millisecond before the oldest, so that the
 * range counted is [oldest, newest] at millisecond precision. Names are asked in groups of {@value #NAMES_PER_QUERY}.
 * VictoriaMetrics' result cache is bypassed ({@code nocache=1}; other receivers ignore the parameter).
 *
 * <p>The count covers every sample of those names in the range, whoever wrote it: it proves that the receiver holds
 * at least as many samples as were sent, not that each is one of them.
 */
public final class ReceiverCount {
    static final int NAMES_PER_QUERY = 100;
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

    /** The queries that count {@code names} (already sanitised metric names) from {@code oldest} to {@code newest}. */
    static List<String> queries(Collection<String> names, Instant oldest, Instant newest) {
        long windowMillis = Math.max(1, newest.toEpochMilli() - oldest.toEpochMilli() + 1);
        List<String> sorted = names.stream().distinct().sorted().toList();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i += NAMES_PER_QUERY) {
            String alternatives = String.join("|", sorted.subList(i, Math.min(sorted.size(), i + NAMES_PER_QUERY)));
            out.add("sum(count_over_time({__name__=~\"" + alternatives + "\"}[" + windowMillis + "ms]))");
        }
        return out;
    }

    /** The evaluation time of {@link #queries}: the newest sample's millisecond, in seconds. */
    static String time(Instant newest) {
        return String.format(Locale.ROOT, "%d.%03d", Math.floorDiv(newest.toEpochMilli(), 1000),
                Math.floorMod(newest.toEpochMilli(), 1000));
    }

    /** How many samples of {@code names} the receiver holds from {@code oldest} to {@code newest}, both included. */
    public long count(Collection<String> names, Instant oldest, Instant newest) throws CountFailure,
            InterruptedException {
        long total = 0;
        for (String query : queries(names, oldest, newest)) {
            total += ask(query, time(newest));
        }
        return total;
    }

    private long ask(String query, String time) throws CountFailure, InterruptedException {
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
            long sum = 0;
            for (JsonNode r : result) {
                sum += (long) Double.parseDouble(r.path("value").path(1).asText("0"));
            }
            return sum;
        } catch (IOException | NumberFormatException e) {
            throw new CountFailure(queryUrl + " answered what is not a count: " + RemoteWriteClient.quote(body), e);
        }
    }
}
