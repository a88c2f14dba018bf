package io.noetl.lifecycle.http;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.noetl.lifecycle.api.Reason;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Checks a request's {@code Authorization: Bearer ...} against the token in the configured Secret. The Secret is read
 * at most once per {@code lifecycle.http.token-cache-ttl} (so a stream of wrong tokens never reaches the API server
 * call by call), and a rotated token takes effect within that time. Neither token ever reaches a response or a log.
 */
@ApplicationScoped
public class BearerTokenCheck {
    private static final Logger LOG = Logger.getLogger(BearerTokenCheck.class);
    static final String KEY = "token";
    private static final String PREFIX = "Bearer ";

    /** Why a request is refused. */
    public record Refusal(Reason reason, String message) {
    }

    private final KubernetesClient client;
    private final MaintenanceEndpointConfig config;
    /** The last read: the token (empty when there was none to read) and when it was read (System.nanoTime). */
    private Optional<String> cached;
    private long readAt;

    public BearerTokenCheck(KubernetesClient client, MaintenanceEndpointConfig config) {
        this.client = client;
        this.config = config;
    }

    /** Empty when the request carries the right token. */
    public Optional<Refusal> refusal(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                || authorization.substring(PREFIX.length()).isBlank()) {
            return Optional.of(new Refusal(Reason.MISSING_TOKEN, "send Authorization: Bearer <token>"));
        }
        Optional<String> expected = expectedToken();
        if (expected.isEmpty()) {
            return Optional.of(new Refusal(Reason.TOKEN_UNAVAILABLE,
                    "the operator has no token to compare with; see its log"));
        }
        String given = authorization.substring(PREFIX.length()).strip();
        return sameInConstantTime(given, expected.get()) ? Optional.empty()
                : Optional.of(new Refusal(Reason.INVALID_TOKEN, "the bearer token is not the configured one"));
    }

    private synchronized Optional<String> expectedToken() {
        long now = System.nanoTime();
        if (cached == null || now - readAt >= config.tokenCacheTtl().toNanos()) {
            cached = readToken();
            readAt = now;
        }
        return cached;
    }

    private Optional<String> readToken() {
        if (config.tokenSecret().isEmpty()) {
            LOG.warn("lifecycle.http.enabled is true but lifecycle.http.token-secret is not set: refusing every call");
            return Optional.empty();
        }
        String name = config.tokenSecret().get();
        String namespace = config.tokenSecretNamespace().orElse(client.getNamespace());
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot read the token Secret %s/%s: %s", namespace, name, e.getCode());
            return Optional.empty();
        }
        String token = secret == null ? null : value(secret);
        if (token == null || token.isBlank()) {
            LOG.warnf("the token Secret %s/%s is missing or has no key '%s': refusing every call", namespace, name, KEY);
            return Optional.empty();
        }
        return Optional.of(token.strip());
    }

    private static String value(Secret secret) {
        if (secret.getStringData() != null && secret.getStringData().containsKey(KEY)) {
            return secret.getStringData().get(KEY);
        }
        if (secret.getData() != null && secret.getData().containsKey(KEY)) {
            return new String(Base64.getDecoder().decode(secret.getData().get(KEY).strip()), StandardCharsets.UTF_8);
        }
        return null;
    }

    /** Compares digests so neither the time taken nor an early exit says how much of the token matched. */
    static boolean sameInConstantTime(String given, String expected) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] a = sha.digest(given.getBytes(StandardCharsets.UTF_8));
            byte[] b = sha.digest(expected.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(a, b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
