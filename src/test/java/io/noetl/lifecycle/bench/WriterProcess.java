package io.noetl.lifecycle.bench;

import io.noetl.lifecycle.metric.postgres.ActiveBackendsSql;
import io.noetl.lifecycle.support.TestDatabase;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * NoETL's writers in a process of their own, as they are in production (NoETL's servers and workers), for the
 * benchmarks that time them beside the operator's work. Writers inside the benchmark's JVM (MetricWriter) share its
 * garbage collector with the work they are measured against: the export allocates fast, and its young-generation
 * pauses (5 to 20 ms, several a second, seen with {@code -Xlog:gc} on 2026-12-07) stop the writers' threads too, so a
 * writer's latency included pauses that no separate writer ever sees.
 *
 * <p>The child runs {@code writers} writers (one insert every {@code everyMs} into noetl.metric, as MetricWriter) and a
 * probe (every {@value #PROBE_EVERY_MS} ms, one read of the adaptive pace's signal, {@link ActiveBackendsSql}, timed, on
 * a connection named as the operator's so that it does not count itself). The parent sets the phase tag with a line
 * {@code tag N} on the child's standard input and asks for everything so far with {@code sync N}; the child appends to
 * its output file {@code W tag micros} per write, {@code F tag} per failed write, {@code P tag micros active} per probe
 * and {@code S N} once what came before is flushed. The child's own heap is small and its allocation slow (a row a
 * writer every 20 ms), so its own pauses are well under a millisecond.
 */
public final class WriterProcess implements AutoCloseable {
    static final long PROBE_EVERY_MS = 50;

    /** What the child recorded under one tag. */
    public record Window(long[] writes, long failed, long[] probeRtt, long[] probeActive) {
    }

    private final Process process;
    private final Writer control;
    private final Path out;
    private int syncs;

    private WriterProcess(Process process, Path out) {
        this.process = process;
        this.control = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.out = out;
    }

    /** Starts the child on {@code db}, this JVM's class path, a 64 MiB heap and the serial collector. */
    public static WriterProcess start(TestDatabase db, int writers, long everyMs) throws IOException {
        Path out = Files.createTempFile("noetl-writers", ".txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx64m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), WriterProcess.class.getName(), db.url(), TestDatabase.USER,
                TestDatabase.PASSWORD == null ? "" : TestDatabase.PASSWORD, String.valueOf(writers),
                String.valueOf(everyMs), out.toString()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        return new WriterProcess(p, out);
    }

    /** From now on the child's records carry {@code tag}. */
    public void tag(int tag) throws IOException {
        control.write("tag " + tag + "\n");
        control.flush();
    }

    /** Everything the child recorded under each of {@code tags}, in that order, once it has flushed all it has. */
    public List<Window> windows(int... tags) throws IOException, InterruptedException {
        int n = ++syncs;
        control.write("sync " + n + "\n");
        control.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<String> lines = Files.readAllLines(out);
            if (lines.contains("S " + n)) {
                return Arrays.stream(tags).mapToObj(t -> window(lines, t)).toList();
            }
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("the writer process did not answer sync " + n);
            }
            Thread.sleep(20);
        }
    }

    private static Window window(List<String> lines, int tag) {
        String t = " " + tag + " ";
        List<Long> writes = new ArrayList<>();
        List<Long> rtt = new ArrayList<>();
        List<Long> active = new ArrayList<>();
        long failed = 0;
        for (String l : lines) {
            if (l.startsWith("W" + t)) {
                writes.add(Long.parseLong(l.substring(t.length() + 1)));
            } else if (l.equals("F " + tag)) {
                failed++;
            } else if (l.startsWith("P" + t)) {
                String[] f = l.substring(t.length() + 1).split(" ");
                rtt.add(Long.parseLong(f[0]));
                active.add(Long.parseLong(f[1]));
            }
        }
        return new Window(writes.stream().mapToLong(Long::longValue).sorted().toArray(), failed,
                rtt.stream().mapToLong(Long::longValue).sorted().toArray(),
                active.stream().mapToLong(Long::longValue).toArray());
    }

    /** Stops the child (it ends when its standard input does) and removes its file. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            control.close();
        } catch (IOException e) {
            // the child is gone already
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(out);
    }

    // ---- the child

    private static volatile int tag;
    private static volatile boolean stop;

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        int writers = Integer.parseInt(args[3]);
        long everyMs = Long.parseLong(args[4]);
        BufferedWriter file = Files.newBufferedWriter(Path.of(args[5]), StandardCharsets.UTF_8);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            threads.add(new Thread(() -> write(url, user, password, id, everyMs, file), "writer-" + w));
        }
        threads.add(new Thread(() -> probe(url, user, password, file), "probe"));
        threads.forEach(Thread::start);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null;) {
            if (line.startsWith("tag ")) {
                tag = Integer.parseInt(line.substring(4).strip());
            } else if (line.startsWith("sync ")) {
                synchronized (file) {
                    file.write("S " + line.substring(5).strip() + "\n");
                    file.flush();
                }
            }
        }
        stop = true;
        for (Thread t : threads) {
            t.join(5_000);
        }
        synchronized (file) {
            file.close();
        }
    }

    private static void record(BufferedWriter file, String line) {
        synchronized (file) {
            try {
                file.write(line);
                file.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** One writer, MetricWriter's, recording into the file what it does within a phase (any tag but 0). */
    private static void write(String url, String user, String password, int id, long everyMs, BufferedWriter file) {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            MetricWriter.insertEvery(c, id, everyMs, () -> stop, () -> tag, new MetricWriter.Sink() {
                @Override
                public void written(int at, long micros, long startNanos) {
                    if (at != 0) {
                        record(file, "W " + at + " " + micros);
                    }
                }

                @Override
                public void failed(int at) {
                    record(file, "F " + at);
                }
            });
        } catch (SQLException e) {
            record(file, "F " + tag);
            System.err.println("writer " + id + ": " + e);
        }
    }

    /** The probe: the pace's signal read every {@value #PROBE_EVERY_MS} ms, with its round trip. */
    private static void probe(String url, String user, String password, BufferedWriter file) {
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            try (Statement s = c.createStatement()) {
                s.execute("SET application_name = '" + ActiveBackendsSql.OPERATOR_APPLICATION_NAME + "'");
            }
            while (!stop) {
                int at = tag;
                long t0 = System.nanoTime();
                ActiveBackendsSql.Reading r = ActiveBackendsSql.read(c);
                long took = (System.nanoTime() - t0) / 1000;
                if (at != 0) {
                    record(file, "P " + at + " " + took + " " + r.active());
                }
                Thread.sleep(PROBE_EVERY_MS);
            }
        } catch (SQLException | InterruptedException e) {
            System.err.println("probe: " + e);
        }
    }

    /** The mean of {@code values}, NaN for none. */
    static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }
}
