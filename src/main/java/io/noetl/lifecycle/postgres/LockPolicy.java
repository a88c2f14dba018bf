package io.noetl.lifecycle.postgres;

import io.noetl.lifecycle.OperatorConfig;
import java.time.Duration;

/**
 * How maintenance DDL behaves: it first waits, queueing nothing, while a long transaction holds a conflicting lock
 * (at most {@code lockWait}; see {@link LockGate}); then each attempt sets a short lock_timeout, with a bounded
 * number of jittered retries; and at most {@code batchSize} actions of one kind share a transaction.
 */
public record LockPolicy(Duration lockTimeout, int maxAttempts, Duration backoff, Duration statementTimeout,
        boolean synchronousCommit, int batchSize, Duration lockWait, Duration gateMinAge) {

    public static LockPolicy from(OperatorConfig.Ddl ddl) {
        return new LockPolicy(ddl.lockTimeout(), ddl.maxAttempts(), ddl.retryBackoff(), ddl.statementTimeout(),
                ddl.synchronousCommit(), ddl.batchSize(), ddl.lockWait(), ddl.gateMinAge());
    }
}
