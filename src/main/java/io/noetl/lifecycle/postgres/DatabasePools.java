package io.noetl.lifecycle.postgres;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.noetl.lifecycle.OperatorConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * One Agroal pool per distinct database target (URL, user, password), shared by every resource that names it
 * and closed when the last of them moves away or is deleted. A rotated Secret is a new target: the next
 * reconcile gets a new pool and the old one closes once nobody uses it.
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

    private final OperatorConfig config;
    private final Map<DatabaseTarget, AgroalDataSource> pools = new HashMap<>();
    private final Map<DatabaseTarget, Set<String>> users = new HashMap<>();
    private final Map<String, DatabaseTarget> targetOf = new HashMap<>();
    /** {@link DatabaseIdentity} of each target, read once (dropped with the target's pool). */
    private final Map<DatabaseTarget, String> identities = new HashMap<>();

    public DatabasePools(OperatorConfig config) {
        this.config = config;
    }

    /** The pool for {@code target}, recorded as used by {@code owner} (for example {@code kind/ns/name}). */
    public synchronized AgroalDataSource acquire(String owner, DatabaseTarget target) throws SQLException {
        DatabaseTarget previous = targetOf.get(owner);
        if (previous != null && !previous.equals(target)) {
            release(owner);
        }
        AgroalDataSource pool = pools.get(target);
        if (pool == null) {
            pool = open(target);
            pools.put(target, pool);
        }
        users.computeIfAbsent(target, t -> new HashSet<>()).add(owner);
        targetOf.put(owner, target);
        return pool;
    }

    /** Forgets {@code owner}; closes its pool if nobody else uses it. */
    public synchronized void release(String owner) {
        DatabaseTarget target = targetOf.remove(owner);
        if (target == null) {
            return;
        }
        Set<String> owners = users.get(target);
        owners.remove(owner);
        if (owners.isEmpty()) {
            users.remove(target);
            identities.remove(target);
            AgroalDataSource pool = pools.remove(target);
            if (pool != null) {
                LOG.debugf("closing the pool for %s", target);
                pool.close();
            }
        }
    }

    /**
     * Which database {@code target} reaches ({@link DatabaseIdentity}), read once through its pool (or, for a target
     * without one, such as another resource's, one plain connection) and kept until its pool closes. A database that
     * cannot be read now gets {@link DatabaseIdentity#unread}, not kept: the next call tries again.
     */
    public String identity(DatabaseTarget target) {
        AgroalDataSource pool;
        synchronized (this) {
            String known = identities.get(target);
            if (known != null) {
                return known;
            }
            pool = pools.get(target);
        }
        String identity;
        try {
            identity = pool != null ? DatabaseIdentity.read(pool) : readOnce(target);
        } catch (SQLException e) {
            LOG.debugf("cannot read which database %s is: %s", target, target.redact(e.getMessage()));
            return DatabaseIdentity.unread(target);
        }
        synchronized (this) {
            identities.put(target, identity);
        }
        return identity;
    }

    private String readOnce(DatabaseTarget target) throws SQLException {
        java.util.Properties props = new java.util.Properties();
        if (target.username() != null) {
            props.setProperty("user", target.username());
        }
        props.setProperty("password", target.password());
        props.setProperty("prepareThreshold", Integer.toString(PREPARE_THRESHOLD));
        props.setProperty("preparedStatementCacheQueries", "0");
        props.setProperty("ApplicationName", "noetl-lifecycle-operator");
        props.setProperty("connectTimeout", Long.toString(config.pool().acquisitionTimeout().toSeconds()));
        try (java.sql.Connection c = new org.postgresql.Driver().connect(target.jdbcUrl(), props)) {
            return DatabaseIdentity.read(c);
        }
    }

    public synchronized int openPools() {
        return pools.size();
    }

    private AgroalDataSource open(DatabaseTarget target) throws SQLException {
        OperatorConfig.Pool p = config.pool();
        AgroalDataSourceConfigurationSupplier cfg = new AgroalDataSourceConfigurationSupplier()
                .metricsEnabled(false)
                .connectionPoolConfiguration(pool -> pool
                        .initialSize(0).minSize(0).maxSize(p.maxSize())
                        .acquisitionTimeout(p.acquisitionTimeout())
                        .reapTimeout(p.idleTimeout())
                        .validationTimeout(java.time.Duration.ofMinutes(1))
                        .connectionValidator(AgroalConnectionPoolConfiguration.ConnectionValidator.defaultValidator())
                        // a connection the server ended while it sat idle (a restart, a terminated backend, a
                        // pooler's own timeout) is found out before a pass gets it: one round trip per borrow
                        .validateOnBorrow(true)
                        // a connection the server dropped or terminated is discarded, not handed out again
                        .exceptionSorter(DatabasePools::isFatal)
                        .connectionFactoryConfiguration(cf -> cf
                                .jdbcUrl(target.jdbcUrl())
                                .principal(target.username() == null ? null : new NamePrincipal(target.username()))
                                .credential(new SimplePassword(target.password()))
                                .loginTimeout(p.acquisitionTimeout())
                                .autoCommit(true)
                                // nothing outlives a transaction, so that the pool may be a transaction-pooling
                                // PgBouncer's (docs/operations.md, "Connection poolers"): no initial SQL, no session
                                // setting (the SQL reads no session zone), and no named server-side statement
                                .jdbcProperty("prepareThreshold", Integer.toString(PREPARE_THRESHOLD))
                                .jdbcProperty("preparedStatementCacheQueries", "0")
                                .jdbcProperty("ApplicationName", "noetl-lifecycle-operator")
                                .jdbcProperty("connectTimeout", Long.toString(p.acquisitionTimeout().toSeconds()))
                                .jdbcProperty("tcpKeepAlive", "true")));
        return AgroalDataSource.from(cfg);
    }

    private static boolean isFatal(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    @PreDestroy
    synchronized void closeAll() {
        pools.values().forEach(AgroalDataSource::close);
        pools.clear();
        identities.clear();
        users.clear();
        targetOf.clear();
    }
}
