package io.noetl.lifecycle.support;

import io.noetl.lifecycle.OperatorConfig;
import java.time.Duration;
import java.util.Optional;

/** The operator's default settings, for harnesses and plain JUnit tests that run outside Quarkus. */
public final class StandaloneConfig implements OperatorConfig {
    public static final StandaloneConfig INSTANCE = new StandaloneConfig();

    @Override
    public DefaultDatabase defaultDatabase() {
        return new DefaultDatabase() {
            public Optional<String> url() {
                return Optional.empty();
            }

            public Optional<String> username() {
                return Optional.empty();
            }

            public Optional<String> password() {
                return Optional.empty();
            }
        };
    }

    @Override
    public Pool pool() {
        return new Pool() {
            public int connectionsPerServer() {
                return 4;
            }

            public Duration acquisitionTimeout() {
                return Duration.ofSeconds(10);
            }

            public Duration idleTimeout() {
                return Duration.ofSeconds(10);
            }

            public Duration reportWaitAfter() {
                return Duration.ofSeconds(5);
            }

            public Duration maxWait() {
                return Duration.ofMinutes(10);
            }

            public Optional<Integer> maxSize() {
                return Optional.empty();
            }
        };
    }

    @Override
    public Ddl ddl() {
        return new Ddl() {
            public Duration lockTimeout() {
                return Duration.ofMillis(300);
            }

            public Duration lockWait() {
                return Duration.ofMinutes(2);
            }

            public Duration gateMinAge() {
                return Duration.ofMillis(50);
            }

            public int maxAttempts() {
                return 5;
            }

            public Duration retryBackoff() {
                return Duration.ofMillis(200);
            }

            public Duration statementTimeout() {
                return Duration.ofMinutes(5);
            }

            public boolean synchronousCommit() {
                return false;
            }

            public int batchSize() {
                return 16;
            }
        };
    }

    @Override
    public ClockCheck clock() {
        return () -> Duration.ofSeconds(30);
    }

    @Override
    public Maintenance maintenance() {
        return new Maintenance() {
            public String tick() {
                return "15s";
            }

            public Duration afterBoundary() {
                return Duration.ofSeconds(5);
            }

            public Duration retryAfterFailure() {
                return Duration.ofSeconds(30);
            }

            public Duration maxBackoff() {
                return Duration.ofMinutes(10);
            }
        };
    }
}
