package io.noetl.lifecycle.postgres;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Up to {@link #permits()} connections of one database, granted by its server's {@link ServerBudget} for one pass, as
 * a {@link DataSource}: a connection closed by the pass comes back to the lease and is handed out again by its next
 * {@link #getConnection()}; closing the lease gives the healthy ones back to the budget as idle connections. A pass
 * that asks for more connections at once than it leased is a bug of the operator and fails loudly, never waits.
 *
 * <p>A connection comes back as a plain connection: a transaction left open is rolled back and autocommit is on again,
 * read-only off. One that the server ended, or that could not be put back so, is closed instead. Idle connections a
 * lease takes over from the budget are checked with one round trip before their first use (the server may have ended
 * them while they sat idle).
 */
public final class Lease implements FixedDataSource, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Lease.class);
    private static final int VALIDATION_SECONDS = 5;

    private final ServerBudget budget;
    private final DatabaseTarget target;
    private final int permits;
    private final ServerBudget.Connector connector;
    /** Guarded by this: connections not handed out, the ones taken from the idle first (they need a check). */
    private final ArrayDeque<Connection> free = new ArrayDeque<>();
    /** Guarded by this: idle connections taken over and not yet checked. */
    private final List<Connection> unchecked = new ArrayList<>();
    /** Guarded by this: every open connection of the lease. */
    private final List<Connection> open = new ArrayList<>();
    private boolean closed;

    Lease(ServerBudget budget, DatabaseTarget target, int permits, List<Connection> handed,
            ServerBudget.Connector connector) {
        this.budget = budget;
        this.target = target;
        this.permits = permits;
        this.connector = connector;
        free.addAll(handed);
        unchecked.addAll(handed);
        open.addAll(handed);
    }

    /** How many connections the lease may have open at once. */
    public int permits() {
        return permits;
    }

    /** The database the lease's connections reach. */
    public DatabaseTarget target() {
        return target;
    }

    public ServerBudget budget() {
        return budget;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection physical;
        boolean check;
        synchronized (this) {
            if (closed) {
                throw new SQLException("the lease of " + budget + " is closed", "08003");
            }
            physical = free.pollFirst();
            check = physical != null && unchecked.remove(physical);
            if (physical == null && open.size() >= permits) {
                throw new IllegalStateException("a pass asked for more than the " + permits + " connections it "
                        + "leased of " + budget + " at once; it must lease as many as it uses together");
            }
        }
        if (physical != null && check && !valid(physical)) {
            forget(physical);
            physical = null;
        }
        if (physical == null) {
            physical = connector.open(target);
            synchronized (this) {
                if (closed) {
                    ServerBudget.closeQuietly(List.of(physical));
                    throw new SQLException("the lease of " + budget + " is closed", "08003");
                }
                open.add(physical);
            }
            budget.held(1);
        }
        return wrap(physical);
    }

    private static boolean valid(Connection c) {
        try {
            return c.isValid(VALIDATION_SECONDS);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Closes {@code physical} and forgets it: its permit may open another. */
    private void forget(Connection physical) {
        boolean counted;
        synchronized (this) {
            counted = open.remove(physical);
            free.remove(physical);
        }
        if (counted) {
            budget.held(-1);
        }
        ServerBudget.closeQuietly(List.of(physical));
    }

    /** A connection the pass closed: back to the free ones, as a plain connection, or closed. */
    private void returned(Connection physical) {
        boolean healthy;
        try {
            healthy = !physical.isClosed();
            if (healthy && !physical.getAutoCommit()) {
                physical.rollback();
                physical.setAutoCommit(true);
            }
            if (healthy && physical.isReadOnly()) {
                physical.setReadOnly(false);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("a connection to %s could not be put back: %s", budget.server(), e.getMessage());
            healthy = false;
        }
        if (!healthy) {
            forget(physical);
            return;
        }
        synchronized (this) {
            if (!closed) {
                free.addFirst(physical);
                return;
            }
        }
        forget(physical); // closed under a pass that still used it
    }

    private Connection wrap(Connection physical) {
        InvocationHandler handler = new InvocationHandler() {
            private boolean gone;

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                switch (method.getName()) {
                    case "close":
                        synchronized (this) {
                            if (gone) {
                                return null;
                            }
                            gone = true;
                        }
                        returned(physical);
                        return null;
                    case "isClosed":
                        synchronized (this) {
                            if (gone) {
                                return true;
                            }
                        }
                        break;
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "toString":
                        return "leased " + physical;
                    default:
                        synchronized (this) {
                            if (gone) {
                                throw new SQLException("the connection is closed", "08003");
                            }
                        }
                }
                try {
                    return method.invoke(physical, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        };
        return (Connection) Proxy.newProxyInstance(Lease.class.getClassLoader(), new Class<?>[] { Connection.class },
                handler);
    }

    /** Gives the permits back; the connections the pass no longer uses stay idle for the next pass. */
    @Override
    public void close() {
        List<Connection> healthy = new ArrayList<>();
        List<Connection> broken = new ArrayList<>();
        int held;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            held = open.size();
            for (Connection c : open) {
                if (free.contains(c)) {
                    healthy.add(c);
                } else {
                    broken.add(c); // still handed out: the pass did not close it
                }
            }
            open.clear();
            free.clear();
        }
        if (!broken.isEmpty()) {
            LOG.warnf("a pass ended with %d connection(s) to %s not closed; they are closed now", broken.size(),
                    budget.server());
            ServerBudget.closeQuietly(broken);
        }
        budget.giveBack(target, permits, healthy, held);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("a lease connects with its target's credentials only");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
