package io.noetl.lifecycle.registry;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.FieldDrift;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.Precedence;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.api.RuntimeComponentStatus;
import io.noetl.lifecycle.reconcile.MaintenanceSchedule;
import io.noetl.lifecycle.registry.postgres.RegistryCatalog;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.MetricShape;
import io.noetl.lifecycle.support.NoetlRuntimeWrites;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 28: a RuntimeComponent beside NoETL's own registration, on NoETL's registry (live-schema.sql) with the
 * operator on the real API server. NoETL's worker registers itself, heartbeats and deregisters with its own
 * statements ({@link NoetlRuntimeWrites}), and its servers keep leases in the same table; a trigger logs every write
 * with the writer's application name, so "the operator wrote nothing after the component" is read from the
 * database, not inferred.
 */
@QuarkusTest
@WithApiServer("rtc-noetl")
class NoetlOwnRegistrationTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WORKER = "worker-cpu-01";
    private static TestDatabase db;

    ApiServerContext kube;
    @Inject
    RegistryCatalog catalog;
    @Inject
    MaintenanceSchedule schedule;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("rtc_noetl");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        TestClockProducer.CLOCK.set(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        try (Connection c = db.connect()) {
            MetricShape.loadLive(c);
        }
        NoetlRuntimeWrites.installWriteLog(db);
        catalog.forgetAll();
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "registry-db", db);
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), RuntimeComponent.class, kube.namespace());
    }

    /** The shipped sample's declaration (config/samples/runtimecomponent.yaml). */
    private RuntimeComponent applySample(Consumer<RuntimeComponentSpec> customize) {
        return apply(WORKER, s -> {
            s.setBaseUrl("http://noetl-worker-cpu-01.noetl.svc:8080");
            s.setLabels(Map.of("pool", "cpu-01"));
            s.setCapabilities(json("{\"http\": true, \"python\": true}"));
            s.setCapacity(8);
            s.setRuntime(json("{\"type\": \"python\", \"version\": \"3.12\"}"));
            s.setHeartbeatTimeout("60s");
            customize.accept(s);
        });
    }

    private RuntimeComponent apply(String name, Consumer<RuntimeComponentSpec> customize) {
        return KubeFixtures.component(kube.admin(), kube.namespace(), name, "registry-db", customize);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private RuntimeComponent awaitStatus(String name, Predicate<LifecycleStatus> check) {
        return KubeFixtures.await(kube.admin(), RuntimeComponent.class, kube.namespace(), name,
                RuntimeComponent::getStatus, check);
    }

    private static Predicate<LifecycleStatus> phase(ComponentPhase phase) {
        return s -> ((RuntimeComponentStatus) s).getPhase() == phase;
    }

    /** The worker, registering itself as NoETL's worker does at start: its pod, its capacity, one more label. */
    private static void workerRegisters() {
        NoetlRuntimeWrites.register(db, "worker_pool", WORKER, "k8s://noetl/noetl-worker-cpu-01-7d9f", "ready",
                "{\"pool\": \"cpu-01\", \"gpu\": \"none\"}", 16,
                "{\"type\": \"python\", \"pid\": 42, \"hostname\": \"noetl-worker-cpu-01-7d9f\"}");
    }

    /** uri, capacity, labels and runtime of the worker's row, as text. */
    private static List<Object> values() {
        return db.query("SELECT uri, capacity, labels::text, runtime::text, status FROM noetl.runtime WHERE kind = "
                + "'worker_pool' AND name = ?", WORKER).get(0);
    }

    private static List<Object> workersValues(String status) {
        return List.of("k8s://noetl/noetl-worker-cpu-01-7d9f", 16, "{\"gpu\": \"none\", \"pool\": \"cpu-01\"}",
                "{\"pid\": 42, \"type\": \"python\", \"hostname\": \"noetl-worker-cpu-01-7d9f\"}", status);
    }

    /**
     * Moves the test clock to the resource's next look and waits until that look has run (the next one is booked):
     * one reconcile interval.
     */
    private Instant nextLook(String name) {
        ResourceID id = new ResourceID(name, kube.namespace());
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> schedule.nextRun(RuntimeComponent.class, id)
                .isPresent());
        Instant due = schedule.nextRun(RuntimeComponent.class, id).orElseThrow();
        if (due.isAfter(TestClockProducer.CLOCK.instant())) {
            TestClockProducer.CLOCK.set(due);
        }
        Instant at = TestClockProducer.CLOCK.instant();
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> schedule.nextRun(RuntimeComponent.class, id)
                .map(t -> t.isAfter(at)).orElse(false));
        return at;
    }

    private List<NoetlRuntimeWrites.Write> operatorWritesAfter(long seq) {
        return NoetlRuntimeWrites.writes(db, "worker_pool", WORKER).stream()
                .filter(w -> w.seq() > seq && w.byOperator()).toList();
    }

    private long lastComponentWrite() {
        return NoetlRuntimeWrites.writes(db, "worker_pool", WORKER).stream().filter(w -> !w.byOperator())
                .mapToLong(NoetlRuntimeWrites.Write::seq).max().orElseThrow();
    }

    /** The Events of the resource now named {@code name} (not of an earlier test's resource of that name). */
    private List<Event> events(String name) {
        RuntimeComponent rc = kube.admin().resources(RuntimeComponent.class).inNamespace(kube.namespace())
                .withName(name).get();
        String uid = rc == null ? null : rc.getMetadata().getUid();
        return kube.admin().v1().events().inNamespace(kube.namespace()).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())
                        && (uid == null || uid.equals(e.getInvolvedObject().getUid()))).toList();
    }

    private List<String> reasons(String name) {
        return events(name).stream().map(Event::getReason).toList();
    }

    private List<Event> events(String name, String reason) {
        return events(name).stream().filter(e -> reason.equals(e.getReason())).toList();
    }

    /**
     * As measured in issue 28: the sample declared, then the worker's own registration with other values. The row
     * keeps the worker's values over three reconcile intervals while the worker heartbeats; the operator writes
     * nothing after the worker; the phase follows the worker's heartbeat and its deregistration.
     */
    @Test
    void theWorkersOwnRegistrationStandsAndTheOperatorNeverWritesAfterIt() {
        applySample(s -> { });
        awaitStatus(WORKER, condition("Ready", "True", "Registered").and(phase(ComponentPhase.Registered)));
        assertEquals(List.of("http://noetl-worker-cpu-01.noetl.svc:8080", 8, "{\"pool\": \"cpu-01\"}",
                "{\"type\": \"python\", \"version\": \"3.12\"}", "offline"), values(),
                "the declaration creates the row");

        TestClockProducer.CLOCK.set(NOW.plusSeconds(5));
        workerRegisters();
        long registered = lastComponentWrite();
        assertEquals(workersValues("ready"), values());

        for (int interval = 1; interval <= 3; interval++) {
            NoetlRuntimeWrites.heartbeat(db, WORKER);
            Instant at = nextLook(WORKER);
            assertEquals(workersValues("ready"), values(), "interval " + interval + " at " + at);
        }
        assertEquals(List.of(), operatorWritesAfter(registered), "the operator wrote after the worker registered");
        RuntimeComponent rc = awaitStatus(WORKER, phase(ComponentPhase.Live)
                .and(condition("Degraded", "True", "DeclarationDiffers")));
        // the status shows the difference, field by field
        assertEquals(List.of(
                new FieldDrift("baseUrl", "uri", "http://noetl-worker-cpu-01.noetl.svc:8080",
                        "k8s://noetl/noetl-worker-cpu-01-7d9f"),
                new FieldDrift("labels", "labels", "{\"pool\": \"cpu-01\"}", "{\"gpu\": \"none\", \"pool\": \"cpu-01\"}"),
                new FieldDrift("capacity", "capacity", "8", "16"),
                new FieldDrift("runtime", "runtime", "{\"type\": \"python\", \"version\": \"3.12\"}",
                        "{\"pid\": 42, \"type\": \"python\", \"hostname\": \"noetl-worker-cpu-01-7d9f\"}")),
                rc.getStatus().getDrift());
        String message = rc.getStatus().condition("Degraded").orElseThrow().getMessage();
        assertTrue(message.contains("capacity 16 (declared 8)") && message.contains("precedence Component"), message);
        assertEquals(String.valueOf(workerRowId()), rc.getStatus().getRuntimeId());
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> events(WORKER, "DeclarationDiffers").size() == 1);
        assertTrue(!reasons(WORKER).contains("RegistrationUpdated"), reasons(WORKER).toString());
        assertTrue(!reasons(WORKER).contains("DeclarationRestored"), reasons(WORKER).toString());

        // the worker shuts down: its deregistration stands, the phase follows it
        NoetlRuntimeWrites.deregister(db, "worker_pool", WORKER);
        nextLook(WORKER);
        awaitStatus(WORKER, phase(ComponentPhase.Offline));
        assertEquals(workersValues("offline"), values());

        // and it comes back with a heartbeat
        TestClockProducer.CLOCK.advance(Duration.ofSeconds(1));
        NoetlRuntimeWrites.heartbeat(db, WORKER);
        nextLook(WORKER);
        awaitStatus(WORKER, phase(ComponentPhase.Live));
        nextLook(WORKER);
        assertEquals(workersValues("ready"), values());
        assertEquals(List.of(), operatorWritesAfter(registered), "the operator wrote after the worker registered");
        assertEquals(1, events(WORKER, "DeclarationDiffers").size(), "the difference did not change: no new Event");
        assertEquals(List.of("INSERT"), NoetlRuntimeWrites.writes(db, "worker_pool", WORKER).stream()
                .filter(NoetlRuntimeWrites.Write::byOperator).map(NoetlRuntimeWrites.Write::op).toList(),
                "the operator's one write: the row it created");

        // the worker restarts on another pod: the difference changes, one Event more, still no write
        TestClockProducer.CLOCK.advance(Duration.ofSeconds(1));
        NoetlRuntimeWrites.register(db, "worker_pool", WORKER, "k8s://noetl/noetl-worker-cpu-01-8c2a", "ready",
                "{\"pool\": \"cpu-01\", \"gpu\": \"none\"}", 16,
                "{\"type\": \"python\", \"pid\": 7, \"hostname\": \"noetl-worker-cpu-01-8c2a\"}");
        long restarted = lastComponentWrite();
        nextLook(WORKER);
        awaitStatus(WORKER, s -> "k8s://noetl/noetl-worker-cpu-01-8c2a".equals(
                ((RuntimeComponentStatus) s).getDrift().get(0).getReported()));
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> events(WORKER, "DeclarationDiffers").size() == 2);
        nextLook(WORKER);
        assertEquals(List.of(), operatorWritesAfter(restarted));
        assertEquals(2, events(WORKER, "DeclarationDiffers").size());
    }

    /**
     * With {@code precedence: Declaration} Git wins: after the worker's registration the declared values are written
     * back once, with one Event, and nothing more happens over the next intervals (the worker only heartbeats).
     */
    @Test
    void withPrecedenceDeclarationTheDeclaredValuesAreRestoredOnceWithOneEvent() {
        applySample(s -> s.setPrecedence(Precedence.Declaration));
        awaitStatus(WORKER, condition("Ready", "True", "Registered").and(phase(ComponentPhase.Registered)));
        TestClockProducer.CLOCK.set(NOW.plusSeconds(5));
        workerRegisters();
        long registered = lastComponentWrite();
        NoetlRuntimeWrites.heartbeat(db, WORKER);
        nextLook(WORKER);
        List<Object> declared = List.of("http://noetl-worker-cpu-01.noetl.svc:8080", 8, "{\"pool\": \"cpu-01\"}",
                "{\"type\": \"python\", \"version\": \"3.12\"}", "ready");
        assertEquals(declared, values(), "the declared values, restored; the worker's status kept");
        RuntimeComponent rc = awaitStatus(WORKER, phase(ComponentPhase.Live)
                .and(condition("Degraded", "False", "AsExpected")));
        assertNull(rc.getStatus().getDrift());
        for (int interval = 1; interval <= 3; interval++) {
            NoetlRuntimeWrites.heartbeat(db, WORKER);
            nextLook(WORKER);
        }
        assertEquals(declared, values());
        List<NoetlRuntimeWrites.Write> restores = operatorWritesAfter(registered);
        assertEquals(1, restores.size(), "restored once: " + restores);
        assertEquals("UPDATE", restores.get(0).op());
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> events(WORKER, "DeclarationRestored").size() == 1);
        String message = events(WORKER, "DeclarationRestored").get(0).getMessage();
        assertTrue(message.contains("capacity 8 (was 16)") && message.contains("k8s://noetl/noetl-worker-cpu-01-7d9f"),
                message);
        assertEquals(List.of(), events(WORKER, "DeclarationDiffers"), "the difference never stood");
        assertTrue(!reasons(WORKER).contains("RegistrationUpdated"), reasons(WORKER).toString());
        awaitStatus(WORKER, phase(ComponentPhase.Live));
        assertEquals(1, operatorWritesAfter(registered).size());
        assertEquals(1, events(WORKER, "DeclarationRestored").size());
    }

    /** NoETL's own lease rows (named {@code <logical>:<task>}) beside a declared server: never written. */
    @Test
    void noetlsLeaseRowsBesideADeclaredServerAreNeverWritten() {
        TestClockProducer.CLOCK.set(NOW.plusSeconds(1));
        assertTrue(NoetlRuntimeWrites.lease(db, "noetl-server:partition_maintenance", "noetl-server-0",
                "http://noetl:8082", 30));
        apply("noetl-server", s -> {
            s.setComponentType("server_api");
            s.setBaseUrl("http://noetl-server.noetl.svc:8082");
            s.setDeletionPolicy(DeletionPolicy.Delete);
        });
        awaitStatus("noetl-server", condition("Ready", "True", "Registered"));
        NoetlRuntimeWrites.register(db, "server_api", "noetl-server", "http://noetl-server-0:8082", "ready", null,
                null, "{\"type\": \"server\", \"pid\": 1}");
        nextLook("noetl-server");
        nextLook("noetl-server");
        kube.admin().resource(kube.admin().resources(RuntimeComponent.class).inNamespace(kube.namespace())
                .withName("noetl-server").get()).delete();
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> kube.admin().resources(RuntimeComponent.class)
                .inNamespace(kube.namespace()).withName("noetl-server").get() == null);
        assertTrue(NoetlRuntimeWrites.writes(db, "server_api", "noetl-server:partition_maintenance").stream()
                .noneMatch(NoetlRuntimeWrites.Write::byOperator));
        // a colon is no registry name a RuntimeComponent can declare
        KubernetesClientException refused = assertThrows(KubernetesClientException.class, () -> apply("colon",
                s -> {
                    s.setComponentType("server_api");
                    s.setName("noetl-server:partition_maintenance");
                }));
        assertEquals(422, refused.getCode());
    }

    /** A spec whose runtime type is NoETL's lease mark would create a lease-shaped row: refused, nothing written. */
    @Test
    void aSpecWithTheLeaseRuntimeTypeIsRefused() {
        apply("lease-shaped", s -> {
            s.setComponentType("server_api");
            s.setRuntime(json("{\"type\": \"server_control\", \"owner_instance\": \"me\"}"));
        });
        RuntimeComponent rc = awaitStatus("lease-shaped", condition("Ready", "False", "LeaseRow"));
        assertTrue(rc.getStatus().condition("Ready").orElseThrow().getMessage().startsWith("spec.runtime.type:"),
                rc.getStatus().condition("Ready").orElseThrow().getMessage());
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.runtime"));
    }

    private static long workerRowId() {
        return db.queryLong("SELECT runtime_id FROM noetl.runtime WHERE kind = 'worker_pool' AND name = ?", WORKER);
    }

    /**
     * A lease row of NoETL's shape ({@code server_api}, {@code runtime.type = server_control}) under a key a
     * declaration names: refused with LeaseRow, never written, not even by the deletion's MarkOffline.
     */
    @Test
    void aDeclarationNamingALeaseRowIsRefusedAndTheRowNeverWritten() {
        TestClockProducer.CLOCK.set(NOW.plusSeconds(1));
        assertTrue(NoetlRuntimeWrites.lease(db, "partition-maintenance", "noetl-server-0", "http://noetl:8082", 30));
        apply("lease", s -> {
            s.setComponentType("server_api");
            s.setName("partition-maintenance");
            s.setBaseUrl("http://elsewhere:8082");
            s.setCapacity(1);
        });
        RuntimeComponent rc = awaitStatus("lease", condition("Ready", "False", "LeaseRow"));
        String message = rc.getStatus().condition("Ready").orElseThrow().getMessage();
        assertTrue(message.contains("server_api/partition-maintenance") && message.contains("server_control"),
                message);
        nextLook("lease");
        kube.admin().resource(rc).delete();
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> kube.admin().resources(RuntimeComponent.class)
                .inNamespace(kube.namespace()).withName("lease").get() == null);
        List<NoetlRuntimeWrites.Write> writes = NoetlRuntimeWrites.writes(db, "server_api", "partition-maintenance");
        assertEquals(1, writes.size(), writes.toString());
        assertTrue(writes.stream().noneMatch(NoetlRuntimeWrites.Write::byOperator), writes.toString());
        // the lease still works for its owner and for a server taking it over after it expires
        assertTrue(NoetlRuntimeWrites.lease(db, "partition-maintenance", "noetl-server-0", "http://noetl:8082", 30));
        assertEquals("noetl-server-0", db.queryStrings("SELECT runtime->>'owner_instance' FROM noetl.runtime WHERE "
                + "name = 'partition-maintenance'").get(0));
    }
}
