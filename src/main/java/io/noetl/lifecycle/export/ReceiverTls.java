package io.noetl.lifecycle.export;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the export's HTTP clients ({@link RemoteWriteClient}, {@link ReceiverCount}) reach a receiver over TLS: with the
 * JVM's default trust, or trusting only the certificate authorities of {@code spec.export.caSecretRef}. Either way the
 * JDK's client verifies the certificate chain and the host name (the URL's host must be among the certificate's
 * names); nothing here turns a check off.
 */
public final class ReceiverTls {
    private ReceiverTls() {
    }

    /** A client for one pass's requests: {@code trust} when given, else the JVM's default trust store. */
    public static HttpClient client(Duration connectTimeout, Optional<SSLContext> trust) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(connectTimeout);
        trust.ifPresent(builder::sslContext);
        return builder.build();
    }

    /**
     * A TLS context that trusts exactly the certificates in {@code pem} (one or more {@code -----BEGIN CERTIFICATE-----}
     * blocks; text around them is ignored), as trust anchors.
     *
     * @throws IllegalArgumentException when {@code pem} holds no certificate or one that cannot be read; the message
     *     says which and never quotes the text
     */
    public static SSLContext trusting(String pem) {
        List<X509Certificate> certificates = certificates(pem);
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                anchors.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the JVM cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    /** The certificates of {@code pem}, in order. */
    static List<X509Certificate> certificates(String pem) {
        String begin = "-----BEGIN CERTIFICATE-----";
        String end = "-----END CERTIFICATE-----";
        if (pem == null || !pem.contains(begin)) {
            throw new IllegalArgumentException("holds no PEM certificate (a block starting " + begin + ")");
        }
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JVM has no X.509 support: " + e.getMessage(), e);
        }
        int from = pem.indexOf(begin);
        while (from >= 0) {
            int to = pem.indexOf(end, from);
            if (to < 0) {
                throw new IllegalArgumentException("certificate " + (out.size() + 1) + " has no " + end + " line");
            }
            String block = pem.substring(from, to + end.length()) + "\n";
            try {
                for (Certificate c : factory.generateCertificates(new ByteArrayInputStream(block.getBytes(
                        StandardCharsets.US_ASCII)))) {
                    out.add((X509Certificate) c);
                }
            } catch (CertificateException | ClassCastException e) {
                throw new IllegalArgumentException("certificate " + (out.size() + 1) + " cannot be read as X.509 "
                        + "(" + e.getClass().getSimpleName() + ")");
            }
            from = pem.indexOf(begin, to);
        }
        return out;
    }

    /**
     * Whether {@code failure} is the receiver's certificate failing the checks (an unknown authority, a host name not
     * among its names, expired): a request again within seconds meets the same certificate, so it is not retried in
     * the pass, while a later pass tries again (the Secret or the certificate may have been fixed).
     */
    static boolean untrustedCertificate(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
