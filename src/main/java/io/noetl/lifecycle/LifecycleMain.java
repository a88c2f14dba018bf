package io.noetl.lifecycle;

import io.javaoperatorsdk.operator.Operator;
import io.noetl.lifecycle.cli.DatabaseConnections;
import io.noetl.lifecycle.cli.Invocation;
import io.noetl.lifecycle.cli.MaintenanceCommand;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * One jar, two modes. {@code plan ...} and {@code apply ... --once} run a command without a cluster and exit
 * with its status; anything else runs the operator. The operator is started here rather than at boot
 * ({@code quarkus.operator-sdk.start-operator=false}, a build-time setting) so a command never starts it.
 */
@QuarkusMain
public class LifecycleMain implements QuarkusApplication {

    /** Looked up only in operator mode: making it needs a cluster, which a command does without. */
    @Inject
    Instance<Operator> operator;

    @Inject
    TargetResolver targets;

    @Inject
    OperatorConfig config;

    @Inject
    Clock clock;

    public static void main(String... args) {
        if (Invocation.isCommand(args)) {
            // a command serves nothing and keeps stdout for its output (-o json must stay parseable)
            System.setProperty("quarkus.http.host-enabled", "false");
            System.setProperty("quarkus.scheduler.enabled", "false");
            System.setProperty("quarkus.log.console.stderr", "true");
            System.setProperty("quarkus.log.level", "WARN");
            System.setProperty("quarkus.log.category.\"io.noetl.lifecycle\".level", "WARN");
        }
        Quarkus.run(LifecycleMain.class, args);
    }

    @Override
    public int run(String... args) {
        if (Invocation.isCommand(args)) {
            return new MaintenanceCommand(targets, DatabaseConnections.postgres(), LockPolicy.from(config.ddl()),
                    clock, System.out, System.err).run(List.of(args));
        }
        boolean startedAtBoot = ConfigProvider.getConfig()
                .getOptionalValue("quarkus.operator-sdk.start-operator", Boolean.class).orElse(true);
        if (!startedAtBoot) {
            operator.get().start();
        }
        Quarkus.waitForExit();
        if (!startedAtBoot) {
            operator.get().stop();
        }
        return 0;
    }
}
