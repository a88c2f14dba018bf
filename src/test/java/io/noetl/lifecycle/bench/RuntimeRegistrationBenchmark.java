package io.noetl.lifecycle.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.RuntimeRegistryConfig;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.DatabaseRef;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.api.RuntimeComponentStatus;
import io.noetl.lifecycle.api.SecretRef;
import io.noetl.lifecycle.plan.RuntimeComponentSettings;
import io.noetl.lifecycle.plan.RuntimeIdGenerator;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.RegistryCatalog;
import io.noetl.lifecycle.reconcile.ComponentRegistrar;
import io.noetl.lifecycle.reconcile.MaintenanceSchedule;
import io.noetl.lifecycle.reconcile.RuntimeComponentReconciler;
import io.noetl.lifecycle.reconcile.TargetResolver;
import io.noetl.lifecycle.report.Conditions;
import io.noetl.lifecycle.report.OperatorMetrics;
import io.noetl.lifecycle.report.ResourceEvents;
import io.noetl.lifecycle.report.RuntimeComponentReport;
import io.noetl.lifecycle.report.StatusDiff;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Benchmark, not a test: N RuntimeComponents registered into a fresh database (bootstrap IfMissing, the seed's
 * registry), measured two ways.
 *
 * <ol>
 * <li>{@code operator}: the whole operator path. JOSDK (standalone, the reconciler built by hand instead of by
 * Quarkus, 50 reconciliation threads as JOSDK's default) watches fabric8's Kubernetes mock server in CRUD mode, its
 * store indexed by (plural, name) ({@link IndexedCrudDispatcher}; {@code operator-stock} uses the stock store, which
 * scans everything it holds on every request). Two scenarios: the harness creates N resources with 8 client threads
 * while the operator runs (the clock starts at the first create), and the operator starts on N existing resources
 * (the clock starts with the operator). Each ends when an informer has seen every resource with
 * {@code Ready=True, Registered}. Includes the finalizer patch, the upsert, the status patch and the
 * {@code Registered} event per resource; API requests are counted by the mock server.</li>
 * <li>{@code path}: the registration path alone, as the reconciler runs it: target resolution (Secret from a
 * map, as from the informer cache), the shared pool per target, the registry shape (cached), the upsert and the
 * status computation with its change check, on 50 threads; then a second pass as the periodic look runs it (the
 * declaration known current: one read, no write).</li>
 * </ol>
 * Database round trips are counted by PostgreSQL ({@code pg_stat_database} transactions of the benchmark
 * database, read after the pools are closed): every statement the operator sends outside a transaction is one
 * round trip, and so is the {@code SET TIME ZONE} each new connection starts with.
 *
 * <p>Run: {@code ./mvnw -B -q test-compile exec:java -Dexec.mainClass=io.noetl.lifecycle.bench.RuntimeRegistrationBenchmark
 * -Dexec.classpathScope=test [-Dexec.args="COMPONENTS ROUNDS MODE"]}, MODE one of {@code both} (default:
 * {@code path} then {@code operator}), {@code operator}, {@code operator-stock}, {@code path}.
 */
public final class RuntimeRegistrationBenchmark {
    private static final String NS = "bench";
    private static final int THREADS = 50;
    /** The mock server logs every request; held here so the level set in main sticks. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) throws Exception {
        int components = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String mode = args.length > 2 ? args[2] : "both";
        MOCK_LOG.setLevel(Level.WARNING);
        System.out.printf("components: %d, rounds: %d, cores: %d%n", components, rounds,
                Runtime.getRuntime().availableProcessors());
        if (!mode.equals("operator")) {
            runPath(Math.min(components, 500)); // warm-up
            List<double[]> results = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                double[] r = runPath(components);
                results.add(r);
                System.out.printf("  path round %d: register %.0f ms (%.2f round trips/component), "
                        + "look again %.0f ms (%.2f round trips/component)%n", i + 1, r[0], r[1], r[2], r[3]);
            }
            System.out.printf("path, registration of %d:       median %.0f ms, %.2f round trips per component%n",
                    components, median(results, 0), median(results, 1));
            System.out.printf("path, periodic look at %d:      median %.0f ms, %.2f round trips per component%n",
                    components, median(results, 2), median(results, 3));
        }
        if (!mode.equals("path")) {
            boolean indexed = !mode.equals("operator-stock");
            System.out.println(indexed ? "mock server: CRUD store indexed by (plural, name)"
                    : "mock server: fabric8's stock CRUD store (a scan per request)");
            for (boolean restart : new boolean[] {false, true}) {
                String scenario = restart ? "operator started on " + components + " existing"
                        : components + " created while the operator runs";
                List<double[]> results = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    double[] r = runOperator(components, indexed, restart);
                    results.add(r);
                    System.out.printf("  %s, round %d: created %.0f ms, converged %.0f ms (%.0f ms after the last "
                            + "create), %.2f round trips/component, %.2f API requests/component%n", scenario, i + 1,
                            r[0], r[1], r[1] - r[0], r[2], r[3]);
                }
                System.out.printf("%s: median %.0f ms to create, %.0f ms to converge (%.0f ms after the last "
                        + "create), %.2f round trips and %.2f API requests per component%n", scenario,
                        median(results, 0), median(results, 1),
                        median(results.stream().map(r -> new double[] {r[1] - r[0]}).toList(), 0),
                        median(results, 2), median(results, 3));
            }
        }
        System.exit(0);
    }

    /** Returns {register ms, round trips per component, look ms, round trips per component}. */
    private static double[] runPath(int n) throws Exception {
        try (TestDatabase db = TestDatabase.create("bench_rtc")) {
            Map<String, Secret> secrets = Map.of("registry-db", secret(db));
            TargetResolver resolver = new TargetResolver(CONFIG);
            DatabasePools pools = new DatabasePools(CONFIG);
            ComponentRegistrar registrar = new ComponentRegistrar(new RegistryCatalog(REGISTRY),
                    new RuntimeIdGenerator(REGISTRY.idShard()), LockPolicy.from(CONFIG.ddl()), Clock.systemUTC());
            List<RuntimeComponent> resources = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RuntimeComponent rc = resource(i);
                rc.getMetadata().setUid(UUID.randomUUID().toString());
                rc.getMetadata().setGeneration(1L);
                resources.add(rc);
            }
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                long before = transactions(db);
                long t0 = System.nanoTime();
                runAll(threads, resources, rc -> register(rc, resolver, pools, registrar, secrets, false));
                long t1 = System.nanoTime();
                releaseAll(pools, n);
                long afterRegister = transactions(db);
                check(db, n);

                long t2 = System.nanoTime();
                runAll(threads, resources, rc -> register(rc, resolver, pools, registrar, secrets, true));
                long t3 = System.nanoTime();
                releaseAll(pools, n);
                long afterLook = transactions(db);
                return new double[] {(t1 - t0) / 1e6, (afterRegister - before) / (double) n, (t3 - t2) / 1e6,
                    (afterLook - afterRegister) / (double) n};
            } finally {
                threads.shutdown();
            }
        }
    }

    /** What the reconciler does for one resource, without Kubernetes: resolve, pool, register, status. */
    private static void register(RuntimeComponent rc, TargetResolver resolver, DatabasePools pools,
            ComponentRegistrar registrar, Map<String, Secret> secrets, boolean knownCurrent) throws Exception {
        Instant now = Instant.now();
        RuntimeComponentStatus status = rc.getStatus() == null ? new RuntimeComponentStatus() : rc.getStatus();
        String before = StatusDiff.fingerprint(status);
        RuntimeComponentSettings settings = RuntimeComponentSettings.from(rc.getSpec(), rc.getMetadata().getName());
        DatabaseTarget target = resolver.resolve(rc, rc.getSpec().getDatabase(),
                name -> Optional.ofNullable(secrets.get(name)));
        ComponentRegistrar.Outcome outcome = registrar.run(pools.acquire(owner(rc), target), target, settings, ComponentRegistrar.Mode.APPLY, knownCurrent,
                now);
        RuntimeComponentReport.observed(status, outcome.row(), settings.heartbeatTimeout(), now);
        Conditions.markReady(status, "Registered", settings.declaration().key() + " is registered as runtime_id "
                + outcome.row().runtimeId(), 1, now);
        Conditions.markHealthy(status, 1, now);
        status.setObservedGeneration(1L);
        if (StatusDiff.changed(before, status)) {
            rc.setStatus(status);
        }
    }

    /**
     * Returns {create ms, converge ms, round trips per component}. {@code restart}: the N resources exist before the
     * operator starts (a GitOps sync, or the operator redeployed), and both times count from the operator's start;
     * otherwise the operator is running and the clock starts at the first create.
     */
    private static double[] runOperator(int n, boolean indexed, boolean restart) throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                indexed ? new IndexedCrudDispatcher() : new KubernetesCrudDispatcher(), false);
        server.init();
        // The operator has its own client, as in a cluster; the harness (the user, kubectl or Argo CD) another.
        try (TestDatabase db = TestDatabase.create("bench_rtc_op");
                KubernetesClient user = server.createClient();
                KubernetesClient client = server.createClient()) {
            user.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                    .create();
            user.secrets().inNamespace(NS).resource(secret(db)).create();
            Clock clock = Clock.systemUTC();
            DatabasePools pools = new DatabasePools(CONFIG);
            MaintenanceSchedule schedule = new MaintenanceSchedule(clock);
            RuntimeComponentReconciler reconciler = new RuntimeComponentReconciler(new TargetResolver(CONFIG), pools,
                    schedule, new ResourceEvents(client, clock),
                    new OperatorMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()), CONFIG, REGISTRY,
                    new RegistryCatalog(REGISTRY), clock);
            Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                    .withUseSSAToPatchPrimaryResource(false).withConcurrentReconciliationThreads(THREADS));
            operator.register(reconciler);

            Set<String> registered = ConcurrentHashMap.newKeySet();
            CountDownLatch all = new CountDownLatch(1);
            SharedIndexInformer<RuntimeComponent> watch = user.resources(RuntimeComponent.class).inNamespace(NS)
                    .inform(new ResourceEventHandler<>() {
                        public void onAdd(RuntimeComponent rc) {
                            seen(rc);
                        }

                        public void onUpdate(RuntimeComponent old, RuntimeComponent rc) {
                            seen(rc);
                        }

                        public void onDelete(RuntimeComponent rc, boolean unknown) {
                        }

                        private void seen(RuntimeComponent rc) {
                            if (rc.getStatus() != null && rc.getStatus().condition(Conditions.READY)
                                    .map(c -> "Registered".equals(c.getReason())).orElse(false)
                                    && registered.add(rc.getMetadata().getName()) && registered.size() == n) {
                                all.countDown();
                            }
                        }
                    });
            long before = transactions(db);
            long t0;
            long t1;
            int requestsBefore;
            if (restart) {
                createAll(user, n);
                requestsBefore = server.getRequestCount();
                t0 = System.nanoTime();
                operator.start();
                t1 = t0;
            } else {
                operator.start();
                requestsBefore = server.getRequestCount() + n; // the harness's creates are not the operator's
                t0 = System.nanoTime();
                createAll(user, n);
                t1 = System.nanoTime();
            }
            if (!all.await(15, TimeUnit.MINUTES)) {
                throw new IllegalStateException("only " + registered.size() + " of " + n + " registered");
            }
            long t2 = System.nanoTime();
            int requests = server.getRequestCount() - requestsBefore;
            watch.close();
            operator.stop();
            releaseAll(pools, n);
            long after = transactions(db);
            check(db, n);
            return new double[] {(t1 - t0) / 1e6, (t2 - t0) / 1e6, (after - before) / (double) n,
                requests / (double) n};
        } finally {
            server.destroy();
        }
    }

    /** Creates the N resources with 8 client threads and returns when the server has accepted every one. */
    private static void createAll(KubernetesClient user, int n) throws Exception {
        ExecutorService creators = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RuntimeComponent rc = resource(i);
                created.add(creators.submit(() -> user.resource(rc).create()));
            }
            for (Future<?> f : created) {
                f.get();
            }
        } finally {
            creators.shutdown();
        }
    }

    /** Releases every resource's hold on its pool, which closes it (its backends then report their counters). */
    private static void releaseAll(DatabasePools pools, int n) {
        for (int i = 0; i < n; i++) {
            pools.release(owner(resource(i)));
        }
    }

    private static String owner(RuntimeComponent rc) {
        return "RuntimeComponent/" + NS + "/" + rc.getMetadata().getName();
    }

    @FunctionalInterface
    private interface Task {
        void run(RuntimeComponent rc) throws Exception;
    }

    private static void runAll(ExecutorService threads, List<RuntimeComponent> resources, Task task)
            throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        for (RuntimeComponent rc : resources) {
            futures.add(threads.submit(() -> {
                task.run(rc);
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    private static RuntimeComponent resource(int i) {
        RuntimeComponent rc = new RuntimeComponent();
        rc.setMetadata(new ObjectMetaBuilder().withName(String.format("worker-%05d", i)).withNamespace(NS)
                .withCreationTimestamp(Instant.now().toString()).build());
        RuntimeComponentSpec spec = new RuntimeComponentSpec();
        spec.setDatabase(new DatabaseRef(new SecretRef("registry-db")));
        spec.setComponentType(i % 10 == 0 ? "server_api" : "worker_pool");
        spec.setBaseUrl("http://worker-" + i + ".noetl.svc:8080");
        spec.setLabels(Map.of("pool", "pool-" + (i % 7), "zone", "z" + (i % 3)));
        spec.setCapacity(i % 16);
        spec.setBootstrap(Bootstrap.IfMissing);
        spec.setDeletionPolicy(DeletionPolicy.Retain);
        rc.setSpec(spec);
        return rc;
    }

    private static Secret secret(TestDatabase db) {
        return new SecretBuilder().withNewMetadata().withName("registry-db").withNamespace(NS).endMetadata()
                .withStringData(Map.of("url", db.url(), "username", TestDatabase.USER, "password",
                        TestDatabase.PASSWORD)).build();
    }

    /** Committed and rolled-back transactions of the database so far, as PostgreSQL counts them. */
    private static long transactions(TestDatabase db) throws Exception {
        Thread.sleep(1_200); // backends report their counters at most once a second, and on exit
        try (Connection c = DriverManager.getConnection(TestDatabase.url("postgres"), TestDatabase.USER,
                TestDatabase.PASSWORD);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = ?")) {
            ps.setString(1, db.name());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void check(TestDatabase db, int n) {
        long rows = db.queryLong("SELECT count(*) FROM noetl.runtime");
        if (rows != n) {
            throw new IllegalStateException("expected " + n + " rows, found " + rows);
        }
    }

    private static double median(List<double[]> results, int index) {
        List<Double> values = new ArrayList<>(results.stream().map(r -> r[index]).toList());
        Collections.sort(values);
        return values.get(values.size() / 2);
    }

    private static final OperatorConfig CONFIG = StandaloneConfig.INSTANCE;

    private static final RuntimeRegistryConfig REGISTRY = new RuntimeRegistryConfig() {
        public Duration catalogTtl() {
            return Duration.ofSeconds(60);
        }

        public int idShard() {
            return 31;
        }

        public Duration cleanupMaxBackoff() {
            return Duration.ofMinutes(10);
        }

        public Duration claimSettle() {
            return Duration.ofSeconds(2); // the default: a new resource's first write waits 2 s
        }
    };
}
