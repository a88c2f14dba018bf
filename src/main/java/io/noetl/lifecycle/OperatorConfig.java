package io.noetl.lifecycle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The operator's own settings ({@code lifecycle.*} in application.properties or LIFECYCLE_* variables). */
@ConfigMapping(prefix = "lifecycle")
public interface OperatorConfig {

    /** The database resources use when they name no Secret. */
    DefaultDatabase defaultDatabase();

    Pool pool();

    Ddl ddl();

    Maintenance maintenance();

    /** How far the operator's clock and the database server's may differ before a pass retires nothing. */
    ClockCheck clock();

    interface DefaultDatabase {
        /** A JDBC URL or postgresql:// URI; unset means resources must name a Secret. */
        Optional<String> url();

        Optional<String> username();

        Optional<String> password();
    }

    interface Pool {
        /**
         * The most connections the operator holds to one PostgreSQL server (host and port, or pooler), in use or
         * idle, whatever the database or the user: every resource naming a database there shares them. Passes wait
         * their turn for them, in the order they came. At least 2: an export reads on one while it records on another.
         */
        @WithDefault("4")
        int connectionsPerServer();

        /** How long making one connection may take before the pass fails with DatabaseUnreachable. */
        @WithDefault("10s")
        Duration acquisitionTimeout();

        /** Connections a pass gave back are closed after this long idle (a later pass of the database reuses them). */
        @WithDefault("10s")
        Duration idleTimeout();

        /** A pass that has waited this long for the budget shows Waiting=True (reason ConnectionBudget). */
        @WithDefault("5s")
        Duration reportWaitAfter();

        /** A pass that has waited this long for the budget gives up (ConnectionBudgetExhausted) and is retried. */
        @WithDefault("10m")
        Duration maxWait();

        /**
         * No longer used: connections are budgeted per server ({@link #connectionsPerServer()}), not per database.
         * Still accepted, with a warning, so that a configuration that sets it keeps starting.
         */
        Optional<Integer> maxSize();
    }

    interface Ddl {
        /**
         * lock_timeout for each DDL statement: how long it may wait for a lock before it gives way. While it
         * waits, writers needing a conflicting lock queue behind it, so keep it short.
         */
        @WithDefault("300ms")
        Duration lockTimeout();

        /**
         * How long a pass waits, holding and queueing nothing, while a long transaction holds a lock the next
         * statement needs, before it reports LockTimeout and tries again later.
         */
        @WithDefault("2m")
        Duration lockWait();

        /** Transactions younger than this are not waited for up front (writers' short transactions). */
        @WithDefault("50ms")
        Duration gateMinAge();

        /** Attempts per action when a lock is not granted in time. */
        @WithDefault("5")
        int maxAttempts();

        /** Base of the jittered backoff between attempts (doubles each time). */
        @WithDefault("200ms")
        Duration retryBackoff();

        /** statement_timeout for maintenance statements, a guard against a statement that never ends. */
        @WithDefault("5m")
        Duration statementTimeout();

        /**
         * synchronous_commit for maintenance transactions. Off by default: every action is idempotent and
         * re-planned from the catalog, so a commit lost in a server crash is simply redone.
         */
        @WithDefault("false")
        boolean synchronousCommit();

        /**
         * Most actions of one kind (creates, or drops and detaches) per transaction. A retiring batch holds the
         * parent's ACCESS EXCLUSIVE lock while it runs, so keep it small; 1 gives one transaction per action.
         */
        @WithDefault("16")
        int batchSize();
    }

    interface ClockCheck {
        /**
         * The largest difference between the operator's clock and the database server's ({@code now()} in the pass's
         * observe transaction) at which a pass still retires partitions; beyond it, it only creates.
         */
        @WithDefault("30s")
        Duration maxSkew();
    }

    interface Maintenance {
        /** How often the scheduler looks for resources whose maintenance is due. */
        @WithDefault("15s")
        String tick();

        /** Delay after an interval boundary before the maintenance that follows it, so clocks may disagree a little. */
        @WithDefault("5s")
        Duration afterBoundary();

        /** Retry delay after a failed pass (a lock timeout, an unreachable database). */
        @WithDefault("30s")
        Duration retryAfterFailure();

        /**
         * The longest wait between the framework's retries of an unforeseen failure of MetricRetentionPolicy and
         * EventPartitionPlan reconciles, which start at {@link #retryAfterFailure()} and double.
         */
        @WithDefault("10m")
        Duration maxBackoff();
    }
}
