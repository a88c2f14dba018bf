package io.noetl.lifecycle.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the tests' real servers on loopback (VictoriaMetrics, Prometheus) share: a free port, a stop, a clean-up. */
final class LoopbackProcesses {
    private LoopbackProcesses() {
    }

    /** A loopback port free at the moment of asking. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops {@code process}: SIGTERM, then after 10 s SIGKILL. */
    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Removes a temporary directory and everything in it; what cannot be removed is left. */
    static void deleteTree(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; nothing else depends on it
        }
    }
}
