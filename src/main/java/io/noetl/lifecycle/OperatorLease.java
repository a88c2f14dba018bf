package io.noetl.lifecycle;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.runtime.Quarkus;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Leader election through a Lease in the operator's namespace, so replicas never act at once: only the leader starts
 * its controllers (and with them the maintenance schedule); the others wait to take over. Active in the prod profile
 * (quarkus.operator-sdk.activate-leader-election-for-profiles).
 *
 * <p>Two things differ from the framework's defaults, both for a shutdown that ends:
 * <ul>
 * <li>The framework exits the JVM ({@code System.exit}) when leadership ends. At shutdown that call comes from
 * inside the shutdown itself and deadlocks with the signal handler that started it, so SIGTERM never ends the
 * process. Here leadership ending during shutdown does nothing, and leadership lost while running asks Quarkus to
 * exit asynchronously (the pod restarts and stands by), which cannot deadlock.</li>
 * <li>At shutdown, once the controllers have stopped, the leader clears the Lease's holder ({@link #release}), so a
 * standby takes over at its next retry instead of waiting out the lease duration.</li>
 * </ul>
 */
@ApplicationScoped
public class OperatorLease {
    private static final Logger LOG = Logger.getLogger(OperatorLease.class);

    private final Settings settings;
    private final String identity;
    private volatile boolean leading;
    private volatile boolean stopping;

    /** {@code lifecycle.leader-election.*}: the Lease and its timings (client-go's defaults are 15 s, 10 s, 2 s). */
    @ConfigMapping(prefix = "lifecycle.leader-election")
    public interface Settings {
        @WithDefault("noetl-lifecycle-operator")
        String leaseName();

        /** How long a leader's claim lasts without renewal: the longest a standby waits after a crash. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it gives leadership up. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often a standby tries to acquire, and the leader to renew. */
        @WithDefault("2s")
        Duration retryPeriod();

        /** This replica's identity in the Lease; default the host name (the pod's name) and a random suffix. */
        Optional<String> identity();
    }

    public OperatorLease(Settings settings) {
        this.settings = settings;
        String host = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank()).orElse("operator");
        this.identity = settings.identity().orElse(host + "_" + UUID.randomUUID().toString().substring(0, 8));
    }

    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection() {
        LeaderCallbacks callbacks = new LeaderCallbacks(this::startedLeading, this::stoppedLeading,
                leader -> LOG.debugf("the leader is %s", leader));
        // lease namespace: the operator's own (the client's namespace)
        return new LeaderElectionConfiguration(settings.leaseName(), null, settings.leaseDuration(),
                settings.renewDeadline(), settings.retryPeriod(), identity, callbacks, false);
    }

    private void startedLeading() {
        leading = true;
        LOG.infof("%s leads (Lease %s)", identity, settings.leaseName());
    }

    private void stoppedLeading() {
        leading = false;
        if (stopping) {
            return;
        }
        LOG.errorf("%s lost the Lease %s while running: exiting so that it restarts as a standby", identity,
                settings.leaseName());
        Quarkus.asyncExit(1);
    }

    public String leaseName() {
        return settings.leaseName();
    }

    public String identity() {
        return identity;
    }

    /** Called first at shutdown: leadership ending from here on is expected. */
    void stopping() {
        stopping = true;
    }

    /**
     * Clears the Lease's holder if this replica holds it, after the controllers have stopped. A failure is only
     * logged: the standby then takes over when the lease expires.
     */
    void release(KubernetesClient client) {
        String namespace = client.getNamespace();
        if (namespace == null) {
            return;
        }
        // a renewal still in flight may change the Lease under us (409): read it again and retry
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                Lease lease = client.resources(Lease.class).inNamespace(namespace).withName(settings.leaseName())
                        .get();
                if (lease == null || lease.getSpec() == null
                        || !identity.equals(lease.getSpec().getHolderIdentity())) {
                    return;
                }
                client.resource(new LeaseBuilder(lease).editSpec().withHolderIdentity(null).endSpec().build())
                        .patch();
                LOG.infof("%s released the Lease %s", identity, settings.leaseName());
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    LOG.warnf("could not release the Lease %s (a standby takes over when it expires): %s",
                            settings.leaseName(), e.getMessage());
                    return;
                }
            }
        }
    }

    /** Whether this replica holds the Lease now. */
    public boolean leading() {
        return leading;
    }
}
