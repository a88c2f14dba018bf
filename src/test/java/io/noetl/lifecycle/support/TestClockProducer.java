package io.noetl.lifecycle.support;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * Replaces the operator's system clock (a {@code @DefaultBean}) in every Quarkus test. Every open
 * {@link TestDatabase} follows its moves: the database's {@code now()} is set to the clock's time.
 */
@ApplicationScoped
public class TestClockProducer {
    public static final MutableClock CLOCK = new MutableClock();

    @Produces
    @Singleton
    Clock clock() {
        return CLOCK;
    }
}
