package io.noetl.lifecycle.bench;

import io.noetl.lifecycle.support.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What the benchmarks that time an operation against NoETL's writers run beside it: writers inserting into
 * noetl.metric at a steady pace, each insert's latency recorded under the tag of the phase it started in, and this
 * JVM's resident memory sampled the same way.
 *
 * @param everyMs how often each writer inserts one row
 * @param stopped whether the benchmark is over
 * @param tag the tag of the phase now running
 */
record MetricWriter(TestDatabase db, long everyMs, BooleanSupplier stopped, IntSupplier tag) {

    /**
     * Starts the RSS sampler into {@code rss} and one writer into each of {@code writers} (made here); their threads,
     * the sampler's a daemon.
     */
    List<Thread> start(Recorder rss, Recorder[] writers) {
        List<Thread> threads = new ArrayList<>();
        Thread sampler = new Thread(() -> sampleRss(rss), "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        threads.add(sampler);
        for (int w = 0; w < writers.length; w++) {
            writers[w] = new Recorder();
            Recorder r = writers[w];
            int id = w;
            Thread t = new Thread(() -> write(id, r), "writer-" + w);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    /** A writer: one insert every {@code everyMs} into noetl.metric (today's partition), each its own transaction. */
    void write(int id, Recorder r) {
        try (Connection c = db.connect()) {
            insertEvery(c, id, everyMs, stopped, tag, new Sink() {
                @Override
                public void written(int at, long micros, long startNanos) {
                    r.add(at, micros, startNanos);
                }

                @Override
                public void failed(int at) {
                    r.failed++;
                }
            });
        } catch (SQLException e) {
            r.failed++;
            System.err.println("writer " + id + ": " + e);
        }
    }

    /** Where a writer's inserts go: each one's latency under the tag of the phase it started in, or its failure. */
    interface Sink {
        void written(int tag, long micros, long startNanos);

        void failed(int tag);
    }

    /**
     * NoETL's writer as the benchmarks run it, on {@code c} until {@code stopped}: one insert every {@code everyMs}
     * into noetl.metric (today's partition), each its own transaction, each told to {@code sink}.
     */
    static void insertEvery(Connection c, int id, long everyMs, BooleanSupplier stopped, IntSupplier tag, Sink sink)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO noetl.metric (runtime_id, metric_name, "
                + "metric_type, metric_value, labels) VALUES (?, 'bench_writer_value', 'gauge', ?, ?::jsonb)")) {
            long next = System.nanoTime();
            for (long i = 0; !stopped.getAsBoolean(); i++) {
                BenchSupport.sleepUntil(next);
                next += everyMs * 1_000_000L;
                int at = tag.getAsInt();
                ps.setInt(1, 1 + id);
                ps.setDouble(2, ThreadLocalRandom.current().nextDouble());
                ps.setString(3, "{\"host\": \"node-" + id + "\", \"job\": \"writer\", \"seq\": " + (i % 100) + "}");
                long t0 = System.nanoTime();
                try {
                    ps.executeUpdate();
                    sink.written(at, (System.nanoTime() - t0) / 1000, t0);
                } catch (SQLException e) {
                    sink.failed(at);
                }
            }
        }
    }

    /** This JVM's VmRSS (kB) every 50 ms, tagged. */
    void sampleRss(Recorder r) {
        while (!stopped.getAsBoolean()) {
            try {
                r.add(tag.getAsInt(), status("VmRSS:"), System.nanoTime());
                Thread.sleep(50);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** A field of /proc/self/status, in kB; -1 when it is not there. */
    static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
