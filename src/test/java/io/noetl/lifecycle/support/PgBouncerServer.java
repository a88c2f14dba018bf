package io.noetl.lifecycle.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real PgBouncer (Debian's {@code pgbouncer}, 1.18) on a free loopback port in <em>transaction pooling</em>, in front
 * of the tests' PostgreSQL, as NoETL's own deployment reaches its database: a client holds a server connection for
 * one transaction only, and whatever a client leaves on a server connection is what the next client gets. The pool
 * is small ({@value #POOL_SIZE} server connections per database and user), so that clients share them. Started and
 * stopped by the test that uses it; {@link OsTool#PGBOUNCER} finds the binary.
 *
 * <p>PgBouncer refuses to run as root: as root it is started with {@code -u postgres} (the directory and files it
 * reads are then world-readable). {@code extra_float_digits} and {@code options}, startup parameters PgBouncer 1.18
 * does not know, are ignored as a NoETL deployment's PgBouncer is set up; PgBouncer itself keeps each client's
 * {@code TimeZone}, {@code DateStyle}, {@code client_encoding} and {@code application_name} (it tracks them and sets
 * them again on the server connection the client gets), so those never leak from one client to the next, and every
 * other setting does.
 */
public final class PgBouncerServer implements AutoCloseable {
    /** Server connections per database and user: small, so that a second client gets the operator's. */
    public static final int POOL_SIZE = 2;
    /** The settings a second client of the pool must find as they were (issue 22). */
    public static final List<String> WATCHED = List.of("default_transaction_read_only", "TimeZone", "lock_timeout",
            "statement_timeout", "search_path");

    private final Process process;
    private final Path directory;
    private final int port;

    private PgBouncerServer(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    public static PgBouncerServer start() {
        try {
            int port = LoopbackProcesses.freePort();
            Path directory = Files.createTempDirectory("noetl-pgbouncer");
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path ini = directory.resolve("pgbouncer.ini");
            Path users = directory.resolve("users.txt");
            String password = TestDatabase.PASSWORD.isEmpty() ? "" : " password=" + TestDatabase.PASSWORD;
            Files.writeString(ini, String.join("\n",
                    "[databases]",
                    "* = host=" + TestDatabase.HOST + " port=" + TestDatabase.PORT + password,
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + port,
                    "unix_socket_dir =",
                    "auth_type = trust",
                    "auth_file = " + users,
                    "pool_mode = transaction",
                    "default_pool_size = " + POOL_SIZE,
                    "max_client_conn = 500",
                    // a client waiting longer than this for a server connection fails instead of hanging the test
                    "query_wait_timeout = 30",
                    "ignore_startup_parameters = extra_float_digits,options",
                    ""));
            Files.writeString(users, "\"" + TestDatabase.USER + "\" \"\"\n");
            for (Path f : List.of(ini, users)) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
            List<String> command = new ArrayList<>(List.of(OsTool.PGBOUNCER.require().toString()));
            if ("root".equals(System.getProperty("user.name"))) {
                command.addAll(List.of("-u", "postgres"));
            }
            command.add(ini.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("pgbouncer.log").toFile()))
                    .start();
            PgBouncerServer server = new PgBouncerServer(process, directory, port);
            server.awaitListening();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    String log = log();
                    close();
                    throw new IllegalStateException("PgBouncer did not start: " + log);
                }
                Thread.sleep(50);
            }
        }
    }

    /** What PgBouncer wrote so far. */
    public String log() throws IOException {
        Path log = directory.resolve("pgbouncer.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public int port() {
        return port;
    }

    /** The URL of {@code database} through PgBouncer, plain: whatever the operator needs it adds itself. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /**
     * The {@link #WATCHED} settings of every server connection of {@code database}'s pool, as a second client of the
     * pool finds them, the named prepared statements left there, and whether an INSERT works there: {@value #POOL_SIZE} clients each hold a transaction open
     * at once, so that each is on a server connection of its own and together they see all of the pool's (a
     * connection the pool opens for them is new, and shows the defaults). Each line is one server connection's
     * settings; the lines are sorted, so equal pools give equal lists. The clients are plain pgJDBC connections with
     * {@code prepareThreshold=0} (no named statement of theirs survives), and the INSERT is rolled back.
     */
    public List<String> secondClient(String database) throws SQLException {
        try (Connection direct = DriverManager.getConnection(TestDatabase.url(database), TestDatabase.USER,
                TestDatabase.PASSWORD); Statement s = direct.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS public.pool_probe (v int)");
        }
        Properties p = new Properties();
        p.setProperty("user", TestDatabase.USER);
        p.setProperty("password", TestDatabase.PASSWORD);
        p.setProperty("prepareThreshold", "0");
        p.setProperty("ApplicationName", "second-client");
        List<Connection> clients = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try {
            for (int i = 0; i < POOL_SIZE; i++) {
                Connection c = DriverManager.getConnection(url(database), p);
                clients.add(c);
                c.setAutoCommit(false);
                StringBuilder line = new StringBuilder();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT "
                        + String.join(", ", WATCHED.stream().map(w -> "current_setting('" + w + "')").toList())
                        + ", (SELECT string_agg(name, ',' ORDER BY name) FROM pg_prepared_statements)")) {
                    rs.next();
                    for (int w = 0; w < WATCHED.size(); w++) {
                        line.append(w == 0 ? "" : ", ").append(WATCHED.get(w)).append('=').append(rs.getString(w + 1));
                    }
                    line.append(", named statements left: ").append(rs.getString(WATCHED.size() + 1));
                }
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO public.pool_probe VALUES (1)");
                    line.append(", INSERT works");
                } catch (SQLException e) {
                    line.append(", INSERT fails: ").append(e.getMessage());
                    c.rollback();
                }
                seen.add(line.toString());
            }
        } finally {
            for (Connection c : clients) {
                try {
                    c.rollback();
                    c.close();
                } catch (SQLException ignored) {
                    // the check is over
                }
            }
        }
        return seen.stream().sorted().toList();
    }

    @Override
    public void close() {
        try {
            LoopbackProcesses.stop(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LoopbackProcesses.deleteTree(directory);
    }
}
