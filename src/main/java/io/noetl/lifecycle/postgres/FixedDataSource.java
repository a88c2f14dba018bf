package io.noetl.lifecycle.postgres;

import java.io.PrintWriter;
import java.sql.SQLFeatureNotSupportedException;
import javax.sql.DataSource;

/**
 * A {@link DataSource} of the operator's own (a lease, a one-at-a-time source): no log writer, no login timeout of its
 * own (the driver's {@code loginTimeout} is set on each connection), no parent logger.
 */
interface FixedDataSource extends DataSource {
    @Override
    default PrintWriter getLogWriter() {
        return null;
    }

    @Override
    default void setLogWriter(PrintWriter out) {
    }

    @Override
    default void setLoginTimeout(int seconds) {
    }

    @Override
    default int getLoginTimeout() {
        return 0;
    }

    @Override
    default java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
