package io.noetl.lifecycle.cli;

import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.OperatorStartup;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * One jar, two modes. {@code plan ...} and {@code apply ... --once} run a command without a cluster and exit
 * with its status; anything else runs the operator ({@link OperatorStartup} starts it) until the process is
 * told to stop.
 */
@QuarkusMain
public class LifecycleMain implements QuarkusApplication {

    @Inject
    TargetResolver targets;

    @Inject
    OperatorConfig config;

    @Inject
    Clock clock;

    /** What a command changes in the configuration: it serves nothing and keeps stdout for its output. */
    private static final Map<String, String> COMMAND_SETTINGS = Map.of(
            "lifecycle.operator.start", "false",
            "quarkus.http.host-enabled", "false",
            "quarkus.scheduler.enabled", "false",
            "quarkus.log.console.stderr", "true",
            "quarkus.log.level", "WARN",
            "quarkus.log.category.\"io.noetl.lifecycle\".level", "WARN");

    public static void main(String... args) {
        boolean command = Invocation.isCommand(args);
        if (command) {
            COMMAND_SETTINGS.forEach(System::setProperty);
        }
        try {
            Quarkus.run(LifecycleMain.class, args);
        } finally {
            // reached only where exiting is intercepted (in-process tests): leave the JVM as it was
            if (command) {
                COMMAND_SETTINGS.keySet().forEach(System::clearProperty);
            }
        }
    }

    @Override
    public int run(String... args) {
        if (Invocation.isCommand(args)) {
            return new MaintenanceCommand(targets, DatabaseConnections.postgres(), LockPolicy.from(config.ddl()),
                    config.clock().maxSkew(),
                    clock, System.out, System.err).run(List.of(args));
        }
        Quarkus.waitForExit();
        return 0;
    }
}
