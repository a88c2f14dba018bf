package io.noetl.lifecycle.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.support.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CA of {@code spec.export.caSecretRef} read from its Secret: found, missing, without the key, not PEM. */
class ExportCredentialsTest {
    private static final MetricRetentionPolicy RESOURCE = new MetricRetentionPolicy();

    static {
        RESOURCE.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").build());
    }

    private static Secret secret(Map<String, String> data) {
        return new SecretBuilder().withNewMetadata().withName("vm-ca").withNamespace("ns").endMetadata()
                .withData(data).build();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theCaComesFromTheKeyOfTheSecret() throws Exception {
        String pem = TestCertificates.authority("noetl-test-ca").pem();
        // as kubectl create secret generic --from-file=ca.crt writes it: base64 under data
        assertNotNull(ExportCredentials.of(RESOURCE, name -> Optional.of(secret(Map.of("ca.crt", base64(pem)))))
                .trust("vm-ca", "ca.crt"));
    }

    @Test
    void aMissingSecretOrKeyOrTextThatIsNoCertificateIsAClearRefusal() {
        ReconcileException missing = assertThrows(ReconcileException.class,
                () -> ExportCredentials.of(RESOURCE, name -> Optional.empty()).trust("vm-ca", "ca.crt"));
        assertEquals(Reason.SECRET_NOT_FOUND, missing.reason());
        assertEquals("Secret ns/vm-ca (spec.export.caSecretRef) does not exist", missing.getMessage());

        ReconcileException noKey = assertThrows(ReconcileException.class, () -> ExportCredentials.of(RESOURCE,
                name -> Optional.of(secret(Map.of("tls.crt", base64("x"))))).trust("vm-ca", "ca.crt"));
        assertEquals(Reason.SECRET_INVALID, noKey.reason());
        assertEquals("Secret vm-ca (spec.export.caSecretRef) has no key 'ca.crt'", noKey.getMessage());

        ReconcileException notPem = assertThrows(ReconcileException.class, () -> ExportCredentials.of(RESOURCE,
                name -> Optional.of(secret(Map.of("ca.crt", base64("a token by mistake"))))).trust("vm-ca", "ca.crt"));
        assertEquals(Reason.SECRET_INVALID, notPem.reason());
        assertEquals("Secret vm-ca (spec.export.caSecretRef): the key 'ca.crt' holds no PEM certificate (a block "
                + "starting -----BEGIN CERTIFICATE-----)", notPem.getMessage());
    }
}
