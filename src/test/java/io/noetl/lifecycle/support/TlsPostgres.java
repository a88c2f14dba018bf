package io.noetl.lifecycle.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster with TLS on, for the tests of {@code sslmode=verify-full}: made by {@code initdb} in a
 * temporary directory, listening on a free loopback port, presenting a server certificate a test CA issued
 * ({@link TestCertificates}), and accepting only TLS connections ({@code hostssl} in its {@code pg_hba.conf}, trust
 * authentication). The tests' shared PostgreSQL on 5432 is not touched: its configuration is not the tests' to
 * change. Debian's PostgreSQL binaries ({@code /usr/lib/postgresql/<version>/bin}) when they are there, otherwise the
 * embedded ones ({@link EmbeddedPostgres}, built with OpenSSL); {@link #available()} says whether either is. PostgreSQL
 * refuses to run as root: as root the commands run as the user {@code postgres} ({@code runuser}), or {@code nobody}
 * where there is no such user, which then owns the directory.
 */
public final class TlsPostgres implements AutoCloseable {
    /** The line a test class says when it cannot run. */
    public static final String ABSENT = "PostgreSQL's server binaries (initdb, pg_ctl under /usr/lib/postgresql/"
            + "<version>/bin) are absent: install Debian's postgresql package to run the TLS connection tests";

    /** The user the server runs as when the tests run as root. */
    private static final String USER = userExists("postgres") ? "postgres" : "nobody";

    private final Path bin;
    private final Path directory;
    private final int port;
    private final boolean asPostgres;

    private TlsPostgres(Path bin, Path directory, int port, boolean asPostgres) {
        this.bin = bin;
        this.directory = directory;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /** The newest installed server's binaries. */
    static Optional<Path> binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean userExists(String name) {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public static boolean available() {
        return bin().isPresent();
    }

    /** Debian's binaries, or else (or with {@code test.postgres=embedded}) the embedded ones. */
    private static Optional<Path> bin() {
        Optional<Path> debian = binaries();
        boolean embedded = "embedded".equals(System.getProperty("test.postgres"));
        if ((debian.isPresent() && !embedded) || !EmbeddedPostgres.available()) {
            return debian;
        }
        try {
            return Optional.of(EmbeddedPostgres.unpack().resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Starts a cluster presenting {@code certificate}; stop it with {@link #close()}. */
    public static TlsPostgres start(TestCertificates.Issued certificate) {
        Path bin = bin().orElseThrow(() -> new IllegalStateException(ABSENT));
        boolean root = "root".equals(System.getProperty("user.name"));
        Path directory = null;
        try {
            directory = Files.createTempDirectory("noetl-pg-tls");
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            Path cert = Files.writeString(directory.resolve("server.crt"), certificate.pem());
            Path key = Files.writeString(directory.resolve("server.key"), certificate.keyPem());
            Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            if (root) {
                UserPrincipal postgres = directory.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(USER);
                for (Path p : List.of(directory, cert, key)) {
                    Files.setOwner(p, postgres);
                }
            }
            int port = LoopbackProcesses.freePort();
            TlsPostgres server = new TlsPostgres(bin, directory, port, root);
            Path data = directory.resolve("data");
            server.run(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                    "-E", "UTF8", "--locale=C", "--no-sync");
            // TLS only: a connection without it finds no pg_hba.conf line
            server.run("sh", "-c", "printf 'local all all trust\\nhostssl all all 127.0.0.1/32 trust\\n' > "
                    + data.resolve("pg_hba.conf"));
            server.run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", directory.resolve("log")
                    .toString(), "-w", "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1"
                            + " -c unix_socket_directories=" + directory + " -c ssl=on -c ssl_cert_file=" + cert
                            + " -c ssl_key_file=" + key + " -c fsync=off -c max_connections=20"
                            + " -c shared_buffers=16MB", "start");
            return server;
        } catch (IOException e) {
            if (directory != null) {
                LoopbackProcesses.deleteTree(directory);
            }
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code command} (as {@code postgres} when the tests run as root); its output goes to the log on failure. */
    private void run(String... command) throws IOException {
        List<String> line = new ArrayList<>();
        if (asPostgres) {
            line.addAll(List.of("runuser", "-u", USER, "--"));
        }
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                Path log = directory.resolve("log");
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output
                        + (Files.isReadable(log) ? Files.readString(log) : ""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Stops the cluster (immediately: nothing in it is kept) and removes its directory. */
    @Override
    public void close() {
        try {
            run(bin.resolve("pg_ctl").toString(), "-D", directory.resolve("data").toString(), "-m", "immediate",
                    "-w", "stop");
        } catch (IOException | IllegalStateException e) {
            // already stopped, or never started: the directory goes either way
        } finally {
            LoopbackProcesses.deleteTree(directory);
        }
    }
}
