package io.noetl.lifecycle.partition;

import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import java.time.Clock;
import javax.sql.DataSource;

/**
 * Where a pass works and by which rules: the pool of its database, the target that pool reaches (for the messages of
 * its failures), the lock discipline of its DDL, and the operator's clock.
 */
public record PassContext(DataSource dataSource, DatabaseTarget target, LockPolicy lockPolicy, Clock clock) {
}
