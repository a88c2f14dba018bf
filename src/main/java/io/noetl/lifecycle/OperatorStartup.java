package io.noetl.lifecycle;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

/**
 * Starts the operator at boot and stops it at shutdown. The extension does not do it once the application has its
 * own {@code @QuarkusMain} ({@link LifecycleMain}); a command ({@code plan}, {@code apply}) sets
 * {@code lifecycle.operator.start=false} so it runs without a cluster.
 *
 * <p>Shutdown (SIGTERM in a pod): stop the controllers (in-flight reconciles get
 * {@code quarkus.operator-sdk.termination-timeout-seconds} to finish), then release the Lease so a standby takes
 * over at once ({@link OperatorLease}).
 */
@ApplicationScoped
public class OperatorStartup {
    private static final Logger LOG = Logger.getLogger(OperatorStartup.class);

    private final Instance<Operator> operator;
    private final Instance<KubernetesClient> client;
    private final OperatorLease lease;
    private final boolean start;
    private volatile boolean started;

    public OperatorStartup(Instance<Operator> operator, Instance<KubernetesClient> client, OperatorLease lease,
            Settings settings) {
        this.operator = operator;
        this.client = client;
        this.lease = lease;
        this.start = settings.start();
    }

    /** {@code lifecycle.operator.start}: false for the commands, and for tests that exercise the endpoints alone. */
    @ConfigMapping(prefix = "lifecycle.operator")
    public interface Settings {
        @WithDefault("true")
        boolean start();
    }

    void onStart(@Observes StartupEvent event) {
        if (!start) {
            LOG.debug("lifecycle.operator.start is false: the operator does not start");
            return;
        }
        operator.get().start();
        started = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        if (!started) {
            return;
        }
        lease.stopping();
        boolean wasLeading = lease.leading();
        operator.get().stop();
        if (wasLeading) {
            lease.release(client.get());
        }
    }
}
