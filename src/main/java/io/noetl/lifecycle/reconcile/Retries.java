package io.noetl.lifecycle.reconcile;

import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Duration;

/**
 * The framework's retry for what a reconcile or a cleanup throws: never given up, from {@code initial} doubling up
 * to {@code max}. Failures the operator foresees (an unreachable database, a lock timeout) are not thrown but
 * reported, and looked at again when their verdict says; what is thrown is an unforeseen failure (left on the
 * resource by {@code updateErrorStatus}) or a cleanup that must keep the finalizer.
 */
public final class Retries {
    private Retries() {
    }

    public static GenericRetry backoff(Duration initial, Duration max) {
        long first = Math.max(1, initial.toMillis());
        return new GenericRetry().setInitialInterval(first).setIntervalMultiplier(2)
                .setMaxInterval(Math.max(first, max.toMillis())).withoutMaxAttempts();
    }
}
