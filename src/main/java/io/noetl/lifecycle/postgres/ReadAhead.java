package io.noetl.lifecycle.postgres;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Items produced on a thread of their own (a cursor's rows, fetched and decoded) and handed to the caller's thread in
 * chunks through a small bounded queue, so that what the caller does with one chunk (encode, send, acknowledge)
 * overlaps the fetching and decoding of the next: without it the database waits while the caller works and the caller
 * waits while the database sorts and sends (docs/benchmarks.md, the export's profile). Order is kept; at most
 * {@value #CHUNKS_AHEAD} chunks of {@code chunk} items wait, so memory stays bounded whatever the source's size.
 *
 * <p>When the caller's sink says stop, or throws, the producer is told to stop at its next item and the call returns
 * only after the producer's thread has ended, so the producer's resources (its connection's transaction) are settled
 * before the caller goes on. A producer's failure is the caller's: it is thrown from {@link #run}.
 */
public final class ReadAhead {
    static final int CHUNKS_AHEAD = 4;

    private ReadAhead() {
    }

    /** Produces items into {@code out} until it runs out or {@link Out#add} says the consumer stopped. */
    @FunctionalInterface
    public interface Producer<T> {
        void produce(Out<T> out) throws Exception;
    }

    /** Takes the items in order; false stops the producer. */
    @FunctionalInterface
    public interface Sink<T, E extends Exception> {
        boolean accept(T item) throws E;
    }

    /** The producer's side of the queue. */
    public static final class Out<T> {
        private final BlockingQueue<Chunk<T>> queue;
        private final AtomicBoolean stopped;
        private final int size;
        private List<T> items;

        private Out(BlockingQueue<Chunk<T>> queue, AtomicBoolean stopped, int size) {
            this.queue = queue;
            this.stopped = stopped;
            this.size = size;
            this.items = new ArrayList<>(size);
        }

        /** Adds an item; false when the consumer has stopped, and the producer should stop too. */
        public boolean add(T item) throws InterruptedException {
            items.add(item);
            if (items.size() >= size) {
                return hand(new Chunk<>(items, null, false));
            }
            return !stopped.get();
        }

        private boolean hand(Chunk<T> chunk) throws InterruptedException {
            items = new ArrayList<>(size);
            while (!stopped.get()) {
                if (queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                    return !stopped.get();
                }
            }
            return false;
        }
    }

    private record Chunk<T>(List<T> items, Throwable failure, boolean last) {
    }

    /**
     * Runs {@code producer} on a thread named {@code name}, feeding {@code sink} on this thread in chunks of
     * {@code chunk} items, until the producer is done or the sink says stop; returns once the producer's thread has
     * ended.
     */
    public static <T, E extends Exception> void run(String name, int chunk, Producer<T> producer, Sink<T, E> sink)
            throws SQLException, InterruptedException, E {
        BlockingQueue<Chunk<T>> queue = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Out<T> out = new Out<>(queue, stopped, Math.max(1, chunk));
        Thread thread = new Thread(() -> {
            try {
                producer.produce(out);
                out.hand(new Chunk<>(out.items, null, true));
            } catch (Throwable e) {
                failed.set(e);
                try {
                    out.hand(new Chunk<>(List.of(), e, true));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        try {
            consume(queue, sink);
        } catch (Exception e) {
            throw e;
        } finally {
            stopped.set(true);
            queue.clear();
            join(thread);
        }
        rethrow(failed.get());
    }

    private static <T, E extends Exception> void consume(BlockingQueue<Chunk<T>> queue, Sink<T, E> sink)
            throws InterruptedException, E {
        while (true) {
            Chunk<T> chunk = queue.take();
            for (T item : chunk.items()) {
                if (!sink.accept(item)) {
                    return;
                }
            }
            if (chunk.last()) {
                return;
            }
        }
    }

    /** Waits for the producer's thread, also when interrupted (the interrupt is kept for the caller). */
    private static void join(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rethrow(Throwable failure) throws SQLException, InterruptedException {
        if (failure == null) {
            return;
        }
        if (failure instanceof SQLException e) {
            throw e;
        }
        if (failure instanceof InterruptedException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(failure);
    }
}
