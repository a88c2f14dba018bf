package io.noetl.lifecycle.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import io.noetl.lifecycle.support.TestCertificates;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The export's clients against an {@code https://} receiver whose certificate a private CA issued: refused without
 * that CA (nothing reaches the receiver, and the certificate is not tried again within the send), accepted with it,
 * and still refused with it when the certificate does not name the URL's host (host-name verification stays on).
 *
 * <p>The receiver is a JDK {@link HttpsServer} on loopback with a certificate for {@code 127.0.0.1} (an IP address
 * name, no DNS name) signed by a CA made in the test ({@link TestCertificates}); it answers 204 to writes. It stands
 * in for a TLS-terminating receiver: what is under test is the client's side of the handshake, which VictoriaMetrics
 * behind it would not change (ExportRetirementTest puts the same kind of front before a real VictoriaMetrics).
 */
class ReceiverTlsTest {
    private static final TestCertificates.Authority CA = TestCertificates.authority("noetl-test-receiver-ca");
    private static final TestCertificates.Authority OTHER_CA = TestCertificates.authority("another-ca");
    private static final RemoteWriteFrame FRAME = RemoteWriteFrame.of(List.of(new RemoteWriteFrame.Series("up",
            Map.of(), List.of(new RemoteWriteFrame.Sample(1_700_000_000_000L, 1)))));

    private HttpsServer server;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start() {
        server = CA.issue("receiver", List.of(), List.of("127.0.0.1")).httpsServer();
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestURI().getPath().endsWith("/query")) {
                byte[] none = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, none.length);
                exchange.getResponseBody().write(none);
            } else {
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url(String host, String path) {
        return URI.create("https://" + host + ":" + server.getAddress().getPort() + path);
    }

    private static RemoteWriteClient client(URI url, Optional<SSLContext> trust) {
        // three attempts, two seconds apart: a retried certificate would take at least two seconds
        return new RemoteWriteClient(url, Map.of("Authorization", "Bearer tls-test-token"), trust, 3,
                Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void aPrivateCasReceiverIsRefusedWithoutItsCaAndNotTriedAgainInTheSend() {
        long started = System.nanoTime();
        RemoteWriteClient.SendFailure refused = assertThrows(RemoteWriteClient.SendFailure.class,
                () -> client(url("127.0.0.1", "/api/v1/write"), Optional.empty()).send(FRAME));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(2)) < 0,
                "not retried within the send");
        assertTrue(refused.getMessage().contains("was not trusted (TLS)"), refused.getMessage());
        assertTrue(refused.getMessage().contains("PKIX"), refused.getMessage());
        assertTrue(refused.getMessage().contains("spec.export.caSecretRef"), refused.getMessage());
        assertFalse(refused.getMessage().contains("tls-test-token"), refused.getMessage());
        assertTrue(refused.retryable(), "the next pass tries again: the Secret or the certificate may be fixed");
        assertEquals(0, requests.get(), "nothing reached the receiver");

        RemoteWriteClient.SendFailure wrongCa = assertThrows(RemoteWriteClient.SendFailure.class,
                () -> client(url("127.0.0.1", "/api/v1/write"), Optional.of(ReceiverTls.trusting(OTHER_CA.pem())))
                        .send(FRAME));
        assertTrue(wrongCa.getMessage().contains("was not trusted (TLS)"), wrongCa.getMessage());
        assertEquals(0, requests.get());
    }

    @Test
    void withItsCaTheReceiverIsReachedAndTheCountAsked() throws Exception {
        Optional<SSLContext> trust = Optional.of(ReceiverTls.trusting(CA.pem()));
        assertEquals(1, client(url("127.0.0.1", "/api/v1/write"), trust).send(FRAME));
        assertEquals(1, requests.get());

        // the query client is built the same way: without the CA nothing reaches the receiver, with it the request does
        ReceiverCount.CountFailure untrusted = assertThrows(ReceiverCount.CountFailure.class, () -> new ReceiverCount(
                url("127.0.0.1", "/api/v1/query"), Map.of(), Duration.ofSeconds(5)).countBySeries("up",
                        Instant.ofEpochMilli(1_700_000_000_000L), Instant.ofEpochMilli(1_700_000_000_000L)));
        assertTrue(untrusted.getMessage().contains("PKIX"), untrusted.getMessage());
        assertEquals(1, requests.get());
        // the stand-in holds no samples: an empty vector
        assertEquals(Map.of(), new ReceiverCount(url("127.0.0.1", "/api/v1/query"), Map.of(), trust,
                Duration.ofSeconds(5)).countBySeries("up", Instant.ofEpochMilli(1_700_000_000_000L),
                        Instant.ofEpochMilli(1_700_000_000_000L)));
        assertEquals(2, requests.get(), "the count's request reached the receiver over TLS");
    }

    @Test
    void theHostNameIsVerifiedEvenWithTheCa() {
        // the certificate names 127.0.0.1 only: "localhost" reaches the same server but is not among its names
        RemoteWriteClient.SendFailure refused = assertThrows(RemoteWriteClient.SendFailure.class,
                () -> client(url("localhost", "/api/v1/write"), Optional.of(ReceiverTls.trusting(CA.pem())))
                        .send(FRAME));
        assertTrue(refused.getMessage().contains("was not trusted (TLS)"), refused.getMessage());
        assertTrue(refused.getMessage().contains("localhost"), refused.getMessage());
        assertEquals(0, requests.get());
    }

    @Test
    void aBundleOfSeveralCasTrustsEachOfThem() throws Exception {
        // a rotation: the new CA and the old one in one ca.crt, text between the blocks as openssl writes it
        String bundle = "# new\n" + OTHER_CA.pem() + "\n# old\n" + CA.pem();
        assertEquals(2, ReceiverTls.certificates(bundle).size());
        assertEquals(1, client(url("127.0.0.1", "/api/v1/write"), Optional.of(ReceiverTls.trusting(bundle)))
                .send(FRAME));
    }

    @Test
    void textThatIsNoCertificateIsRefusedWithoutBeingQuoted() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> ReceiverTls.trusting("secret-looking-text"));
        assertEquals("holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)", none.getMessage());
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> ReceiverTls.trusting("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                        + "-----END CERTIFICATE-----\n"));
        assertTrue(broken.getMessage().startsWith("certificate 1 cannot be read as X.509"), broken.getMessage());
        assertFalse(broken.getMessage().contains("bm90"), broken.getMessage());
        IllegalArgumentException unterminated = assertThrows(IllegalArgumentException.class,
                () -> ReceiverTls.trusting(CA.pem().replace("-----END CERTIFICATE-----", "")));
        assertTrue(unterminated.getMessage().contains("has no -----END CERTIFICATE----- line"),
                unterminated.getMessage());
    }
}
