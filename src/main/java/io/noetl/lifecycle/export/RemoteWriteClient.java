package io.noetl.lifecycle.export;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Sends {@link RemoteWriteFrame}s to a Prometheus remote-write endpoint (VictoriaMetrics' {@code /api/v1/write} or
 * {@code /insert/<tenant>/prometheus/api/v1/write}, Prometheus's {@code /api/v1/write}, Mimir, Thanos, Cortex). As the
 * specification asks of senders: a 5xx or a 429 is retried with exponential backoff, at most {@code attempts} times
 * in all; any other 4xx is final and carries the receiver's message; a connection that fails counts as a retryable
 * failure. An {@code https://} receiver's certificate is verified (chain and host name) against the JVM's trust or the
 * authorities given ({@link ReceiverTls}); a certificate that fails the checks is not retried within the send.
 */
public final class RemoteWriteClient {
    /** The most of a receiver's answer quoted in a failure (which lands in status and Events). */
    static final int MESSAGE_LIMIT = 200;

    /** A send that did not succeed; {@link #retryable()} says whether a later pass should try again. */
    public static final class SendFailure extends Exception {
        private final int status;
        private final boolean retryable;

        SendFailure(String message, int status, boolean retryable, Throwable cause) {
            super(message, cause);
            this.status = status;
            this.retryable = retryable;
        }

        /** The receiver's HTTP status; 0 when no answer came. */
        public int status() {
            return status;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final HttpClient http;
    private final URI url;
    private final Map<String, String> extraHeaders;
    private final int attempts;
    private final Duration firstBackoff;
    private final Duration timeout;

    /**
     * @param extraHeaders sent with every request, for example a tenant header or {@code Authorization}
     * @param attempts the most requests one frame takes, the first included (at least 1)
     * @param firstBackoff the wait after the first failure; it doubles after each
     */
    public RemoteWriteClient(URI url, Map<String, String> extraHeaders, int attempts, Duration firstBackoff,
            Duration timeout) {
        this(url, extraHeaders, Optional.empty(), attempts, firstBackoff, timeout);
    }

    /**
     * @param trust the TLS context of {@code spec.export.caSecretRef} ({@link ReceiverTls#trusting}); empty for the
     *     JVM's default trust
     */
    public RemoteWriteClient(URI url, Map<String, String> extraHeaders, Optional<SSLContext> trust, int attempts,
            Duration firstBackoff, Duration timeout) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, not " + attempts);
        }
        this.url = url;
        this.extraHeaders = Map.copyOf(extraHeaders);
        this.attempts = attempts;
        this.firstBackoff = firstBackoff;
        this.timeout = timeout;
        this.http = ReceiverTls.client(timeout, trust);
    }

    /** Sends one frame; returns the number of requests it took. */
    public int send(RemoteWriteFrame frame) throws SendFailure, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofByteArray(frame.body()));
        frame.headers().forEach(request::header);
        extraHeaders.forEach(request::header);
        HttpRequest built = request.build();
        Duration backoff = firstBackoff;
        SendFailure last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2);
            }
            try {
                HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString(
                        StandardCharsets.UTF_8));
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return attempt;
                }
                String message = url + " answered " + status + ": " + quote(redacted(response.body(), extraHeaders));
                boolean retryable = status / 100 == 5 || status == 429;
                last = new SendFailure(message, status, retryable, null);
                if (!retryable) {
                    throw last;
                }
            } catch (IOException e) {
                // the JDK's ConnectException of a refused connection has no message: its name says what happened
                String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                if (ReceiverTls.untrustedCertificate(e)) {
                    // the same certificate answers every attempt: no retry in this pass, the next pass tries again
                    throw new SendFailure(url + " was not trusted (TLS): " + why + "; the receiver's certificate must "
                            + "chain to a CA the operator trusts (spec.export.caSecretRef for a private one) and name "
                            + "the URL's host", 0, true, e);
                }
                last = new SendFailure(url + " could not be reached: " + why, 0, true, e);
            }
        }
        throw new SendFailure(last.getMessage() + " (after " + attempts + " attempts)", last.status(), true, last);
    }

    /**
     * {@code body} with every credential this client sends taken out: a receiver or a proxy may echo the request's
     * headers into its error page, and the answer is quoted in status. Each header value is replaced, and so is its
     * credential alone (after a scheme such as {@code Bearer} or {@code Basic}).
     */
    static String redacted(String body, Map<String, String> headers) {
        if (body == null) {
            return null;
        }
        String out = body;
        for (String value : headers.values()) {
            int space = value.indexOf(' ');
            for (String secret : space > 0 ? new String[] {value, value.substring(space + 1).strip()}
                    : new String[] {value}) {
                if (secret.length() >= 4) {
                    out = out.replace(secret, "<redacted>");
                }
            }
        }
        return out;
    }

    /** A receiver's answer on one line, cut to a length a status message can carry. */
    static String quote(String body) {
        String oneLine = body == null ? "" : body.strip().replaceAll("\\s+", " ");
        return oneLine.length() > MESSAGE_LIMIT ? oneLine.substring(0, MESSAGE_LIMIT) + "..." : oneLine;
    }
}
