package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import java.sql.SQLException;
import javax.sql.DataSource;

/** The shared pools as the reconcilers use them: each resource holds its target's pool under its own name. */
public final class ResourcePools {
    private ResourcePools() {
    }

    /** The pool of {@code target}, held for {@code resource} until {@link #release}. */
    public static DataSource acquire(DatabasePools pools, HasMetadata resource, DatabaseTarget target)
            throws ReconcileException {
        try {
            return pools.acquire(owner(resource), target);
        } catch (SQLException e) {
            throw new ReconcileException(Reason.DATABASE_UNREACHABLE, target.redact(e.getMessage()));
        }
    }

    public static void release(DatabasePools pools, HasMetadata resource) {
        pools.release(owner(resource));
    }

    private static String owner(HasMetadata resource) {
        return resource.getClass().getSimpleName() + "/" + resource.getMetadata().getNamespace() + "/"
                + resource.getMetadata().getName();
    }
}
