package io.noetl.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.ApiServerCondition;
import io.noetl.lifecycle.support.DeclaredResources;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestDatabase;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Real operator processes: the packaged jar ({@code target/quarkus-app/quarkus-run.jar}, built by {@code package}
 * before failsafe runs this) started as separate JVMs against a real kube-apiserver, each with a kubeconfig holding
 * a token of the operator's ServiceAccount, which only {@code deploy/role.yaml} grants rights to. In order:
 * <ol>
 * <li>the leader keeps the Lease for more than three lease durations while a standby waits, and keeps reconciling;</li>
 * <li>SIGTERM in the middle of a burst of reconciles: the leader exits within 10 s, releases the Lease, and the
 * standby leads within a few seconds (well under one lease duration) and finishes the burst;</li>
 * <li>across that restart the users' specs are unchanged (generation 1, no {@code f:spec} of the operator);</li>
 * <li>a leader that dies without a word (SIGKILL) is replaced within one lease duration (plus one retry period,
 * the standby's polling interval);</li>
 * <li>no request of any of them was forbidden (the API server's audit log, counted), and every right
 * {@code deploy/role.yaml} grants was used, but for the few it names with their reason.</li>
 * </ol>
 * Lease timings are shortened for the test (6 s / 4 s / 1 s instead of 15 s / 10 s / 2 s).
 */
@ExtendWith(ApiServerCondition.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorProcessIT {
    private static final Duration LEASE = Duration.ofSeconds(6);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final String LEASE_NAME = "noetl-lifecycle-operator";
    private static final int BURST = 300;

    private static ApiServer server;
    private static ApiServer.OperatorIdentity identity;
    private static KubernetesClient admin;
    private static TestDatabase db;
    private static String namespace;
    private static final Map<String, Process> operators = new LinkedHashMap<>();
    private static Map<String, GenericKubernetesResource> baseline;

    @BeforeAll
    static void setUp() {
        server = ApiServer.get();
        server.installCrds();
        admin = server.admin();
        namespace = server.freshNamespace("process");
        identity = server.operatorIdentity(namespace);
        db = TestDatabase.create("process_it");
        KubeFixtures.secret(admin, namespace, "noetl-db", db.url(), TestDatabase.USER, TestDatabase.PASSWORD);
    }

    @AfterAll
    static void tearDown() {
        operators.values().forEach(Process::destroyForcibly);
        if (db != null) {
            db.close();
        }
    }

    @Test
    @Order(1)
    void theLeaderKeepsTheLeaseBeyondThreeLeaseDurationsAndKeepsReconciling() throws Exception {
        start("op-a");
        awaitHolder("op-a", Duration.ofSeconds(60));
        Map<String, String> docs = new LinkedHashMap<>(DeclaredResources.declared("noetl-db"));
        docs.putAll(DeclaredResources.live("noetl-db"));
        baseline = DeclaredResources.apply(admin, namespace, docs);
        start("op-b");

        Instant until = Instant.now().plus(LEASE.multipliedBy(3)).plusSeconds(3);
        String renewed = lease().getSpec().getRenewTime().toString();
        int renewals = 0;
        while (Instant.now().isBefore(until)) {
            Lease lease = lease();
            assertEquals("op-a", lease.getSpec().getHolderIdentity(), "the leader changed");
            if (!renewed.equals(lease.getSpec().getRenewTime().toString())) {
                renewals++;
                renewed = lease.getSpec().getRenewTime().toString();
            }
            assertTrue(operators.get("op-a").isAlive() && operators.get("op-b").isAlive());
            Thread.sleep(500);
        }
        assertTrue(renewals >= 3 * (int) (LEASE.toSeconds() / RETRY.toSeconds()) / 2, renewals + " renewals");

        // still reconciling: every resource has a status, and a new one is maintained
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> baseline.values().stream()
                .allMatch(r -> DeclaredResources.current(admin, r).getAdditionalProperties().get("status") != null));
        DeclaredResources.apply(admin, namespace, Map.of("later", """
                apiVersion: lifecycle.noetl.io/v1alpha1
                kind: RuntimeComponent
                metadata: {name: later}
                spec:
                  database: {secretRef: {name: noetl-db}}
                  componentType: server_api
                  bootstrap: IfMissing
                """));
        awaitReady(List.of("later"), KubeFixtures.WAIT);
        assertEquals(List.of(), server.forbidden(), "requests forbidden by deploy/role.yaml");
    }

    @Test
    @Order(2)
    void sigtermInABurstExitsWithinTenSecondsAndTheStandbyTakesOverAtOnce() throws Exception {
        List<String> names = new ArrayList<>();
        ExecutorService creators = Executors.newFixedThreadPool(4);
        List<Future<?>> created = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            String name = String.format("burst-%03d", i);
            names.add(name);
            created.add(creators.submit(() -> admin.resource(component(name)).create()));
        }
        // the leader is busy: a third of the burst is in and reconciling
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> created.stream().filter(Future::isDone).count()
                >= BURST / 3);
        Process leader = operators.get("op-a");
        Instant term = Instant.now();
        leader.destroy(); // SIGTERM
        assertTrue(leader.waitFor(10, TimeUnit.SECONDS), "the leader did not exit within 10 s of SIGTERM");
        Duration exit = Duration.between(term, Instant.now());
        Duration takeover = awaitHolder("op-b", LEASE);
        System.err.printf("[process-it] SIGTERM: exited in %d ms (code %d); op-b led %d ms after the signal%n",
                exit.toMillis(), leader.exitValue(), takeover.plus(exit).toMillis());
        assertTrue(takeover.compareTo(Duration.ofSeconds(3)) <= 0, "the standby took " + takeover + " after the exit");
        assertTrue(log("op-a").contains("released the Lease"), "the leader did not release its Lease");
        assertFalse(log("op-a").contains("Exiting."), "the framework's System.exit ran during shutdown");

        for (Future<?> f : created) {
            f.get();
        }
        creators.shutdown();
        // nothing of the burst is lost: the new leader registers every one
        awaitReady(names, Duration.ofMinutes(3));
        assertEquals(BURST, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE name LIKE 'burst-%'"));
    }

    @Test
    @Order(3)
    void theSpecsAreUnchangedAcrossTheRestart() {
        // op-b has reconciled everything since it took over (the statuses it wrote are checked in order 2)
        DeclaredResources.assertUntouched(admin, baseline);
    }

    @Test
    @Order(4)
    void aLeaderThatDiesIsReplacedWithinOneLeaseDuration() throws Exception {
        start("op-c");
        // standing by: its leader elector has read the Lease and seen op-b lead (OperatorLease logs the leader it
        // sees, at DEBUG, which start() turns on): a condition, where a fixed 2 s pause hoped it had started
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> log("op-c").contains("the leader is op-b"));
        assertEquals("op-b", lease().getSpec().getHolderIdentity());
        Process leader = operators.get("op-b");
        leader.destroyForcibly(); // SIGKILL: no release
        leader.waitFor(10, TimeUnit.SECONDS);
        Duration takeover = awaitHolder("op-c", LEASE.plus(RETRY.multipliedBy(3)).plusSeconds(2));
        System.err.printf("[process-it] SIGKILL: op-c led %d ms after the leader died%n", takeover.toMillis());
        // the lease expires at most LEASE after the last renewal; the standby polls every RETRY. Slack of two more
        // retry periods: on this 2-core machine a loaded JVM answers late (measured 6.4 s idle, 8.8 s loaded)
        assertTrue(takeover.compareTo(LEASE.plus(RETRY.multipliedBy(3))) <= 0, "took " + takeover);
        awaitReady(List.of("later"), KubeFixtures.WAIT);
        assertEquals(List.of(), server.forbidden(), "requests forbidden by deploy/role.yaml");
    }

    @Test
    @Order(5)
    void theRoleGrantsWhatTheOperatorCallsAndNothingElse() throws Exception {
        // deletions: the finalizer comes off (a patch), nothing else is needed
        for (GenericKubernetesResource r : baseline.values()) {
            admin.genericKubernetesResources(r.getApiVersion(), r.getKind()).inNamespace(namespace)
                    .withName(r.getMetadata().getName()).delete();
        }
        Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> baseline.values().stream()
                .allMatch(r -> DeclaredResources.current(admin, r) == null));

        Map<String, java.util.Set<String>> used = new java.util.TreeMap<>();
        for (ApiServer.AuditedRequest r : server.requestsOf(identity.user())) {
            if (r.resource() != null && !r.resource().isEmpty() && !"selfsubjectrulesreviews".equals(r.resource())) {
                used.computeIfAbsent(r.target(), t -> new java.util.TreeSet<>()).add(r.verb());
            }
        }
        Map<String, java.util.Set<String>> granted = new java.util.TreeMap<>();
        for (io.fabric8.kubernetes.api.model.HasMetadata o : admin.load(Files.newInputStream(
                Path.of("deploy", "role.yaml"))).items()) {
            for (io.fabric8.kubernetes.api.model.rbac.PolicyRule rule : ((io.fabric8.kubernetes.api.model.rbac.Role) o)
                    .getRules()) {
                for (String group : rule.getApiGroups()) {
                    for (String resource : rule.getResources()) {
                        granted.computeIfAbsent((group.isEmpty() ? "core" : group) + "/" + resource,
                                t -> new java.util.TreeSet<>()).addAll(rule.getVerbs());
                    }
                }
            }
        }
        // granted, and rightly, without this run calling them: each with its reason
        Map<String, String> unusedHere = Map.of(
                "coordination.k8s.io/leases update", "the framework's start-up check requires it; fabric8 patches",
                "core/events patch", "a warning repeated after 5 minutes bumps its Event's count (ResourceEventsTest)",
                "lifecycle.noetl.io/eventpartitionplans get", "re-read on a conflicting finalizer patch",
                "lifecycle.noetl.io/metricretentionpolicies get", "re-read on a conflicting finalizer patch",
                "lifecycle.noetl.io/runtimecomponents get", "re-read on a conflicting finalizer patch",
                "core/secrets get", "the HTTP endpoints' token (MetricsMaintenanceEndpointTest)");
        List<String> notGranted = new ArrayList<>();
        List<String> notUsed = new ArrayList<>();
        used.forEach((target, verbs) -> verbs.stream().filter(v -> !granted.getOrDefault(target, java.util.Set.of())
                .contains(v)).forEach(v -> notGranted.add(target + " " + v)));
        granted.forEach((target, verbs) -> verbs.stream().filter(v -> !used.getOrDefault(target, java.util.Set.of())
                .contains(v) && !unusedHere.containsKey(target + " " + v)).forEach(v -> notUsed.add(target + " " + v)));
        System.err.println("[process-it] the operator called: " + used);
        assertEquals(List.of(), notGranted, "called but not granted");
        assertEquals(List.of(), notUsed, "granted but never called");
        assertEquals(List.of(), server.forbidden(), "requests forbidden by deploy/role.yaml");
    }

    private static RuntimeComponent component(String name) {
        RuntimeComponent rc = new RuntimeComponent();
        rc.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        RuntimeComponentSpec spec = new RuntimeComponentSpec();
        spec.setDatabase(KubeFixtures.databaseRef("noetl-db"));
        spec.setComponentType("worker_pool");
        spec.setBootstrap(Bootstrap.IfMissing);
        spec.setDeletionPolicy(DeletionPolicy.Retain);
        rc.setSpec(spec);
        return rc;
    }

    private static void awaitReady(List<String> names, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Map<String, RuntimeComponent> byName = new LinkedHashMap<>();
            admin.resources(RuntimeComponent.class).inNamespace(namespace).list().getItems()
                    .forEach(r -> byName.put(r.getMetadata().getName(), r));
            return names.stream().map(byName::get).allMatch(r -> r != null && r.getStatus() != null
                    && KubeFixtures.condition("Ready", "True", "Registered").test(r.getStatus()));
        });
    }

    private static Lease lease() {
        return admin.resources(Lease.class).inNamespace(namespace).withName(LEASE_NAME).get();
    }

    /** Waits until {@code identity} holds the Lease; returns how long that took. */
    private static Duration awaitHolder(String holder, Duration atMost) {
        Instant start = Instant.now();
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> {
            Lease l = lease();
            return l != null && holder.equals(l.getSpec().getHolderIdentity());
        });
        return Duration.between(start, Instant.now());
    }

    private static void start(String name) throws IOException {
        String jar = Objects.requireNonNull(System.getProperty("operator.jar"),
                "operator.jar: run through failsafe (./mvnw verify), after package");
        assertTrue(new File(jar).isFile(), jar + " is missing: package first");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Dquarkus.http.port=0",
                "-Dlifecycle.leader-election.identity=" + name,
                "-Dlifecycle.leader-election.lease-duration=" + LEASE.toSeconds() + "s",
                "-Dlifecycle.leader-election.renew-deadline=4s",
                "-Dlifecycle.leader-election.retry-period=" + RETRY.toSeconds() + "s",
                "-Dlifecycle.runtime.claim-settle=200ms",
                // the leader each replica sees (OperatorLease), for the test that waits for a standby
                "-Dquarkus.log.category.\"io.noetl.lifecycle.OperatorLease\".level=DEBUG",
                "-jar", jar);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logFile(name).toFile());
        pb.environment().put("KUBECONFIG", identity.kubeconfigFile().toString());
        operators.put(name, pb.start());
    }

    private static Path logFile(String name) {
        return Path.of("target", "operator-process-it-" + name + ".log").toAbsolutePath();
    }

    private static String log(String name) throws IOException {
        return Files.readString(logFile(name));
    }
}
