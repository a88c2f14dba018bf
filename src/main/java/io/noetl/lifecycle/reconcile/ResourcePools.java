package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.Lease;
import io.noetl.lifecycle.postgres.ServerBudget;
import java.sql.SQLException;

/** The connection budget as the reconcilers use it: each resource leases under its own name. */
public final class ResourcePools {
    private ResourcePools() {
    }

    /**
     * Waits the resource's turn for {@code connections} connections of {@code target} (the most its pass uses at
     * once) and leases them; the pass closes the lease when it ends.
     */
    public static Lease lease(DatabasePools pools, HasMetadata resource, DatabaseTarget target, int connections,
            ServerBudget.WaitListener listener) throws ReconcileException {
        try {
            return pools.lease(owner(resource), target, connections, resource.getKind(), listener);
        } catch (ServerBudget.Exhausted e) {
            throw new ReconcileException(Reason.CONNECTION_BUDGET_EXHAUSTED, e.getMessage());
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
