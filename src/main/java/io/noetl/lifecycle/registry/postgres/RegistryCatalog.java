package io.noetl.lifecycle.registry.postgres;

import io.noetl.lifecycle.RuntimeRegistryConfig;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.registry.plan.RegistryShape;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The registry's shape per database target, remembered for {@code lifecycle.runtime.catalog-ttl}. Only one
 * reconcile per target reads it at a time; the others wait for that answer instead of asking too, so a burst of
 * thousands of registrations costs one introspection per target.
 */
@ApplicationScoped
public class RegistryCatalog {
    /** SQLSTATEs that mean the table is not what the remembered shape says; the next look reads it again. */
    private static final Set<String> SHAPE_CHANGED = Set.of("42703", "42P01", "42P10", "42804", "23502", "42883",
            "3F000");

    private static final class Entry {
        private volatile RegistryShape shape;
        private volatile long readAt;
    }

    private final Duration ttl;
    private final Map<DatabaseTarget, Entry> entries = new ConcurrentHashMap<>();

    @Inject
    public RegistryCatalog(RuntimeRegistryConfig config) {
        this(config.catalogTtl());
    }

    public RegistryCatalog(Duration ttl) {
        this.ttl = ttl;
    }

    public RegistryShape shape(DataSource dataSource, DatabaseTarget target) throws SQLException {
        Entry entry = entries.computeIfAbsent(target, t -> new Entry());
        RegistryShape shape = fresh(entry);
        if (shape != null) {
            return shape;
        }
        synchronized (entry) {
            shape = fresh(entry);
            if (shape == null) {
                try (Connection c = dataSource.getConnection()) {
                    shape = remember(entry, RuntimeRegistry.inspect(c));
                }
            }
            return shape;
        }
    }

    /**
     * Creates the registry unless it exists (looking again first) and remembers its new shape. Returns whether
     * this call created it.
     */
    public boolean bootstrap(DataSource dataSource, DatabaseTarget target, LockPolicy policy) throws SQLException {
        Entry entry = entries.computeIfAbsent(target, t -> new Entry());
        synchronized (entry) {
            try (Connection c = dataSource.getConnection()) {
                RegistryShape shape = RuntimeRegistry.inspect(c);
                boolean created = false;
                if (!shape.exists()) {
                    RuntimeRegistry.bootstrap(c, policy);
                    shape = RuntimeRegistry.inspect(c);
                    created = true;
                }
                remember(entry, shape);
                return created;
            }
        }
    }

    /** Forgets the shape when a statement failed in a way that says the table changed. */
    public void failed(DatabaseTarget target, SQLException e) {
        if (e.getSQLState() != null && SHAPE_CHANGED.contains(e.getSQLState())) {
            forget(target);
        }
    }

    public void forget(DatabaseTarget target) {
        entries.remove(target);
    }

    /** Forgets every shape, so the next look at each database reads it again. */
    public void forgetAll() {
        entries.clear();
    }

    private RegistryShape fresh(Entry entry) {
        RegistryShape shape = entry.shape;
        return shape != null && System.nanoTime() - entry.readAt < ttl.toNanos() ? shape : null;
    }

    private static RegistryShape remember(Entry entry, RegistryShape shape) {
        entry.shape = shape;
        entry.readAt = System.nanoTime();
        return shape;
    }
}
