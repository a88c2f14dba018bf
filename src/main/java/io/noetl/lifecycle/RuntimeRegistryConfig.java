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

    /**
     * How long a new RuntimeComponent waits, after the operator first sees it, before its first write to the
     * registry. Two resources declaring the same key are ordered by creationTimestamp, which has whole seconds, and
     * then by uid, so one created a moment after another in the same second can come first; waiting this long lets
     * the operator see it before anything is written, so the one that comes second writes nothing. Resources older
     * than this plus one second, and resources that have registered before, do not wait. 0s turns the wait off.
     */
    @WithDefault("2s")
    Duration claimSettle();
}
