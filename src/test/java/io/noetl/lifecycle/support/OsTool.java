package io.noetl.lifecycle.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The programs some tests need from the operating system, not from Maven: each is looked for where its Debian package
 * installs it, then under the project's {@code target/os-tools/} (or {@code -Dos-tools.dir}), where
 * {@code .ci/os-tools} unpacks the same Debian packages without root ({@code apt-get download} and
 * {@code dpkg-deb -x}: no install, no root, only a Debian or Ubuntu package index). PgBouncer is not offered that way:
 * it links libraries (libevent, c-ares) a machine without the package may not have.
 *
 * <p>A test that needs an absent tool is skipped with one line on standard error that names the tool, where it was
 * looked for and how to get it ({@link #assumePresent}); {@code .ci/run} installs all of them, so CI skips none.
 */
public enum OsTool {
    VICTORIA_METRICS("VictoriaMetrics", "victoria-metrics", "usr/bin/victoria-metrics", true),
    PROMETHEUS("Prometheus", "prometheus", "usr/bin/prometheus", true),
    PROMTOOL("promtool", "prometheus", "usr/bin/promtool", true),
    /** The library, not the {@code faketime} wrapper: the wrapper looks for it at a fixed path only. */
    LIBFAKETIME("libfaketime", "libfaketime", "usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", true),
    PGBOUNCER("PgBouncer", "pgbouncer", "usr/sbin/pgbouncer", false);

    /** Where {@code .ci/os-tools} unpacks packages; relative paths are taken from the directory Maven starts in. */
    public static final String DIR_PROPERTY = "os-tools.dir";

    private final String title;
    private final String debianPackage;
    private final String relativePath;
    private final boolean unpackable;

    OsTool(String title, String debianPackage, String relativePath, boolean unpackable) {
        this.title = title;
        this.debianPackage = debianPackage;
        this.relativePath = relativePath;
        this.unpackable = unpackable;
    }

    /** The places looked in, in order: the package's own path, then the unpacked copy. */
    public List<Path> candidates() {
        Path unpacked = Path.of(System.getProperty(DIR_PROPERTY, "target/os-tools")).toAbsolutePath();
        return Stream.of(Path.of("/").resolve(relativePath), unpacked.resolve(relativePath)).distinct().toList();
    }

    public Optional<Path> path() {
        return candidates().stream().filter(OsTool::usable).findFirst();
    }

    public boolean available() {
        return path().isPresent();
    }

    /** The path, for a caller that has checked {@link #available()}. */
    public Path require() {
        return path().orElseThrow(() -> new IllegalStateException(absent("this caller")));
    }

    /** The line that says the tool is missing, what for, and how to get it. */
    public String absent(String neededFor) {
        String get = "apt-get install " + debianPackage + " (as root; .ci/run does)"
                + (unpackable ? ", or without root: .ci/os-tools (unpacks Debian's package into target/os-tools)" : "");
        return title + " is absent (looked in " + String.join(", ", candidates().stream().map(Path::toString).toList())
                + "): " + get + "; needed " + neededFor;
    }

    /**
     * Skips the calling test or class when the tool is absent, saying so in one line on standard error as well as in
     * the skip's reason (Surefire shows only counts for skips unless asked).
     */
    public void assumePresent(String neededFor) {
        if (!available()) {
            String line = "SKIPPED: " + absent(neededFor);
            System.err.println("[os-tool] " + line);
            Assumptions.abort(line);
        }
    }

    private static boolean usable(Path p) {
        return p.getFileName().toString().endsWith(".so.1") ? Files.isReadable(p) : Files.isExecutable(p);
    }
}
