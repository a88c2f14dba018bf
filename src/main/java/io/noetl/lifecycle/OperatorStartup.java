package io.noetl.lifecycle;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.jboss.logging.Logger;

/**
 * Starts the operator at boot and stops it at shutdown. The extension does not do it once the application has its
 * own {@code @QuarkusMain} ({@link LifecycleMain}); a command ({@code plan}, {@code apply}) sets
 * {@code lifecycle.operator.start=false} so it runs without a cluster.
 */
@ApplicationScoped
public class OperatorStartup {
    private static final Logger LOG = Logger.getLogger(OperatorStartup.class);

    private final Instance<Operator> operator;
    private final boolean start;
    private volatile boolean started;

    public OperatorStartup(Instance<Operator> operator, Settings settings) {
        this.operator = operator;
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
        if (started) {
            operator.get().stop();
        }
    }
}
