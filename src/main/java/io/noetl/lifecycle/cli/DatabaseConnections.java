package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Opens the databases the commands work on: one plain connection per use, no pool (a command runs once). */
@FunctionalInterface
public interface DatabaseConnections {

    /**
     * @param readOnly for {@code plan}: the server itself refuses any change on these connections (each transaction
     *     is read-only; the session is left as it was)
     */
    DataSource open(DatabaseTarget target, boolean readOnly);

    static DatabaseConnections postgres() {
        return (target, readOnly) -> {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(target.jdbcUrl());
            if (target.username() != null) {
                ds.setUser(target.username());
            }
            ds.setPassword(target.password());
            ds.setApplicationName("noetl-lifecycle-cli");
            ds.setConnectTimeout(10);
            ds.setLoginTimeout(10);
            // nothing outlives a transaction, as on the operator's pools (docs/operations.md, "Connection poolers"):
            // no named server-side statement, no session setting
            ds.setPrepareThreshold(DatabasePools.PREPARE_THRESHOLD);
            ds.setPreparedStatementCacheQueries(0);
            if (readOnly) {
                // pgJDBC's BEGIN READ ONLY for every transaction, never a read-only session
                ds.setReadOnlyMode("transaction");
                return new ReadOnlyTransactions(ds);
            }
            return ds;
        };
    }
}
