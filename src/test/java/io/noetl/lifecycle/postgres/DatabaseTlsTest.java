package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestCertificates;
import io.noetl.lifecycle.support.TlsPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's pools reach a PostgreSQL that requires TLS with {@code sslmode=verify-full} and the server's CA in
 * {@code sslrootcert}, given in the database URL of the Secret as docs/operations.md ("Transport security") says:
 * pgJDBC takes both from the URL, the operator passes the URL's query through ({@link DatabaseTarget}), and nothing
 * else is needed. Without the right CA, or with a host the certificate does not name, the connection is refused and
 * reported as {@code DatabaseUnreachable}, without the password.
 *
 * <p>The server is a throwaway cluster ({@link TlsPostgres}: initdb under a temporary directory, another port, TLS
 * only), with a certificate for {@code db.test} and {@code 127.0.0.1} that a CA made in the test issued; the shared
 * PostgreSQL on 5432 is not touched.
 */
class DatabaseTlsTest {
    private static final String PASSWORD = "pw-never-shown-4711";
    private static TestCertificates.Authority ca;
    private static TlsPostgres server;
    private final DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);

    @TempDir
    static Path dir;
    private static Path caFile;
    private static Path otherCaFile;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(TlsPostgres.available(), TlsPostgres.ABSENT);
        ca = TestCertificates.authority("noetl-test-db-ca");
        server = TlsPostgres.start(ca.issue("postgres", List.of("db.test"), List.of("127.0.0.1")));
        caFile = Files.writeString(dir.resolve("ca.crt"), ca.pem());
        otherCaFile = Files.writeString(dir.resolve("other-ca.crt"), TestCertificates.authority("another-ca").pem());
    }

    @AfterAll
    static void stop() {
        Teardown.close(server);
    }

    @AfterEach
    void closePools() {
        pools.closeAll();
    }

    /** The URL as a Secret's {@code url} holds it: a {@code postgresql://} URI with the password in it. */
    private static DatabaseTarget target(String host, String query) {
        return new DatabaseTarget("postgresql://postgres:" + PASSWORD + "@" + host + ":" + server.port()
                + "/postgres?" + query, null, null);
    }

    private SQLException refused(DatabaseTarget target) {
        return assertThrows(SQLException.class, () -> {
            try (Connection c = pools.acquire("test", target).getConnection()) {
                c.createStatement().execute("SELECT 1");
            }
        });
    }

    @Test
    void verifyFullWithTheServersCaConnectsOverTls() throws Exception {
        DatabaseTarget target = target("127.0.0.1", "sslmode=verify-full&sslrootcert=" + caFile);
        try (Connection c = pools.acquire("test", target).getConnection(); ResultSet rs = c.createStatement()
                .executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            assertTrue(rs.getBoolean(1), "the connection is encrypted");
            assertTrue(rs.getString(2).startsWith("TLS"), rs.getString(2));
        }
    }

    @Test
    void theWrongCaIsRefusedAsDatabaseUnreachableWithoutThePassword() {
        SQLException e = refused(target("127.0.0.1", "sslmode=verify-full&sslrootcert=" + otherCaFile));
        DatabaseFailure f = DatabaseFailure.of(e, target("127.0.0.1", "sslmode=verify-full&sslrootcert="
                + otherCaFile));
        assertEquals(Reason.DATABASE_UNREACHABLE, f.reason(), f.message());
        assertTrue(f.message().contains("SSL"), f.message());
        assertFalse(f.message().contains(PASSWORD), f.message());
        // a CA file that is not there (the optional volume without its Secret): the same reason
        DatabaseTarget missing = target("127.0.0.1", "sslmode=verify-full&sslrootcert=" + dir.resolve("absent.crt"));
        DatabaseFailure absent = DatabaseFailure.of(refused(missing), missing);
        assertEquals(Reason.DATABASE_UNREACHABLE, absent.reason(), absent.message());
        assertFalse(absent.message().contains(PASSWORD), absent.message());
    }

    @Test
    void theHostNameIsVerifiedWithVerifyFullOnly() throws Exception {
        // "localhost" reaches the same server, but the certificate names db.test and 127.0.0.1
        SQLException e = refused(target("localhost", "sslmode=verify-full&sslrootcert=" + caFile));
        DatabaseFailure f = DatabaseFailure.of(e, target("localhost", "sslmode=verify-full&sslrootcert=" + caFile));
        assertEquals(Reason.DATABASE_UNREACHABLE, f.reason(), f.message());
        assertTrue(f.message().contains("localhost"), f.message());
        // verify-ca checks the chain only: the same host connects (which is why the docs ask for verify-full)
        try (Connection c = pools.acquire("test", target("localhost", "sslmode=verify-ca&sslrootcert=" + caFile))
                .getConnection()) {
            assertTrue(c.isValid(5));
        }
    }

    @Test
    void theServerTakesNoConnectionWithoutTls() {
        DatabaseFailure f = DatabaseFailure.of(refused(target("127.0.0.1", "sslmode=disable")), null);
        assertEquals(Reason.DATABASE_UNREACHABLE, f.reason(), f.message());
        assertTrue(f.message().contains("no encryption"), f.message());
    }
}
