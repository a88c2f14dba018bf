package io.noetl.lifecycle.postgres;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.noetl.lifecycle.OperatorConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The operator's connections to its databases, budgeted per PostgreSQL server: one {@link ServerBudget} per server
 * (host and port as the URL spells them), shared by every database and user there, so that however many tenant
 * databases a server holds the operator never has more than {@code lifecycle.pool.connections-per-server} open to
 * it. A pass {@link #lease leases} the connections it uses together before its first statement and gives them back
 * when it ends; they stay idle for the next pass of the same database until {@code lifecycle.pool.idle-timeout}.
 *
 * <p>Connections are pgJDBC's, made so that nothing outlives a transaction (a transaction-pooling PgBouncer may hand
 * the server connection to another client next): no session setting, no named server-side statement.
 */
@ApplicationScoped
public class DatabasePools {
    private static final Logger LOG = Logger.getLogger(DatabasePools.class);
    /**
     * pgJDBC's {@code prepareThreshold} on every connection of the operator and its commands: 0, every statement
     * unnamed (parsed, bound and run in one round trip, gone after it), none prepared by name on a server connection
     * that a transaction-pooling PgBouncer hands to another client next. The one statement named on purpose, the
     * export's read (binary results, ExportSql), is closed in its transaction: with no statement cache
     * ({@code preparedStatementCacheQueries=0}) closing it deallocates it before the commit.
     */
    public static final int PREPARE_THRESHOLD = 0;
    /** The wait histogram's buckets: from "no wait" to "the budget is far too small". */
    private static final Duration[] WAIT_BUCKETS = { Duration.ofMillis(10), Duration.ofMillis(100),
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2),
            Duration.ofMinutes(10) };

    private final OperatorConfig.Pool config;
    private final Optional<MeterRegistry> registry;
    private final Map<String, ServerBudget> budgets = new ConcurrentHashMap<>();
    /** Guarded by this: which owners use each target, and the target of each owner. */
    private final Map<DatabaseTarget, Set<String>> users = new HashMap<>();
    private final Map<String, DatabaseTarget> targetOf = new HashMap<>();
    /** {@link DatabaseIdentity} of each target, read once (dropped with the target's last owner). */
    private final Map<DatabaseTarget, String> identities = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reaper;

    /** Without metrics (tests, the command line). */
    public DatabasePools(OperatorConfig config) {
        this(config.pool(), Optional.empty());
    }

    @Inject
    public DatabasePools(OperatorConfig config, Instance<MeterRegistry> registry) {
        this(config.pool(), registry.isResolvable() ? Optional.of(registry.get()) : Optional.empty());
    }

    DatabasePools(OperatorConfig.Pool config, Optional<MeterRegistry> registry) {
        if (config.connectionsPerServer() < 2) {
            throw new IllegalArgumentException("lifecycle.pool.connections-per-server is "
                    + config.connectionsPerServer() + "; it must be at least 2 (an export reads on one connection "
                    + "while it records what it sent on another)");
        }
        config.maxSize().ifPresent(size -> LOG.warnf("lifecycle.pool.max-size (%d) is no longer used: the operator "
                + "budgets connections per server, lifecycle.pool.connections-per-server (%d)", size,
                config.connectionsPerServer()));
        this.config = config;
        this.registry = registry;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "connection-reaper");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(200, Math.min(1000, config.idleTimeout().toMillis() / 4));
        reaper.scheduleWithFixedDelay(this::closeIdle, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Waits its turn in the budget of {@code target}'s server for {@code connections} connections (the most the
     * caller uses at once) and leases them; the caller closes the lease when its pass ends.
     *
     * @param owner    who uses the target (for example {@code kind/ns/name}); recorded until {@link #release}
     * @param kind     the label of the wait's histogram
     * @param listener told once when the wait reaches {@code lifecycle.pool.report-wait-after}
     * @throws SQLException an {@link ServerBudget.Exhausted} when the wait reached {@code lifecycle.pool.max-wait}
     *                      (or the thread was interrupted)
     */
    public Lease lease(String owner, DatabaseTarget target, int connections, String kind,
            ServerBudget.WaitListener listener) throws SQLException {
        use(owner, target);
        return leaseFor(target, connections, kind, listener);
    }

    private Lease leaseFor(DatabaseTarget target, int connections, String kind, ServerBudget.WaitListener listener)
            throws SQLException {
        ServerBudget budget = budget(target);
        long started = System.nanoTime();
        try {
            return budget.lease(target, connections, this::open, config.maxWait(), config.reportWaitAfter(),
                    listener);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a connection to " + budget.server(), "57014", e);
        } finally {
            registry.ifPresent(r -> Timer.builder("lifecycle.connection.wait").description("How long passes "
                    + "waited for the connection budget of their server").tag("kind", kind)
                    .serviceLevelObjectives(WAIT_BUCKETS).register(r)
                    .record(Duration.ofNanos(System.nanoTime() - started)));
        }
    }

    /**
     * A data source of {@code target} whose every connection is a lease of one, given back when the connection is
     * closed; for callers that use one connection at a time (the tests, the benchmarks). A pass that uses two at once
     * leases both with {@link #lease}: two leases of one each could wait on each other under a budget of two.
     */
    public DataSource acquire(String owner, DatabaseTarget target) {
        use(owner, target);
        return new OneAtATime(target);
    }

    /** Forgets {@code owner}; when no owner uses its target any more, its idle connections close. */
    public void release(String owner) {
        DatabaseTarget gone = null;
        synchronized (this) {
            DatabaseTarget target = targetOf.remove(owner);
            if (target == null) {
                return;
            }
            Set<String> owners = users.get(target);
            owners.remove(owner);
            if (owners.isEmpty()) {
                users.remove(target);
                identities.remove(target);
                gone = target;
            }
        }
        if (gone != null) {
            budget(gone).closeIdle(gone);
        }
    }

    private synchronized void use(String owner, DatabaseTarget target) {
        DatabaseTarget previous = targetOf.get(owner);
        if (previous != null && !previous.equals(target)) {
            release(owner); // a rotated Secret, a moved database: the old target's idle connections may go
        }
        users.computeIfAbsent(target, t -> new HashSet<>()).add(owner);
        targetOf.put(owner, target);
    }

    /**
     * Which database {@code target} reaches ({@link DatabaseIdentity}), read once through a lease of one and kept until
     * its last owner lets it go (a target no resource leases yet, such as another resource's, is kept too: the claims
     * and the wake-ups of many policies ask for it again and again). A database that cannot be read now gets {@link DatabaseIdentity#unread}, not kept:
     * the next call tries again. Never call it while holding a lease: it waits for the budget itself.
     */
    public String identity(DatabaseTarget target) {
        return identity(target, ServerBudget.WaitListener.NONE);
    }

    /**
     * {@link #identity(DatabaseTarget)} for a pass, which shows through {@code waiting} that it waits when the read
     * has to wait for the budget (a database's first pass, while the server's connections are all in use).
     */
    public String identity(DatabaseTarget target, ServerBudget.WaitListener waiting) {
        String known = identities.get(target);
        if (known != null) {
            return known;
        }
        String identity;
        try (Lease lease = leaseFor(target, 1, "identity", waiting)) {
            identity = DatabaseIdentity.read(lease);
        } catch (SQLException e) {
            LOG.debugf("cannot read which database %s is: %s", target, target.redact(e.getMessage()));
            return DatabaseIdentity.unread(target);
        }
        identities.put(target, identity);
        return identity;
    }

    /** The budget of the server {@code target} names (made on first use). */
    public ServerBudget budget(DatabaseTarget target) {
        return budgets.computeIfAbsent(serverOf(target.jdbcUrl()), this::newBudget);
    }

    /** The budgets made so far (one per server). */
    public List<ServerBudget> budgets() {
        return List.copyOf(budgets.values());
    }

    private ServerBudget newBudget(String server) {
        ServerBudget budget = new ServerBudget(server, config.connectionsPerServer());
        registry.ifPresent(r -> {
            Gauge.builder("lifecycle.connections", budget, ServerBudget::inUse).description("Connections the "
                    + "operator holds to the server, by state").tags("server", server, "state", "in_use")
                    .register(r);
            Gauge.builder("lifecycle.connections", budget, ServerBudget::idle).description("Connections the "
                    + "operator holds to the server, by state").tags("server", server, "state", "idle")
                    .register(r);
            Gauge.builder("lifecycle.connections.limit", budget, ServerBudget::limit).description("The most "
                    + "connections the operator holds to the server (lifecycle.pool.connections-per-server)")
                    .tag("server", server).register(r);
            Gauge.builder("lifecycle.connections.waiting", budget, ServerBudget::waiting).description("Passes "
                    + "waiting for a connection to the server").tag("server", server).register(r);
        });
        return budget;
    }

    /**
     * The server part of a pgJDBC URL, lower case, each host with its port ({@code 5432} when none is written):
     * {@code jdbc:postgresql://DB.example:6432/app?ssl=true} is {@code db.example:6432}; a URL without a host is
     * {@code localhost:5432}. Two spellings of one server (a name and its address) are two budgets.
     */
    static String serverOf(String jdbcUrl) {
        String rest = jdbcUrl.substring("jdbc:postgresql:".length());
        if (!rest.startsWith("//")) {
            return "localhost:5432";
        }
        rest = rest.substring(2);
        int end = rest.length();
        for (char stop : new char[] { '/', '?' }) {
            int i = rest.indexOf(stop);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        String hosts = rest.substring(0, end).toLowerCase(Locale.ROOT);
        if (hosts.isEmpty()) {
            return "localhost:5432";
        }
        StringBuilder out = new StringBuilder();
        for (String host : hosts.split(",")) {
            if (out.length() > 0) {
                out.append(',');
            }
            boolean hasPort = host.startsWith("[") ? host.indexOf("]:") > 0 : host.contains(":");
            out.append(host).append(hasPort ? "" : ":5432");
        }
        return out.toString();
    }

    /** One new connection of {@code target}; the budget has granted it already. */
    private Connection open(DatabaseTarget target) throws SQLException {
        Properties props = new Properties();
        if (target.username() != null) {
            props.setProperty("user", target.username());
        }
        props.setProperty("password", target.password());
        // nothing outlives a transaction, so that the server may be a transaction-pooling PgBouncer's
        // (docs/operations.md, "Connection poolers"): no session setting, no named server-side statement
        props.setProperty("prepareThreshold", Integer.toString(PREPARE_THRESHOLD));
        props.setProperty("preparedStatementCacheQueries", "0");
        props.setProperty("ApplicationName", "noetl-lifecycle-operator");
        props.setProperty("connectTimeout", Long.toString(Math.max(1, config.acquisitionTimeout().toSeconds())));
        props.setProperty("loginTimeout", Long.toString(Math.max(1, config.acquisitionTimeout().toSeconds())));
        props.setProperty("tcpKeepAlive", "true");
        // a close waits for the server backend to go: only then is its place in the budget free
        props.setProperty("socketFactory", ExitAwaitingSocketFactory.class.getName());
        Connection c = new org.postgresql.Driver().connect(target.jdbcUrl(), props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL", "08001");
        }
        return c;
    }

    private void closeIdle() {
        try {
            for (ServerBudget budget : budgets.values()) {
                budget.closeIdle(config.idleTimeout());
            }
        } catch (RuntimeException e) {
            LOG.debugf(e, "closing idle connections failed");
        }
    }

    @PreDestroy
    void closeAll() {
        reaper.shutdownNow();
        for (ServerBudget budget : budgets.values()) {
            budget.closeIdle(Duration.ZERO);
        }
        synchronized (this) {
            identities.clear();
            users.clear();
            targetOf.clear();
        }
    }

    /** {@link #acquire}'s data source: each connection its own lease of one. */
    private final class OneAtATime implements FixedDataSource {
        private final DatabaseTarget target;

        OneAtATime(DatabaseTarget target) {
            this.target = target;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Lease lease = leaseFor(target, 1, "other", ServerBudget.WaitListener.NONE);
            Connection c;
            try {
                c = lease.getConnection();
            } catch (SQLException | RuntimeException e) {
                lease.close();
                throw e;
            }
            return (Connection) java.lang.reflect.Proxy.newProxyInstance(DatabasePools.class.getClassLoader(),
                    new Class<?>[] { Connection.class }, (proxy, method, args) -> {
                        if ("close".equals(method.getName())) {
                            try {
                                c.close();
                            } finally {
                                lease.close();
                            }
                            return null;
                        }
                        if ("equals".equals(method.getName())) {
                            return proxy == args[0];
                        }
                        if ("hashCode".equals(method.getName())) {
                            return System.identityHashCode(proxy);
                        }
                        try {
                            return method.invoke(c, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("connections are made with the target's credentials only");
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
