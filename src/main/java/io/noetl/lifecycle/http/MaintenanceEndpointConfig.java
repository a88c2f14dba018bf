package io.noetl.lifecycle.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** The seed's maintenance endpoints ({@code lifecycle.http.*}): off unless enabled, and then behind a token. */
@ConfigMapping(prefix = "lifecycle.http")
public interface MaintenanceEndpointConfig {

    /** Serve POST /api/metrics/cleanup and POST /api/metrics/partitions/create; when false they answer 404. */
    @WithDefault("false")
    boolean enabled();

    /** The Secret (key {@code token}) holding the bearer token callers must send; unset refuses every call. */
    Optional<String> tokenSecret();

    /**
     * How long the token read from the Secret is used before it is read again (a rotation takes effect within this
     * time); calls in between, right or wrong, do not reach the API server.
     */
    @WithDefault("10s")
    java.time.Duration tokenCacheTtl();

    /** The namespace of that Secret; unset means the namespace the operator runs in (its client's namespace). */
    Optional<String> tokenSecretNamespace();
}
