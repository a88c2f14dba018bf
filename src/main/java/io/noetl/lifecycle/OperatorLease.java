package io.noetl.lifecycle;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Leader election through a Lease in the operator's namespace, so replicas never act at once: only the leader
 * starts its controllers (and with them the maintenance schedule); the others wait to take over. Active in the
 * prod profile (quarkus.operator-sdk.activate-leader-election-for-profiles).
 */
@ApplicationScoped
public class OperatorLease {

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(
            @ConfigProperty(name = "lifecycle.leader-election.lease-name", defaultValue = "noetl-lifecycle-operator")
            String leaseName) {
        return new LeaderElectionConfiguration(leaseName);
    }
}
