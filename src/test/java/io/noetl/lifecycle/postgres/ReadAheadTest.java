package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The hand-over between a producer's thread and the caller's; no database (ExportSql's tests read through it). */
class ReadAheadTest {
    @Test
    void everyItemArrivesInOrderOnTheCallersThread() throws Exception {
        List<Integer> got = new ArrayList<>();
        AtomicReference<Thread> producerThread = new AtomicReference<>();
        Thread caller = Thread.currentThread();
        ReadAhead.<Integer, RuntimeException>run("test-read-ahead", 7, out -> {
            producerThread.set(Thread.currentThread());
            for (int i = 0; i < 1_000; i++) {
                out.add(i);
            }
        }, item -> {
            assertSame(caller, Thread.currentThread());
            return got.add(item);
        });
        assertEquals(1_000, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i, got.get(i));
        }
        assertNotEquals(caller, producerThread.get());
        assertFalse(producerThread.get().isAlive(), "run returns after the producer's thread has ended");
    }

    @Test
    void aSinkThatStopsStopsTheProducerBeforeRunReturns() throws Exception {
        AtomicInteger produced = new AtomicInteger();
        AtomicBoolean producerEnded = new AtomicBoolean();
        List<Integer> got = new ArrayList<>();
        ReadAhead.<Integer, RuntimeException>run("test-read-ahead", 10, out -> {
            try {
                for (int i = 0; i < 1_000_000; i++) {
                    produced.incrementAndGet();
                    if (!out.add(i)) {
                        return;
                    }
                }
            } finally {
                producerEnded.set(true);
            }
        }, item -> got.add(item) && item < 24);
        assertEquals(25, got.size(), "the sink saw up to the item it stopped at");
        assertTrue(producerEnded.get(), "the producer's finally ran before run returned");
        // the producer may be ahead by the queue and the chunk it was filling, never further
        assertTrue(produced.get() <= 25 + (ReadAhead.CHUNKS_AHEAD + 2) * 10, "produced " + produced.get());
    }

    @Test
    void theProducerWaitsWhenTheQueueIsFull() throws Exception {
        AtomicInteger produced = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger aheadWhenHeld = new AtomicInteger();
        ReadAhead.<Integer, InterruptedException>run("test-read-ahead", 10, out -> {
            for (int i = 0; i < 200; i++) {
                produced.incrementAndGet();
                out.add(i);
            }
        }, item -> {
            if (item == 0) {
                // hold the first item long enough for the producer to run as far ahead as it can (it needs
                // microseconds per chunk): it must stop at what the queue allows
                Thread.sleep(300);
                aheadWhenHeld.set(produced.get());
                release.countDown();
            }
            return true;
        });
        assertTrue(release.await(1, TimeUnit.SECONDS));
        assertTrue(aheadWhenHeld.get() <= (ReadAhead.CHUNKS_AHEAD + 2) * 10, "ahead " + aheadWhenHeld.get());
        assertEquals(200, produced.get());
    }

    @Test
    void aProducersFailureIsThrownToTheCaller() {
        SQLException failure = new SQLException("the cursor broke", "08006");
        List<Integer> got = new ArrayList<>();
        SQLException thrown = assertThrows(SQLException.class, () -> ReadAhead.<Integer, RuntimeException>run(
                "test-read-ahead", 5, out -> {
                    for (int i = 0; i < 12; i++) {
                        out.add(i);
                    }
                    throw failure;
                }, got::add));
        assertSame(failure, thrown);
        assertEquals(10, got.size(), "the full chunks before the failure were handed over, the partial one not");
    }

    @Test
    void aSinksFailureStopsTheProducerAndIsThrown() {
        AtomicBoolean producerEnded = new AtomicBoolean();
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> ReadAhead.<Integer, IllegalStateException>run("test-read-ahead", 4, out -> {
                    try {
                        int i = 0;
                        while (out.add(i++)) {
                            // until told to stop
                        }
                    } finally {
                        producerEnded.set(true);
                    }
                }, item -> {
                    if (item == 9) {
                        throw new IllegalStateException("the receiver refused");
                    }
                    return true;
                }));
        assertEquals("the receiver refused", thrown.getMessage());
        assertTrue(producerEnded.get());
    }
}
