package io.noetl.lifecycle.postgres;

import io.noetl.lifecycle.OperatorConfig;
import java.time.Duration;

/**
 * How maintenance DDL behaves: a short lock_timeout per attempt, a bounded number of jittered retries, and at most
 * {@code batchSize} actions of one kind per transaction.
 */
public record LockPolicy(Duration lockTimeout, int maxAttempts, Duration backoff, Duration statementTimeout,
        boolean synchronousCommit, int batchSize) {

    public static LockPolicy from(OperatorConfig.Ddl ddl) {
        return new LockPolicy(ddl.lockTimeout(), ddl.maxAttempts(), ddl.retryBackoff(), ddl.statementTimeout(),
                ddl.synchronousCommit(), ddl.batchSize());
    }
}
