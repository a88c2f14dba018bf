package io.noetl.lifecycle.postgres;

import java.time.Duration;

/** How DDL waits for locks: a short lock_timeout per attempt and a bounded number of jittered retries. */
public record LockPolicy(Duration lockTimeout, int maxAttempts, Duration backoff, Duration statementTimeout) {

    public static LockPolicy defaults() {
        return new LockPolicy(Duration.ofMillis(500), 5, Duration.ofMillis(200), Duration.ofMinutes(5));
    }
}
