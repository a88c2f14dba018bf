package io.noetl.lifecycle.metric;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.export.ReceiverTls;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.reconcile.TargetResolver;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * The receiver's credentials from the Secret {@code spec.export.secretRef} names: its key {@code token} as
 * {@code Authorization: Bearer <token>}, or its keys {@code username} and {@code password} as HTTP basic
 * authentication; and the certificate authorities of {@code spec.export.caSecretRef}. The same in the reconciler (the informer's cache), the HTTP endpoints (the API) and the command line
 * (the Secrets in its file).
 */
public final class ExportCredentials {
    private ExportCredentials() {
    }

    /** Credentials read through {@code secrets}, a lookup by name in {@code resource}'s namespace. */
    public static ExportPass.Credentials of(HasMetadata resource, Function<String, Optional<Secret>> secrets) {
        return new ExportPass.Credentials() {
            @Override
            public Map<String, String> headers(String secretName) throws ReconcileException {
                return ExportCredentials.headers(resource, secretName, secrets.apply(secretName));
            }

            @Override
            public SSLContext trust(String secretName, String key) throws ReconcileException {
                return ExportCredentials.trust(resource, secretName, key, secrets.apply(secretName));
            }
        };
    }

    /**
     * The TLS context trusting the certificate authorities (PEM) under {@code key} of the Secret
     * {@code spec.export.caSecretRef} names. A certificate is no secret, but the message still quotes none of it.
     */
    static SSLContext trust(HasMetadata resource, String name, String key, Optional<Secret> found)
            throws ReconcileException {
        Secret secret = found.orElseThrow(() -> new ReconcileException(Reason.SECRET_NOT_FOUND, "Secret "
                + resource.getMetadata().getNamespace() + "/" + name + " (spec.export.caSecretRef) does not exist"));
        String pem = TargetResolver.secretValue(secret, key);
        if (pem == null) {
            throw new ReconcileException(Reason.SECRET_INVALID, "Secret " + name + " (spec.export.caSecretRef) has "
                    + "no key '" + key + "'");
        }
        try {
            return ReceiverTls.trusting(pem);
        } catch (IllegalArgumentException e) {
            throw new ReconcileException(Reason.SECRET_INVALID, "Secret " + name + " (spec.export.caSecretRef): the "
                    + "key '" + key + "' " + e.getMessage());
        }
    }

    static Map<String, String> headers(HasMetadata resource, String name, Optional<Secret> found)
            throws ReconcileException {
        Secret secret = found.orElseThrow(() -> new ReconcileException(Reason.SECRET_NOT_FOUND, "Secret "
                + resource.getMetadata().getNamespace() + "/" + name + " (spec.export.secretRef) does not exist"));
        String token = TargetResolver.secretValue(secret, "token");
        if (token != null && !token.isBlank()) {
            return Map.of("Authorization", "Bearer " + headerSafe(name, "token", token.strip()));
        }
        String user = TargetResolver.secretValue(secret, "username");
        String password = TargetResolver.secretValue(secret, "password");
        if (user == null || password == null) {
            throw new ReconcileException(Reason.SECRET_INVALID, "Secret " + name + " (spec.export.secretRef) has "
                    + "neither the key 'token' nor both 'username' and 'password'");
        }
        // base64 makes any password header-safe; the user name must hold no ':' (the basic scheme's separator)
        if (user.strip().contains(":")) {
            throw new ReconcileException(Reason.SECRET_INVALID, "Secret " + name + " (spec.export.secretRef): the "
                    + "key 'username' holds a ':', which HTTP basic authentication cannot carry");
        }
        return Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString((user.strip() + ":" + password)
                .getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * {@code value} when an HTTP header can carry it (visible ASCII and spaces, RFC 9110 field-value); otherwise a
     * refusal that names the Secret and the key but never quotes the value: the JDK's own check would put the token
     * into the exception's message, and from there into status and Events.
     */
    static String headerSafe(String secret, String key, String value) throws ReconcileException {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch < 0x20 && ch != '\t' || ch >= 0x7f) {
                throw new ReconcileException(Reason.SECRET_INVALID, "Secret " + secret + " (spec.export.secretRef): "
                        + "the key '" + key + "' holds a character an HTTP header cannot carry (a line break or a "
                        + "control or non-ASCII character) at position " + (i + 1) + " of " + value.length());
            }
        }
        return value;
    }
}
