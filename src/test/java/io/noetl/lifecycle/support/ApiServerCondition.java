package io.noetl.lifecycle.support;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a class that needs a real API server when none can be had here, never silently: the reason (and how to
 * enable the tests) is the skip message Surefire reports, and it is printed once on stderr. Evaluated before Quarkus
 * starts the class's test resources, so a skipped class starts nothing.
 *
 * <p>After each such class it reads the server's audit log and fails the class if any request of a service account
 * (every operator the suite runs is one, bound only to {@code deploy/role.yaml}) was refused with 403 so far. The log
 * is shared by the whole test JVM, so the last class to finish has checked every request the suite made.
 */
public final class ApiServerCondition implements ExecutionCondition, AfterAllCallback {
    /** Set once the skip has been announced in this JVM (a system property: Quarkus loads this class more than once). */
    private static final String ANNOUNCED = "noetl.test.apiserver.skip-announced";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        ApiServer.Availability a = ApiServer.availability();
        if (a.available()) {
            return ConditionEvaluationResult.enabled(a.why());
        }
        String message = "SKIPPED: tests that need a real Kubernetes API server do not run: " + a.why();
        synchronized (System.getProperties()) {
            if (System.getProperty(ANNOUNCED) == null) {
                System.setProperty(ANNOUNCED, "true");
                System.err.println("[api-server] " + message);
            }
        }
        return ConditionEvaluationResult.disabled(message);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!ApiServer.availability().available()) {
            return;
        }
        List<ApiServer.AuditedRequest> forbidden = ApiServer.get().forbidden();
        if (!forbidden.isEmpty()) {
            throw new AssertionError(forbidden.size() + " requests of the operator were forbidden by its Role, e.g. "
                    + forbidden.stream().limit(5).map(r -> r.user() + " " + r.verb() + " " + r.target() + " "
                            + r.uri()).toList());
        }
    }
}
