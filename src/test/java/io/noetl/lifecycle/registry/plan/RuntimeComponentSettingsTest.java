package io.noetl.lifecycle.registry.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.noetl.lifecycle.api.ComponentType;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.Precedence;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RuntimeComponentSettingsTest {

    private static RuntimeComponentSpec spec(Consumer<RuntimeComponentSpec> customize) {
        RuntimeComponentSpec s = new RuntimeComponentSpec();
        s.setComponentType("worker_pool");
        customize.accept(s);
        return s;
    }

    private static String invalid(Consumer<RuntimeComponentSpec> customize) {
        return assertThrows(InvalidSpecException.class,
                () -> RuntimeComponentSettings.from(spec(customize), "worker-1")).getMessage();
    }

    @Test
    void defaultsTheNameToMetadataNameAndRendersJsonStably() throws Exception {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("zone", "b");
        labels.put("pool", "cpu");
        RuntimeComponentSettings s = RuntimeComponentSettings.from(spec(x -> {
            x.setLabels(labels);
            x.setCapacity(0);
            x.setBaseUrl("http://worker-1.noetl.svc:8080/api");
            try {
                x.setRuntime(new ObjectMapper().readTree("{\"type\":\"python\",\"version\":\"3.12\"}"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), "worker-1");
        RuntimeDeclaration d = s.declaration();
        assertEquals(ComponentType.WORKER_POOL, d.type());
        assertEquals("worker-1", d.name());
        assertEquals("worker_pool/worker-1", d.key());
        assertEquals("{\"pool\":\"cpu\",\"zone\":\"b\"}", d.labelsJson());
        assertEquals("{\"type\":\"python\",\"version\":\"3.12\"}", d.runtimeJson());
        assertNull(d.capabilitiesJson());
        assertEquals(0, d.capacity());
        assertEquals(Duration.ofSeconds(60), s.heartbeatTimeout());
        assertNull(s.markOfflineAfter());
        assertEquals(DeletionPolicy.MarkOffline, s.deletionPolicy());
    }

    @Test
    void emptyLabelsAreNotDeclared() throws Exception {
        assertNull(RuntimeComponentSettings.from(spec(x -> x.setLabels(Map.of())), "w").declaration().labelsJson());
    }

    @Test
    void rejectsAnUnknownOrMissingComponentType() {
        assertTrue(invalid(x -> x.setComponentType("worker")).startsWith(
                "spec.componentType: 'worker' is not one of worker_pool, server_api, broker"));
        assertTrue(invalid(x -> x.setComponentType(null)).startsWith("spec.componentType: is required"));
    }

    @Test
    void rejectsNamesWithOtherCharactersOrTooLong() {
        assertTrue(invalid(x -> x.setName("has space")).startsWith("spec.name: 'has space'"));
        assertTrue(invalid(x -> x.setName("-leading")).startsWith("spec.name:"));
        assertTrue(invalid(x -> x.setName("a".repeat(129))).startsWith("spec.name:"));
        invalid(x -> x.setName("drop;table"));
    }

    @Test
    void acceptsTheLongestName() throws Exception {
        assertEquals(128, RuntimeComponentSettings.from(spec(x -> x.setName("a".repeat(128))), "w").declaration()
                .name().length());
    }

    @Test
    void rejectsNegativeCapacityAndUrlsThatAreNotHttpWithAHost() {
        assertTrue(invalid(x -> x.setCapacity(-1)).startsWith("spec.capacity: -1 is negative"));
        for (String bad : new String[] {"ftp://host", "http://", "http:///path", "localhost:8080", "http://a b",
            "http://user:secret@host/", "http://bad_host!/"}) {
            assertTrue(invalid(x -> x.setBaseUrl(bad)).startsWith("spec.baseUrl:"), bad);
        }
        assertTrue(invalid(x -> x.setBaseUrl("http://h/" + "a".repeat(2048))).contains("at most 2048"));
    }

    @Test
    void markOfflineAfterMustNotBeShorterThanTheHeartbeatTimeout() throws Exception {
        assertTrue(invalid(x -> {
            x.setHeartbeatTimeout("2m");
            x.setMarkOfflineAfter("90s");
        }).startsWith("spec.markOfflineAfter: 90s is shorter than heartbeatTimeout 2m"));
        assertTrue(invalid(x -> x.setHeartbeatTimeout("0s")).startsWith("spec.heartbeatTimeout:"));
        assertEquals(Duration.ofMinutes(10), RuntimeComponentSettings.from(spec(x -> x.setMarkOfflineAfter("10m")),
                "w").markOfflineAfter());
    }

    /** Issue 28: the component's own values stand unless the spec says otherwise; a lease-shaped runtime is refused. */
    @Test
    void precedenceDefaultsToTheComponentAndTheLeaseRuntimeTypeIsRefused() throws Exception {
        RuntimeDeclaration d = RuntimeComponentSettings.from(spec(x -> { }), "w").declaration();
        assertEquals(Precedence.Component, d.precedence());
        assertFalse(d.overwrites(RegistryMapping.Role.URL));
        assertTrue(d.overwrites(RegistryMapping.Role.CAPABILITIES), "NoETL's registration never reports it");
        RuntimeDeclaration git = RuntimeComponentSettings.from(spec(x -> x.setPrecedence(Precedence.Declaration)),
                "w").declaration();
        assertTrue(git.overwrites(RegistryMapping.Role.URL));
        assertNotEquals(d.toString(), git.toString(), "a changed precedence is a changed declaration");

        for (String type : List.of("server_control", " Server_Control ")) {
            InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> RuntimeComponentSettings.from(
                    spec(x -> x.setRuntime(new ObjectMapper().createObjectNode().put("type", type))), "w"));
            assertEquals(Reason.LEASE_ROW, e.reason());
            assertTrue(e.getMessage().startsWith("spec.runtime.type: 'server_control' marks the rows NoETL's servers"),
                    e.getMessage());
        }
    }
}
