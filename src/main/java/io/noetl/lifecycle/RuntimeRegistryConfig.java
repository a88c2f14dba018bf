package io.noetl.lifecycle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the RuntimeComponent registry ({@code lifecycle.runtime.*}). */
@ConfigMapping(prefix = "lifecycle.runtime")
public interface RuntimeRegistryConfig {

    /**
     * How long the registry's column layout is remembered per database before it is read again from
     * information_schema. Registering thousands of components then costs one introspection per database per
     * period instead of one per reconcile; a changed table is seen at the latest after this long (or at once
     * after a statement failed on it).
     */
    @WithDefault("60s")
    Duration catalogTtl();

    /**
     * The shard number (0..31) in the ids the operator makes for new rows when the database has no
     * {@code noetl.snowflake_id()}; keep it different from the shard NoETL's own servers use.
     */
    @WithDefault("31")
    int idShard();

    /** The longest wait between attempts to clean up a deleted resource's row while the database is unreachable. */
    @WithDefault("10m")
    Duration cleanupMaxBackoff();
}
