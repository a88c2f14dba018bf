package io.noetl.lifecycle.registry;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.ConditionStatus;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.FieldDrift;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.Precedence;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.api.RuntimeComponentStatus;
import io.noetl.lifecycle.reconcile.MaintenanceSchedule;
import io.noetl.lifecycle.registry.plan.ClaimOrder;
import io.noetl.lifecycle.registry.postgres.RegistryCatalog;
import io.noetl.lifecycle.report.ResourceEvents;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The RuntimeComponent reconciler against a real kube-apiserver and a real PostgreSQL. */
@QuarkusTest
@WithApiServer("rtc")
class RuntimeComponentReconcilerTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase db;

    ApiServerContext kube;
    @Inject
    RegistryCatalog catalog;
    @Inject
    MaintenanceSchedule schedule;
    @Inject
    RuntimeComponentReconciler reconciler;

    /** The two registry layouts NoETL versions use. */
    enum Naming {
        SEED("component_type", "base_url", "last_heartbeat", "CREATE TABLE noetl.runtime (runtime_id BIGINT PRIMARY KEY, "
                + "name TEXT NOT NULL, component_type TEXT NOT NULL, base_url TEXT, status TEXT NOT NULL, "
                + "labels JSONB, capabilities JSONB, capacity INTEGER, runtime JSONB, last_heartbeat TIMESTAMPTZ, "
                + "created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, UNIQUE (component_type, name))"),
        OTHER("kind", "uri", "heartbeat", "CREATE TABLE noetl.runtime (runtime_id bigint PRIMARY KEY, "
                + "name varchar(128) NOT NULL, kind varchar(32) NOT NULL, uri text, status text NOT NULL, "
                + "labels json, capabilities jsonb, capacity numeric, runtime jsonb, heartbeat timestamp, "
                + "registered_at timestamptz NOT NULL DEFAULT now())",
                "CREATE UNIQUE INDEX runtime_kind_name ON noetl.runtime (kind, name)");

        final String type;
        final String url;
        final String heartbeat;
        final String[] ddl;

        Naming(String type, String url, String heartbeat, String... ddl) {
            this.type = type;
            this.url = url;
            this.heartbeat = heartbeat;
            this.ddl = ddl;
        }
    }

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("rtc_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void setUp() {
        TestClockProducer.CLOCK.set(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
        catalog.forgetAll();
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "registry-db", db);
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), RuntimeComponent.class, kube.namespace());
    }

    private void createRegistry(Naming naming) {
        db.execute("CREATE SCHEMA noetl");
        db.execute(naming.ddl);
        // a small metric table, to see the cascade of Delete
        db.execute("CREATE TABLE noetl.metric (runtime_id bigint NOT NULL REFERENCES noetl.runtime (runtime_id) "
                + "ON DELETE CASCADE, metric_name text NOT NULL)");
    }

    private RuntimeComponent apply(String name, Consumer<RuntimeComponentSpec> customize) {
        return KubeFixtures.component(kube.admin(), kube.namespace(), name, "registry-db", customize);
    }

    private RuntimeComponent get(String name) {
        return kube.admin().resources(RuntimeComponent.class).inNamespace(kube.namespace()).withName(name).get();
    }

    private RuntimeComponent awaitStatus(String name, Predicate<LifecycleStatus> check) {
        return KubeFixtures.await(kube.admin(), RuntimeComponent.class, kube.namespace(), name, RuntimeComponent::getStatus, check);
    }

    private static Predicate<LifecycleStatus> phase(ComponentPhase phase) {
        return s -> ((RuntimeComponentStatus) s).getPhase() == phase;
    }

    private static Predicate<LifecycleStatus> registeredIn(ComponentPhase phase) {
        return condition("Ready", "True", "Registered").and(phase(phase));
    }

    /** A heartbeat as a worker sends it: its own time, its own status. */
    private void heartbeat(Naming naming, long runtimeId, Instant at, String status) {
        db.query("UPDATE noetl.runtime SET " + naming.heartbeat + " = ?, status = ? WHERE runtime_id = ? RETURNING 1",
                OffsetDateTime.ofInstant(at, ZoneOffset.UTC), status, runtimeId);
    }

    private List<Object> row(Naming naming, String name) {
        List<List<Object>> rows = db.query("SELECT runtime_id, " + naming.type + ", " + naming.url + ", status, "
                + naming.heartbeat + "::timestamptz, labels::text, capacity::int, runtime::text FROM noetl.runtime "
                + "WHERE name = ?", name);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static Instant instant(Object timestamp) {
        return timestamp == null ? null : ((Timestamp) timestamp).toInstant();
    }

    private static long id(RuntimeComponent rc) {
        return Long.parseLong(rc.getStatus().getRuntimeId());
    }

    @ParameterizedTest
    @EnumSource(Naming.class)
    void registersFollowsHeartbeatsAndKeepsThemWhenTheSpecChanges(Naming naming) throws Exception {
        createRegistry(naming);
        apply("worker-1", s -> {
            s.setBaseUrl("http://worker-1.noetl:8080");
            s.setLabels(Map.of("pool", "cpu"));
            s.setCapacity(4);
            try {
                s.setRuntime(JSON.readTree("{\"type\":\"python\",\"version\":\"3.12\"}"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        RuntimeComponent rc = awaitStatus("worker-1", registeredIn(ComponentPhase.Registered));
        List<Object> row = row(naming, "worker-1");
        long id = ((Number) row.get(0)).longValue();
        assertEquals(id, id(rc));
        assertEquals("worker_pool", row.get(1));
        assertEquals("http://worker-1.noetl:8080", row.get(2));
        assertEquals("offline", row.get(3), "a new row is offline until the component's first heartbeat");
        assertNull(row.get(4));
        assertEquals("cpu", JSON.readTree((String) row.get(5)).get("pool").asText());
        assertEquals(4, row.get(6));
        assertEquals("3.12", JSON.readTree((String) row.get(7)).get("version").asText());
        assertTrue(rc.getStatus().getRegistered());
        assertNull(rc.getStatus().getLastHeartbeat());
        assertTrue(rc.getMetadata().getFinalizers().stream().anyMatch(f -> f.contains("lifecycle.noetl.io")),
                rc.getMetadata().getFinalizers().toString());

        // the worker heartbeats; the operator looks again within heartbeatTimeout / 2
        Instant beat = NOW.plusSeconds(20);
        heartbeat(naming, id, beat, "ready");
        TestClockProducer.CLOCK.set(NOW.plusSeconds(30));
        rc = awaitStatus("worker-1", registeredIn(ComponentPhase.Live));
        assertEquals(beat.toString(), rc.getStatus().getLastHeartbeat());
        assertEquals("10s", rc.getStatus().getHeartbeatAge());
        assertEquals(ConditionStatus.False, rc.getStatus().condition("Degraded").orElseThrow().getStatus());

        // no heartbeat for longer than heartbeatTimeout (60s)
        TestClockProducer.CLOCK.set(beat.plusSeconds(61));
        rc = awaitStatus("worker-1", phase(ComponentPhase.Stale).and(condition("Degraded", "True",
                "HeartbeatStale")));
        assertEquals("Registered", rc.getStatus().condition("Ready").orElseThrow().getReason());
        assertEquals("1m1s", rc.getStatus().getHeartbeatAge());

        // the component has written its row: a changed spec is shown, not written (issue 28)
        rc = get("worker-1");
        rc.getSpec().setBaseUrl("https://worker-1.example:8443/api");
        rc.getSpec().setLabels(Map.of("pool", "gpu"));
        rc.getSpec().setCapacity(8);
        KubeFixtures.updateSpec(kube.admin(), rc);
        rc = awaitStatus("worker-1", s -> s.getObservedGeneration() != null && s.getObservedGeneration() >= 2);
        assertEquals(List.of("baseUrl", "labels", "capacity"), rc.getStatus().getDrift().stream()
                .map(FieldDrift::getField).toList());
        assertEquals("http://worker-1.noetl:8080", rc.getStatus().getDrift().get(0).getReported());
        assertEquals("https://worker-1.example:8443/api", rc.getStatus().getDrift().get(0).getDeclared());
        assertEquals("http://worker-1.noetl:8080", row(naming, "worker-1").get(2));

        // precedence Declaration: the declared columns follow the spec; id, heartbeat and status stay the component's
        rc.getSpec().setPrecedence(Precedence.Declaration);
        KubeFixtures.updateSpec(kube.admin(), rc);
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> "https://worker-1.example:8443/api".equals(
                row(naming, "worker-1").get(2)));
        row = row(naming, "worker-1");
        assertEquals(id, ((Number) row.get(0)).longValue());
        assertEquals("ready", row.get(3));
        assertEquals(beat, instant(row.get(4)));
        assertEquals("gpu", JSON.readTree((String) row.get(5)).get("pool").asText());
        assertEquals(8, row.get(6));
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime"));
        rc = awaitStatus("worker-1", s -> s.getObservedGeneration() != null && s.getObservedGeneration() >= 3);
        assertEquals(Long.toString(id), rc.getStatus().getRuntimeId());
        assertNull(rc.getStatus().getDrift());
    }

    @Test
    void aRowRemovedFromTheRegistryIsRegisteredAgainWithOneWarningInPlaceOfRegistered() {
        createRegistry(Naming.SEED);
        apply("worker-2", s -> { });
        long first = id(awaitStatus("worker-2", registeredIn(ComponentPhase.Registered)));
        db.execute("DELETE FROM noetl.runtime WHERE runtime_id = " + first);

        // the next look (within heartbeatTimeout / 2) finds no row and registers the declaration again
        TestClockProducer.CLOCK.set(NOW.plusSeconds(40));
        RuntimeComponent rc = awaitStatus("worker-2", registeredIn(ComponentPhase.Registered)
                .and(s -> !Long.toString(first).equals(((RuntimeComponentStatus) s).getRuntimeId())));
        assertEquals(List.of(id(rc)), db.query("SELECT runtime_id FROM noetl.runtime WHERE name = 'worker-2'")
                .stream().map(r -> ((Number) r.get(0)).longValue()).toList());
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> reasons("worker-2").contains("RowReplaced"));
        // one Event per registration: the first says Registered, the second RowReplaced (with both ids)
        assertEquals(List.of("Registered", "RowReplaced"), reasons("worker-2").stream()
                .filter(r -> r.equals("Registered") || r.equals("RowReplaced")).sorted().toList());
    }

    private List<String> reasons(String name) {
        return kube.admin().v1().events().inNamespace(kube.namespace()).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .map(io.fabric8.kubernetes.api.model.Event::getReason).toList();
    }

    static Stream<Arguments> policies() {
        return Stream.of(Naming.values())
                .flatMap(n -> Stream.of(DeletionPolicy.values()).map(p -> Arguments.of(n, p)));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void deletionAppliesTheDeletionPolicy(Naming naming, DeletionPolicy policy) {
        createRegistry(naming);
        apply("other", s -> s.setComponentType("broker"));
        apply("leaving", s -> s.setDeletionPolicy(policy));
        long id = id(awaitStatus("leaving", registeredIn(ComponentPhase.Registered)));
        long otherId = id(awaitStatus("other", registeredIn(ComponentPhase.Registered)));
        heartbeat(naming, id, NOW, "busy");
        db.execute("INSERT INTO noetl.metric SELECT " + id + ", 'jobs' FROM generate_series(1, 3)",
                "INSERT INTO noetl.metric VALUES (" + otherId + ", 'jobs')");

        kube.admin().resource(get("leaving")).delete();
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> get("leaving") == null);

        List<Object> row = row(naming, "leaving");
        switch (policy) {
            case MarkOffline -> {
                assertEquals("offline", row.get(3));
                assertEquals(NOW, instant(row.get(4)));
                assertEquals(4, db.queryLong("SELECT count(*) FROM noetl.metric"));
            }
            case Retain -> {
                assertEquals("busy", row.get(3));
                assertEquals(4, db.queryLong("SELECT count(*) FROM noetl.metric"));
            }
            case Delete -> {
                // issue 23, 3: three metric rows reference it, so Delete keeps the row (offline) and every metric
                assertEquals("offline", row.get(3));
                assertEquals(4, db.queryLong("SELECT count(*) FROM noetl.metric"), "no metric row removed");
                assertTrue(reasons("leaving").contains("RowKept"), reasons("leaving").toString());
                assertTrue(eventMessage("leaving", "RowKept").contains("3 metric rows reference it"),
                        eventMessage("leaving", "RowKept"));
            }
            case DeleteWithMetrics -> {
                assertNull(row);
                assertEquals(List.of(otherId), db.query("SELECT runtime_id FROM noetl.metric").stream()
                        .map(r -> ((Number) r.get(0)).longValue()).toList(), "the cascade took the row's metrics, "
                                + "as the policy's name says");
                assertTrue(eventMessage("leaving", "RowDeleted").contains("3 metric rows"),
                        eventMessage("leaving", "RowDeleted"));
            }
            default -> throw new IllegalStateException();
        }
        assertNotNull(row(naming, "other"));
    }

    private String eventMessage(String name, String reason) {
        return kube.admin().v1().events().inNamespace(kube.namespace()).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .map(io.fabric8.kubernetes.api.model.Event::getMessage).findFirst().orElse("");
    }

    /** Issue 23, 3: a row nobody references, inserted by the resource, goes under Delete; the status counted 0. */
    @Test
    void deleteRemovesARowItInsertedThatNoMetricReferences() {
        createRegistry(Naming.values()[0]);
        apply("clean", s -> s.setDeletionPolicy(DeletionPolicy.Delete));
        RuntimeComponent rc = awaitStatus("clean", registeredIn(ComponentPhase.Registered));
        assertEquals(Boolean.TRUE, rc.getStatus().getCreatedRow());
        assertEquals(0L, rc.getStatus().getMetricRows());
        kube.admin().resource(get("clean")).delete();
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> get("clean") == null);
        assertNull(row(Naming.values()[0], "clean"));
        assertTrue(reasons("clean").contains("RowDeleted"), reasons("clean").toString());
    }

    /**
     * Issue 23, 3, as measured: on NoETL's registry and metric table ({@code ON DELETE CASCADE}), deleting a
     * RuntimeComponent with {@code Delete} removed a row it had adopted and 2,001 metric rows with it. Now an adopted
     * row is never removed, even under DeleteWithMetrics, and the status said beforehand how many rows reference it.
     */
    @Test
    void anAdoptedRowAndItsMetricsStayWhateverThePolicy() throws Exception {
        try (java.sql.Connection c = db.connect()) {
            io.noetl.lifecycle.support.MetricShape.loadLive(c);
        }
        // NoETL's worker registered itself first; its metrics are there
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, kind, uri, status) VALUES (7001, 'adopted', "
                + "'worker_pool', 'k8s://noetl/adopted-0', 'ready')",
                "SELECT noetl.create_metric_partition(date '2026-11-21')",
                "INSERT INTO noetl.metric (runtime_id, metric_name, metric_type, metric_value, created_at) "
                        + "SELECT 7001, 'jobs', 'gauge', g, timestamp '2026-11-21 09:00' FROM generate_series(1, 2001) g");
        apply("adopted", s -> s.setDeletionPolicy(DeletionPolicy.DeleteWithMetrics));
        RuntimeComponent rc = awaitStatus("adopted", s -> s instanceof RuntimeComponentStatus r
                && r.getMetricRows() != null && "7001".equals(r.getRuntimeId()));
        assertEquals(Boolean.FALSE, rc.getStatus().getCreatedRow());
        assertEquals(2001L, rc.getStatus().getMetricRows());
        kube.admin().resource(get("adopted")).delete();
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> get("adopted") == null);
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE runtime_id = 7001"));
        assertEquals(2001, db.queryLong("SELECT count(*) FROM noetl.metric"), "no metric row removed");
        String message = eventMessage("adopted", "RowKept");
        assertTrue(message.contains("adopted it") && message.contains("2,001 metric rows reference it"), message);
    }

    /** Issue 23, 3: the row was registered anew under another id meanwhile; the deletion acts on its own id only. */
    @Test
    void aRowRegisteredAnewUnderAnotherIdIsNotTheOneDeleted() {
        createRegistry(Naming.values()[0]);
        apply("renewed", s -> s.setDeletionPolicy(DeletionPolicy.DeleteWithMetrics));
        long id = id(awaitStatus("renewed", registeredIn(ComponentPhase.Registered)));
        Naming naming = Naming.values()[0];
        // someone removed it and the component registered itself again, under a new id
        db.execute("DELETE FROM noetl.runtime WHERE runtime_id = " + id);
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, " + naming.type + ", status) VALUES ("
                + (id + 1) + ", 'renewed', 'worker_pool', 'ready')",
                "INSERT INTO noetl.metric VALUES (" + (id + 1) + ", 'jobs')");
        kube.admin().resource(get("renewed")).delete();
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> get("renewed") == null);
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE runtime_id = ?", id + 1));
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    @ParameterizedTest
    @EnumSource(Naming.class)
    void anUnreachableDatabaseKeepsTheFinalizerUntilSkipCleanupReleasesIt(Naming naming) throws Exception {
        createRegistry(naming);
        apply("stuck", s -> s.setDeletionPolicy(DeletionPolicy.Delete));
        long id = id(awaitStatus("stuck", registeredIn(ComponentPhase.Registered)));
        KubeFixtures.secret(kube.admin(), kube.namespace(), "registry-db", "jdbc:postgresql://127.0.0.1:1/" + db.name(),
                TestDatabase.USER, "s3cret-Passw0rd");
        RuntimeComponent rc = awaitStatus("stuck", condition("Ready", "False", "DatabaseUnreachable"));
        String message = rc.getStatus().condition("Ready").orElseThrow().getMessage();
        assertFalse(message.contains("s3cret-Passw0rd"), message);

        kube.admin().resource(get("stuck")).delete();
        // several attempts with backoff, the finalizer holding the resource all the while. Each attempt records the
        // Warning CleanupFailed; a repeat raises its count once the Events' refresh interval has passed on the
        // operator's clock, so: the first attempt, the clock moved past that interval, and a count of two is a
        // second attempt (after the framework's backoff), not a fixed wait that proved nothing had happened yet
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> cleanupFailures("stuck") >= 1);
        TestClockProducer.CLOCK.set(NOW.plus(ResourceEvents.REFRESH_AFTER));
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> cleanupFailures("stuck") >= 2);
        rc = get("stuck");
        assertNotNull(rc, "the finalizer keeps the resource while its row cannot be removed");
        assertNotNull(rc.getMetadata().getDeletionTimestamp());
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE runtime_id = ?", id));

        rc.getMetadata().setAnnotations(Map.of(RuntimeComponentReconciler.SKIP_CLEANUP, "true"));
        KubeFixtures.updateSpec(kube.admin(), rc);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get("stuck") == null);
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE runtime_id = ?", id),
                "skip-cleanup leaves the row alone");
    }

    /** The count of the Warning CleanupFailed on {@code name}: how many cleanups failed, as the Event counts them. */
    private int cleanupFailures(String name) {
        return kube.admin().v1().events().inNamespace(kube.namespace()).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "CleanupFailed".equals(e.getReason()))
                .mapToInt(e -> e.getCount() == null ? 0 : e.getCount()).sum();
    }

    @ParameterizedTest
    @EnumSource(Naming.class)
    void aSecondDeclarationOfTheSameKeyConflictsWritesNothingAndTakesOverOnceTheFirstIsGone(Naming naming)
            throws Exception {
        createRegistry(naming);
        apply("first", s -> {
            s.setName("shared");
            s.setBaseUrl("http://first:8080");
        });
        RuntimeComponent first = awaitStatus("first", registeredIn(ComponentPhase.Registered));
        long id = id(first);
        // creationTimestamp has whole seconds: the second is created in a later second than the first, so that the
        // order is plain (by time, never by uid); a wait on the wall clock's second, not a fixed pause
        Instant firstCreated = Instant.parse(first.getMetadata().getCreationTimestamp());
        Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> Instant.now().truncatedTo(ChronoUnit.SECONDS).isAfter(firstCreated));
        apply("second", s -> {
            s.setName("shared");
            s.setBaseUrl("http://second:8080");
        });
        assertTrue(comesFirst(first, get("second")), "the first comes first in claim order");
        RuntimeComponent second = awaitStatus("second", condition("Ready", "False", "ConflictingComponent"));
        String message = second.getStatus().condition("Ready").orElseThrow().getMessage();
        assertTrue(message.contains("worker_pool/shared") && message.contains(kube.namespace() + "/first"), message);
        assertNull(second.getStatus().getRuntimeId());
        assertEquals(List.of("http://first:8080"), db.queryStrings("SELECT " + naming.url + " FROM noetl.runtime"));

        // a duplicate in another database is no conflict
        try (TestDatabase elsewhere = TestDatabase.create("rtc_other")) {
            KubeFixtures.secret(kube.admin(), kube.namespace(), "elsewhere-db", elsewhere.url(), TestDatabase.USER,
                    TestDatabase.PASSWORD);
            apply("third", s -> {
                s.setName("shared");
                s.setBootstrap(Bootstrap.IfMissing);
                s.setDatabase(KubeFixtures.databaseRef("elsewhere-db"));
            });
            awaitStatus("third", registeredIn(ComponentPhase.Registered));
            kube.admin().resource(get("third")).delete();
            Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> get("third") == null);
        }

        // the first goes (marking the row offline); the second registers the same row
        kube.admin().resource(get("first")).delete();
        TestClockProducer.CLOCK.set(NOW.plusSeconds(3));
        second = awaitStatus("second", registeredIn(ComponentPhase.Registered));
        assertEquals(id, id(second));
        assertEquals(List.of("http://second:8080"), db.queryStrings("SELECT " + naming.url + " FROM noetl.runtime"));
    }

    /**
     * The claim order (creationTimestamp in whole seconds, then uid) can put a resource created a moment later
     * first: a real API server's uids are random. A new resource waits {@code lifecycle.runtime.claim-settle} after
     * the operator first sees it before its first write, so the later-created one that precedes it is seen in time
     * and the earlier-created one writes nothing at all.
     *
     * <p>The API server's uids are random, so when both are created in the same second the later one comes first
     * half the time: the test tries pairs until that happens.
     */
    @Test
    void aDuplicateCreatedAMomentLaterThatComesFirstInClaimOrderLeavesTheOtherWritingNothing() throws Exception {
        createRegistry(Naming.SEED);
        TestClockProducer.CLOCK.set(Instant.now());
        for (int attempt = 0; attempt < 40; attempt++) {
            String early = "early-" + attempt;
            String late = "late-" + attempt;
            String key = "dup-" + attempt;
            startEarlyInASecond();
            RuntimeComponent a = declare(early, key, "http://early:8080");
            // the operator has seen the early one and holds it in its settle: without the settle it would be writing
            // its row now (a condition, where a fixed 300 ms pause only guessed that it had been seen)
            Awaitility.await().atMost(KubeFixtures.WAIT).pollInterval(Duration.ofMillis(10))
                    .until(() -> reconciler.settling(a.getMetadata().getUid()));
            RuntimeComponent b = declare(late, key, "http://late:8080");
            if (!comesFirst(b, a)) {
                continue; // created in different seconds, or the uids in the plain order: try again
            }
            awaitStatus(late, registeredIn(ComponentPhase.Registered));
            RuntimeComponent loser = awaitStatus(early, condition("Ready", "False", "ConflictingComponent"));
            assertNull(loser.getStatus().getRuntimeId());
            assertEquals(List.of("http://late:8080"),
                    db.queryStrings("SELECT base_url FROM noetl.runtime WHERE name = ?", key));
            assertTrue(kube.admin().v1().events().inNamespace(kube.namespace()).list().getItems().stream()
                    .noneMatch(e -> early.equals(e.getInvolvedObject().getName())
                            && "Registered".equals(e.getReason())),
                    "the resource that comes second in claim order never registered");
            return;
        }
        throw new AssertionError("in 40 attempts the later resource never came first in claim order");
    }

    /**
     * When a duplicate that comes first arrives only after the other has registered (here: after the settle, in
     * the same second), the holder's first write wakes the other at once; it does not wait for its next periodic
     * look (minutes away here, and the test clock stands still) to report ConflictingComponent.
     */
    @Test
    void aHolderThatRegistersAfterAnotherWakesItToReportTheConflict() throws Exception {
        createRegistry(Naming.SEED);
        TestClockProducer.CLOCK.set(Instant.now());
        for (int attempt = 0; attempt < 40; attempt++) {
            String early = "first-seen-" + attempt;
            String late = "comes-first-" + attempt;
            String key = "woken-" + attempt;
            startEarlyInASecond();
            RuntimeComponent a = declare(early, key, "http://first-seen:8080");
            // registered after the tests' 500 ms settle; polled closely, so the second create follows at once
            Awaitility.await().atMost(KubeFixtures.WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
                RuntimeComponent r = get(early);
                return r != null && r.getStatus() != null && registeredIn(ComponentPhase.Registered)
                        .test(r.getStatus());
            });
            RuntimeComponent b = declare(late, key, "http://comes-first:8080");
            if (!comesFirst(b, a)) {
                continue; // not within one second, or the uids in the plain order: try again
            }
            awaitStatus(late, registeredIn(ComponentPhase.Registered));
            RuntimeComponent woken = awaitStatus(early, condition("Ready", "False", "ConflictingComponent"));
            assertNull(woken.getStatus().getRuntimeId());
            assertEquals(List.of("http://comes-first:8080"),
                    db.queryStrings("SELECT base_url FROM noetl.runtime WHERE name = ?", key));
            return;
        }
        throw new AssertionError("in 40 attempts the later resource never came first in claim order");
    }

    /** A declaration of {@code key}; its periodic look is minutes away (heartbeatTimeout 10m). */
    private RuntimeComponent declare(String name, String key, String url) {
        return apply(name, s -> {
            s.setName(key);
            s.setBaseUrl(url);
            s.setHeartbeatTimeout("10m");
        });
    }

    /** Waits for the start of a wall-clock second, so that two creates can fall within it. */
    private static void startEarlyInASecond() {
        Awaitility.await().atMost(Duration.ofSeconds(2)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(() -> System.currentTimeMillis() % 1_000 <= 50);
    }

    private static boolean comesFirst(RuntimeComponent x, RuntimeComponent y) {
        return ClaimOrder.of(x.getMetadata().getCreationTimestamp(), x.getMetadata().getUid())
                .precedes(ClaimOrder.of(y.getMetadata().getCreationTimestamp(), y.getMetadata().getUid()));
    }

    @Test
    void markOfflineAfterSetsTheRowOfflineOnceTheHeartbeatIsThatOld() {
        createRegistry(Naming.SEED);
        apply("sleepy", s -> s.setMarkOfflineAfter("5m"));
        long id = id(awaitStatus("sleepy", registeredIn(ComponentPhase.Registered)));
        // the row was inserted at the database's now(), which follows the test clock (TestDatabase): NOW, the very
        // time of the heartbeat below. Put it before the heartbeat, as it is when a component beats after its
        // registration (a heartbeat counts once it is later than created_at, or the row is online)
        db.query("UPDATE noetl.runtime SET created_at = ? WHERE runtime_id = ? RETURNING 1",
                OffsetDateTime.ofInstant(NOW.minusSeconds(60), ZoneOffset.UTC), id);
        heartbeat(Naming.SEED, id, NOW, "ready");
        TestClockProducer.CLOCK.set(NOW.plusSeconds(30));
        awaitStatus("sleepy", phase(ComponentPhase.Live));
        TestClockProducer.CLOCK.set(NOW.plus(Duration.ofMinutes(5)).plusSeconds(1));
        RuntimeComponent rc = awaitStatus("sleepy", phase(ComponentPhase.Offline));
        assertEquals("offline", row(Naming.SEED, "sleepy").get(3));
        assertEquals(NOW.toString(), rc.getStatus().getLastHeartbeat());
        // the component comes back by itself
        heartbeat(Naming.SEED, id, NOW.plus(Duration.ofMinutes(6)), "ready");
        TestClockProducer.CLOCK.set(NOW.plus(Duration.ofMinutes(6)).plusSeconds(30));
        awaitStatus("sleepy", phase(ComponentPhase.Live));
    }

    @Test
    void aLiveComponentsHeartbeatsDoNotRewriteStatusOnEveryLook() {
        createRegistry(Naming.SEED);
        apply("steady", s -> {
        });
        long id = id(awaitStatus("steady", registeredIn(ComponentPhase.Registered)));
        heartbeat(Naming.SEED, id, NOW.plusSeconds(20), "ready");
        TestClockProducer.CLOCK.set(NOW.plusSeconds(30));
        String version = awaitStatus("steady", phase(ComponentPhase.Live)).getMetadata().getResourceVersion();
        ResourceID rid = new ResourceID("steady", kube.namespace());

        // a newer heartbeat less than heartbeatTimeout after the one shown: looked at, not written
        heartbeat(Naming.SEED, id, NOW.plusSeconds(50), "busy");
        TestClockProducer.CLOCK.set(NOW.plusSeconds(60));
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> schedule.nextRun(RuntimeComponent.class, rid)
                .map(t -> t.isAfter(NOW.plusSeconds(60))).orElse(false));
        RuntimeComponent rc = get("steady");
        assertEquals(version, rc.getMetadata().getResourceVersion());
        assertEquals(NOW.plusSeconds(20).toString(), rc.getStatus().getLastHeartbeat());

        // once the shown heartbeat is a heartbeatTimeout behind, it is written
        heartbeat(Naming.SEED, id, NOW.plusSeconds(85), "busy");
        TestClockProducer.CLOCK.set(NOW.plusSeconds(90));
        rc = awaitStatus("steady", s -> NOW.plusSeconds(85).toString().equals(
                ((RuntimeComponentStatus) s).getLastHeartbeat()));
        assertEquals("5s", rc.getStatus().getHeartbeatAge());
        assertEquals(ComponentPhase.Live, rc.getStatus().getPhase());
    }

    @Test
    void bootstrapCreatesNoetlsRegistryAndNeverReportsTableMissing() {
        apply("waiting", s -> {
        });
        awaitStatus("waiting", condition("Ready", "False", "TableMissing"));
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'noetl'"));

        apply("bootstrapping", s -> s.setBootstrap(Bootstrap.IfMissing));
        awaitStatus("bootstrapping", registeredIn(ComponentPhase.Registered));
        // NoETL's own registry, which its servers write into: unique on (kind, name) by NoETL's index name
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_indexes WHERE schemaname = 'noetl' AND indexname = "
                + "'idx_runtime_kind_name'"));
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE kind = 'worker_pool'"));
        // the other one retries and finds it
        TestClockProducer.CLOCK.set(NOW.plusSeconds(3));
        awaitStatus("waiting", registeredIn(ComponentPhase.Registered));
        assertEquals(2, db.queryLong("SELECT count(*) FROM noetl.runtime"));
    }

    @Test
    void aRegistryMissingAColumnIsIncompatibleUntilTheTableIsFixed() {
        db.execute("CREATE SCHEMA noetl", "CREATE TABLE noetl.runtime (runtime_id bigint PRIMARY KEY, "
                + "name text NOT NULL, kind text NOT NULL, uri text, status text NOT NULL, UNIQUE (kind, name))");
        apply("early", s -> s.setBaseUrl("http://early:1"));
        RuntimeComponent rc = awaitStatus("early", condition("Ready", "False", "RegistryIncompatible"));
        String message = rc.getStatus().condition("Ready").orElseThrow().getMessage();
        assertTrue(message.contains("no column last_heartbeat or heartbeat"), message);
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.runtime"));

        db.execute("ALTER TABLE noetl.runtime ADD COLUMN heartbeat timestamptz");
        Awaitility.await().pollDelay(Duration.ofMillis(1100)).atMost(KubeFixtures.WAIT).until(() -> {
            TestClockProducer.CLOCK.advance(Duration.ofSeconds(3));
            return condition("Ready", "True", "Registered").test(get("early").getStatus());
        });
        assertEquals(List.of("http://early:1"), db.queryStrings("SELECT uri FROM noetl.runtime"));
    }

    @Test
    void anInvalidSpecIsRefusedOrReportedAndNothingIsWritten() {
        createRegistry(Naming.SEED);
        // what the CRD's schema says, the API server refuses at apply time, naming the field
        Map<String, Consumer<RuntimeComponentSpec>> refused = Map.of(
                "componentType", s -> s.setComponentType("worker"),
                "name", s -> s.setName("has space"),
                "capacity", s -> s.setCapacity(-1),
                "baseUrl", s -> s.setBaseUrl("ftp://files"));
        refused.forEach((field, change) -> {
            KubernetesClientException e = assertThrows(KubernetesClientException.class,
                    () -> apply("bad-" + field.toLowerCase(Locale.ROOT), change));
            assertEquals(422, e.getCode(), field);
            assertTrue(e.getMessage().contains("spec." + field), e.getMessage());
        });
        // what only the operator can judge is reported as InvalidSpec, and nothing is written
        apply("bad-offline", s -> {
            s.setHeartbeatTimeout("60s");
            s.setMarkOfflineAfter("30s");
        });
        RuntimeComponent rc = awaitStatus("bad-offline", condition("Ready", "False", "InvalidSpec"));
        assertTrue(rc.getStatus().condition("Ready").orElseThrow().getMessage().startsWith("spec.markOfflineAfter:"));
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.runtime"));
    }

    @Test
    void dryRunAndSuspendReadButNeverWrite() {
        createRegistry(Naming.SEED);
        apply("dry", s -> s.setDryRun(true));
        RuntimeComponent rc = awaitStatus("dry", condition("Ready", "True", "DryRun"));
        assertEquals("dry run: would register worker_pool/dry", rc.getStatus().condition("Ready").orElseThrow()
                .getMessage());
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.runtime"));

        rc.getSpec().setDryRun(false);
        KubeFixtures.updateSpec(kube.admin(), rc);
        long id = id(awaitStatus("dry", registeredIn(ComponentPhase.Registered)));
        rc = get("dry");
        rc.getSpec().setSuspend(true);
        rc.getSpec().setBaseUrl("http://changed:1");
        KubeFixtures.updateSpec(kube.admin(), rc);
        rc = awaitStatus("dry", condition("Ready", "True", "Suspended"));
        assertTrue(rc.getStatus().condition("Ready").orElseThrow().getMessage().contains("would update"));
        assertEquals(Long.toString(id), rc.getStatus().getRuntimeId());
        assertNull(row(Naming.SEED, "dry").get(2));
    }
}
