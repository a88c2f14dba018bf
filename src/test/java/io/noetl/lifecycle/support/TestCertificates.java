package io.noetl.lifecycle.support;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Private certificate authorities made in the test, and server certificates they issue, for the TLS tests: a receiver
 * (a JDK {@link HttpsServer}) and a PostgreSQL whose certificates no public authority signed, as an in-house CA's
 * would be. Made in memory with BouncyCastle (bcpkix, a test dependency whose version quarkus-bom manages), EC P-256
 * keys, valid from an hour ago for a day. Nothing is written anywhere unless a test writes the PEM it takes from here.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static final char[] STORE_PASSWORD = "test".toCharArray();

    private TestCertificates() {
    }

    /** A certificate authority: its key and self-signed certificate. */
    public record Authority(String name, KeyPair keys, X509Certificate certificate) {
        /** Its certificate as PEM, as a Secret's {@code ca.crt} holds it. */
        public String pem() {
            return TestCertificates.pem(certificate);
        }

        /**
         * A server certificate it signs, for the DNS names and IP addresses given (the subject alternative names a
         * client's host-name check reads).
         */
        public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses) {
            KeyPair pair = keyPair();
            try {
                List<GeneralName> names = new ArrayList<>();
                dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
                ipAddresses.forEach(n -> names.add(new GeneralName(GeneralName.iPAddress, n)));
                X509v3CertificateBuilder builder = builder(new X500Name("CN=" + name), new X500Name("CN="
                        + commonName), pair)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                                | KeyUsage.keyEncipherment))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                                KeyPurposeId.id_kp_serverAuth))
                        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                                names.toArray(GeneralName[]::new)));
                return new Issued(sign(builder, keys.getPrivate()), pair.getPrivate(), certificate);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A server certificate, its key and the certificate of the authority that issued it. */
    public record Issued(X509Certificate certificate, PrivateKey key, X509Certificate issuer) {
        /** The certificate as PEM (PostgreSQL's {@code ssl_cert_file}). */
        public String pem() {
            return TestCertificates.pem(certificate);
        }

        /** The key as unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}, PostgreSQL's {@code ssl_key_file}). */
        public String keyPem() {
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(
                    key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        }

        /** A server-side TLS context presenting this certificate (and its issuer's). */
        public SSLContext serverContext() {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", key, STORE_PASSWORD, new Certificate[] {certificate, issuer});
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, STORE_PASSWORD);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys.getKeyManagers(), null, null);
                return context;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A JDK HTTPS server on a free loopback port presenting this certificate; not started, no handlers yet. */
        public HttpsServer httpsServer() {
            try {
                HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                server.setHttpsConfigurator(new HttpsConfigurator(serverContext()));
                return server;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A new certificate authority named {@code name}. */
    public static Authority authority(String name) {
        KeyPair pair = keyPair();
        try {
            X509v3CertificateBuilder builder = builder(new X500Name("CN=" + name), new X500Name("CN=" + name), pair)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Authority(name, pair, sign(builder, pair.getPrivate()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code certificate} as PEM. */
    public static String pem(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(
                    certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                subjectKeys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
