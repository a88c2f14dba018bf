package io.noetl.lifecycle.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A clock tests move by hand; it starts at the real time.
 *
 * <p>Listeners hear every {@link #set} and {@link #advance} with the new instant, before the call returns; that is
 * how {@link TestDatabase} keeps the test databases' {@code now()} at this clock's time. Moves are serialized (two
 * threads moving the clock at once notify in the order they moved it, so a listener's last value is the clock's),
 * and the clock already reads the new instant while the listeners run. A listener that throws does not keep the
 * others from hearing the move; the first failure is rethrown from the move once all have heard it, the others
 * suppressed into it. Listeners must not move this clock themselves.
 */
public final class MutableClock extends Clock {
    private final Object moves = new Object();
    private final List<Consumer<Instant>> listeners = new CopyOnWriteArrayList<>();
    private volatile Instant now = Instant.now();

    public void set(Instant instant) {
        synchronized (moves) {
            try {
                notifyListeners(instant);
            } finally {
                now = instant;
            }
        }
    }

    public void advance(Duration d) {
        synchronized (moves) {
            Instant next = now.plus(d);
            try {
                notifyListeners(next);
            } finally {
                now = next;
            }
        }
    }

    /** {@code listener} hears every later move of this clock, until {@link #removeListener}. */
    public void addListener(Consumer<Instant> listener) {
        listeners.add(listener);
    }

    /**
     * {@code listener} hears no move that starts after this returns (one already running may still reach it).
     * Takes no lock of the clock's: a listener may remove itself, or be removed while the clock is moving.
     */
    public void removeListener(Consumer<Instant> listener) {
        listeners.remove(listener);
    }

    private void notifyListeners(Instant instant) {
        RuntimeException failure = null;
        for (Consumer<Instant> listener : listeners) {
            try {
                listener.accept(instant);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
