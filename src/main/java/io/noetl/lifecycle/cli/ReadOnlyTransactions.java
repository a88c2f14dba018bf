package io.noetl.lifecycle.cli;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Connections on which the server refuses every change, with nothing set on the session: every transaction begins
 * {@code READ ONLY} (pgJDBC's {@code BEGIN READ ONLY}, its read-only mode {@code transaction}), and a connection the
 * caller uses in auto-commit runs each statement in a read-only transaction of its own, committed after it. A
 * session-level read-only mode ({@code SET SESSION CHARACTERISTICS}, {@code default_transaction_read_only}) would
 * outlive the connection on a transaction-pooling PgBouncer's server connection and refuse the writes of its next
 * client (issue 22).
 *
 * <p>What the caller sees is a JDBC connection in auto-commit: {@code setAutoCommit(false)} starts the caller's own
 * transaction (read-only too), {@code setAutoCommit(true)} commits it. {@code setReadOnly(false)} is ignored.
 */
final class ReadOnlyTransactions implements DataSource {
    private final DataSource delegate;

    ReadOnlyTransactions(DataSource delegate) {
        this.delegate = delegate;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(delegate.getConnection(username, password));
    }

    private static Connection wrap(Connection real) throws SQLException {
        try {
            real.setAutoCommit(false);
            real.setReadOnly(true);
        } catch (SQLException e) {
            real.close();
            throw e;
        }
        return (Connection) Proxy.newProxyInstance(ReadOnlyTransactions.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new ConnectionHandler(real));
    }

    /** The caller's auto-commit, over a real connection that is never in auto-commit. */
    private static final class ConnectionHandler implements InvocationHandler {
        private final Connection real;
        private boolean autoCommit = true;

        ConnectionHandler(Connection real) {
            this.real = real;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "getAutoCommit":
                    return autoCommit;
                case "setAutoCommit":
                    boolean on = (Boolean) args[0];
                    if (on != autoCommit) {
                        // into auto-commit commits the caller's transaction, as JDBC says; out of it, nothing is open
                        real.commit();
                        autoCommit = on;
                    }
                    return null;
                case "setReadOnly":
                    return null;
                case "close":
                    if (!real.isClosed()) {
                        try {
                            real.rollback();
                        } finally {
                            real.close();
                        }
                    }
                    return null;
                default:
                    break;
            }
            Object result = call(real, method, args);
            if (result instanceof Statement s && Statement.class.isAssignableFrom(method.getReturnType())) {
                return Proxy.newProxyInstance(ReadOnlyTransactions.class.getClassLoader(),
                        new Class<?>[] {method.getReturnType()}, new StatementHandler(s, this, (Connection) proxy));
            }
            return result;
        }

        /** After a statement the caller ran in auto-commit: its transaction ends (rolled back if it failed). */
        void afterStatement(boolean failed) throws SQLException {
            if (!autoCommit) {
                return;
            }
            if (failed) {
                real.rollback();
            } else {
                real.commit();
            }
        }
    }

    /** A statement whose executions end their transaction when the caller is in auto-commit. */
    private static final class StatementHandler implements InvocationHandler {
        private final Statement real;
        private final ConnectionHandler connection;
        private final Connection proxy;

        StatementHandler(Statement real, ConnectionHandler connection, Connection proxy) {
            this.real = real;
            this.connection = connection;
            this.proxy = proxy;
        }

        @Override
        public Object invoke(Object self, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("getConnection")) {
                return proxy;
            }
            if (method.getName().equals("setFetchSize") && connection.autoCommit) {
                // pgJDBC fetches all rows at once in auto-commit; a cursor would not survive the commit after it
                return null;
            }
            if (!method.getName().startsWith("execute")) {
                return call(real, method, args);
            }
            Object result;
            try {
                result = call(real, method, args);
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.afterStatement(true);
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            // the rows of a query in auto-commit are all fetched already (pgJDBC uses no cursor there)
            connection.afterStatement(false);
            return result;
        }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
