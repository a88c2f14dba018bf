package io.noetl.lifecycle.http;

import io.javaoperatorsdk.operator.Operator;
import io.noetl.lifecycle.OperatorLease;
import io.noetl.lifecycle.OperatorStartup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Whether this replica may serve the maintenance endpoints: every replica receives calls (the Service balances over
 * them), but only the one holding the Lease acts, as only it reconciles. Without leader election (dev mode), or in a
 * process that does not start the operator (the commands; tests of the endpoints alone), it always may.
 */
@ApplicationScoped
public class Leadership {
    private final Operator operator;
    private final OperatorLease lease;
    private final boolean started;

    public Leadership(Operator operator, OperatorLease lease, OperatorStartup.Settings startup) {
        this.operator = operator;
        this.lease = lease;
        this.started = startup.start();
    }

    /** Why this replica does not serve now; empty when it does. */
    public Optional<String> standby() {
        if (!started || operator.getConfigurationService().getLeaderElectionConfiguration().isEmpty()
                || lease.leading()) {
            return Optional.empty();
        }
        return Optional.of("this replica does not hold the Lease " + lease.leaseName() + " and stands by: only the "
                + "leader runs maintenance; retry (the Service routes calls to every replica)");
    }
}
