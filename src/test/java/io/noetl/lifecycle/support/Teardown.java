package io.noetl.lifecycle.support;

import java.util.concurrent.ExecutorService;

/** The end of a test class: what it started is stopped, whatever a skipped or failed start left unmade. */
public final class Teardown {
    private Teardown() {
    }

    /**
     * Closes each of {@code resources} in the order given, passing over those never made (null: the class was skipped
     * before, or its start failed); goes on past a failure and throws the first, the others suppressed in it.
     */
    public static void close(AutoCloseable... resources) {
        RuntimeException first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** {@code executor}'s shutdown, for {@link #close}; null when it never started. */
    public static AutoCloseable stopping(ExecutorService executor) {
        return executor == null ? null : executor::shutdownNow;
    }
}
