package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.postgres.DatabaseTarget;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Opens the databases the commands work on: one plain connection per use, no pool (a command runs once). */
@FunctionalInterface
public interface DatabaseConnections {

    /** @param readOnly for {@code plan}: the server itself refuses any change on these connections */
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
            // bounds are read and written as UTC, as in the operator's pools
            ds.setOptions("-c TimeZone=UTC");
            if (readOnly) {
                ds.setReadOnly(true);
                // also in autocommit mode: every statement runs in a read-only transaction
                ds.setReadOnlyMode("always");
            }
            return ds;
        };
    }
}
