package io.noetl.lifecycle.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** As LifecycleMain arranges for a command: no operator (and so no cluster), no scheduler. */
public class WithoutOperatorProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("lifecycle.operator.start", "false", "quarkus.scheduler.enabled", "false");
    }
}
