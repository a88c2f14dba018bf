package io.noetl.lifecycle.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.noetl.lifecycle.api.DatabaseRef;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.SecretRef;
import io.noetl.lifecycle.metric.ExportCredentials;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.support.StandaloneConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, 2: credentials never reach a message. A database URL whose user or password holds a character URIs
 * reserve ({@code %} not followed by two hex digits, {@code ^}, a space) made {@code URI.create} and
 * {@code URLDecoder} throw messages that quote the URL or the password; those messages became the status's,
 * the Events', the HTTP answers' and the command line's ({@code SecretInvalid: ... Malformed escape pair at index
 * 24: postgresql://noetl:<the password>@...}). An export token with a line break made the JDK's header check quote
 * it. Every exit takes its text from these messages: {@link TargetResolver} (reconciler, HTTP endpoints, command line
 * with a Secret), {@link DatabaseTarget} (the command line's {@code --database-url}) and {@link ExportCredentials}
 * (reconciler, endpoints and command line alike); the reconciler's status and Events are checked on the real API
 * server in MetricRetentionPolicyReconcilerTest, the command line's output in CommandCredentialLeakTest.
 */
class CredentialLeakTest {
    private static final List<String> PASSWORDS = List.of("Qx%zzJk7w", "Qv^Jk7 9mZ", "Rkq%7", "%", "Wyv%4", "%%");

    @Test
    void aMalformedUrlIsRefusedWithoutQuotingIt() {
        for (String password : PASSWORDS) {
            for (String scheme : List.of("postgresql://", "postgres://")) {
                String url = scheme + "noetl:" + password + "@db.internal:5432/noetl";
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new DatabaseTarget(url, null, null), url);
                assertClean(e.getMessage(), password);
            }
        }
    }

    @Test
    void theResolverSaysSecretInvalidWithoutTheUrl() {
        TargetResolver resolver = new TargetResolver(StandaloneConfig.INSTANCE);
        MetricRetentionPolicy resource = new MetricRetentionPolicy();
        resource.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").build());
        DatabaseRef ref = new DatabaseRef();
        ref.setSecretRef(new SecretRef("db"));
        for (String password : PASSWORDS) {
            Secret secret = new SecretBuilder().withNewMetadata().withName("db").withNamespace("ns").endMetadata()
                    .withStringData(Map.of("url", "postgresql://noetl:" + password + "@db.internal/noetl")).build();
            ReconcileException e = assertThrows(ReconcileException.class,
                    () -> resolver.resolve(resource, ref, name -> Optional.of(secret)));
            assertEquals(Reason.SECRET_INVALID, e.reason());
            assertClean(e.getMessage(), password);
        }
    }

    @Test
    void aTokenWithALineBreakIsRefusedWithoutQuotingIt() {
        MetricRetentionPolicy resource = new MetricRetentionPolicy();
        resource.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").build());
        for (String token : List.of("Zq81\nX-Injected: yes", "Zq8\r\n2", "Zq8\u00f6n", "Zq\u0000k9")) {
            Secret secret = new SecretBuilder().withNewMetadata().withName("vm").withNamespace("ns").endMetadata()
                    .withStringData(Map.of("token", token)).build();
            ReconcileException e = assertThrows(ReconcileException.class,
                    () -> ExportCredentials.of(resource, name -> Optional.of(secret)).headers("vm"));
            assertEquals(Reason.SECRET_INVALID, e.reason());
            assertFalse(e.getMessage().contains("Zq") || e.getMessage().contains("Injected"), e.getMessage());
        }
        Secret fine = new SecretBuilder().withNewMetadata().withName("vm").withNamespace("ns").endMetadata()
                .withStringData(Map.of("token", "abc.def-ghi_jkl\n")).build(); // a trailing line break is stripped
        try {
            assertEquals("Bearer abc.def-ghi_jkl", ExportCredentials.of(resource, name -> Optional.of(fine))
                    .headers("vm").get("Authorization"));
        } catch (ReconcileException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertClean(String message, String password) {
        assertTrue(message != null && !message.isBlank());
        assertFalse(message.contains("db.internal"), message);
        assertFalse(message.contains("noetl:"), message);
        assertFalse(password.length() > 2 && message.contains(password), message);
        for (String piece : password.split("[%^ ]")) {
            assertFalse(piece.length() >= 3 && message.contains(piece), "'" + piece + "' of the password: " + message);
        }
    }
}
