package io.noetl.lifecycle.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real VictoriaMetrics single-node (Debian's {@code victoria-metrics}, 1.79.x) on a free loopback port, with its own
 * temporary storage directory and a retention of 100 years, so that samples of any past day are kept. Started and
 * stopped by the test that uses it; {@link OsTool#VICTORIA_METRICS} finds the binary.
 */
public final class VictoriaMetricsServer implements AutoCloseable {
    private Process process;
    private final Path storage;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private VictoriaMetricsServer(Process process, Path storage, int port) {
        this.process = process;
        this.storage = storage;
        this.port = port;
    }

    public static VictoriaMetricsServer start() {
        try {
            int port = LoopbackProcesses.freePort();
            Path storage = Files.createTempDirectory("noetl-vm");
            VictoriaMetricsServer vm = new VictoriaMetricsServer(launch(storage, port), storage, port);
            vm.awaitHealthy();
            return vm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Benchmarks only: {@code -Dbench.vm-nice=19} starts VictoriaMetrics under {@code nice}, so that on a machine
     * shared with the database it takes a core only when the database's backends leave one (a stand-in for a
     * VictoriaMetrics on other machines, as in production).
     */
    private static Process launch(Path storage, int port) throws IOException {
        List<String> command = new ArrayList<>();
        String nice = System.getProperty("bench.vm-nice", "");
        if (!nice.isBlank()) {
            command.addAll(List.of("nice", "-n", String.valueOf(Integer.parseInt(nice.strip()))));
        }
        command.addAll(List.of(OsTool.VICTORIA_METRICS.require().toString(), "-httpListenAddr=127.0.0.1:" + port,
                "-storageDataPath=" + storage.resolve("data"), "-retentionPeriod=100y", "-loggerLevel=ERROR"));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(storage.resolve("vm.log")
                        .toFile())).start();
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!healthy()) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                String log = Files.readString(storage.resolve("vm.log"));
                close();
                throw new IllegalStateException("VictoriaMetrics did not start: " + log);
            }
            Thread.sleep(100);
        }
    }

    /** Starts the server again after {@link #stop}, on the same port and storage (what it held is still there). */
    public void restart() {
        try {
            process = launch(storage, port);
            awaitHealthy();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    private boolean healthy() {
        try {
            return get("/health").statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    public URI writeUrl() {
        return URI.create("http://127.0.0.1:" + port + "/api/v1/write");
    }

    /** Makes what was written searchable at once. */
    /**
     * Flushes every 200 ms until the returned executor is shut down: a new series otherwise answers queries only after
     * up to about 10 s, and a test that waits for counts would wait that long per partition.
     */
    public java.util.concurrent.ScheduledExecutorService flushEvery200ms() {
        java.util.concurrent.ScheduledExecutorService flusher = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "vm-flusher");
                    t.setDaemon(true);
                    return t;
                });
        flusher.scheduleWithFixedDelay(() -> {
            try {
                flush();
            } catch (Exception e) {
                // stopped at the end of the test class, or a flush that failed: the next one comes in 200 ms
            }
        }, 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
        return flusher;
    }

    public void flush() throws IOException, InterruptedException {
        get("/internal/force_flush");
    }

    /** {@code /api/v1/export} for a series selector: one JSON object per series and line. */
    public List<String> export(String selector) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v1/export?match[]=" + java.net.URLEncoder.encode(selector,
                java.nio.charset.StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new IOException("export answered " + r.statusCode() + ": " + r.body());
        }
        return r.body().lines().filter(l -> !l.isBlank()).toList();
    }

    /** {@code /api/v1/export} for a series selector and the time range [start, end], in milliseconds. */
    public List<String> export(String selector, long startMillis, long endMillis) throws IOException,
            InterruptedException {
        HttpResponse<String> r = get("/api/v1/export?match[]=" + java.net.URLEncoder.encode(selector,
                java.nio.charset.StandardCharsets.UTF_8) + "&start=" + startMillis / 1000.0 + "&end="
                + endMillis / 1000.0);
        if (r.statusCode() != 200) {
            throw new IOException("export answered " + r.statusCode() + ": " + r.body());
        }
        return r.body().lines().filter(l -> !l.isBlank()).toList();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the server (it stays stopped) without removing its storage. */
    public void stop() throws InterruptedException {
        LoopbackProcesses.stop(process);
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LoopbackProcesses.deleteTree(storage);
    }
}
