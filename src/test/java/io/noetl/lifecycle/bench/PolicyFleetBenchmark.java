package io.noetl.lifecycle.bench;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.Condition;
import io.noetl.lifecycle.api.ConditionStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.bench.RuntimeRegistrationBenchmark.Cpu;
import io.noetl.lifecycle.bench.RuntimeRegistrationBenchmark.MemoryLimit;
import io.noetl.lifecycle.bench.RuntimeRegistrationBenchmark.OperatorProcess;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Benchmark, not a test (issue 27): N MetricRetentionPolicies over D databases of one PostgreSQL server, as a
 * platform team with one NoETL database per tenant would run them, on the tests' real kube-apiserver, with the
 * operator as it ships: the packaged jar as its own JVM with the environment and memory limit of
 * {@code deploy/deployment.yaml} (a memory cgroup where one can be made; see {@link RuntimeRegistrationBenchmark}),
 * a kubeconfig of the operator's ServiceAccount bound only to {@code deploy/role.yaml}, and the operator's default
 * settings (the connection budget {@code lifecycle.pool.connections-per-server}, 4, unless a budget is given).
 *
 * <p>Per fleet, in a fresh namespace: D fresh databases, each with a Secret; the operator leads; the harness applies
 * the N policies server-side in one go (8 client threads; N/D per database, tables {@code noetl.metric_K},
 * {@code bootstrap: IfMissing}, so every pass creates NoETL's live metric table and its partitions) and measures:
 * <ul>
 * <li>the seconds from the last apply until its own informer has seen every policy {@code Ready=True, Maintained};</li>
 * <li>the operator's connections to the server as PostgreSQL counts them ({@code pg_stat_activity}, by the
 * operator's {@code application_name}, sampled every 50 ms from before the apply to the end): the peak over the
 * server, the peak in any one database, and the count per database 60 s after all were Ready (nothing runs then
 * but the idle timeout; the next passes are the maintenance interval, 10 minutes, away);</li>
 * <li>the series on {@code /q/metrics} (every non-comment line, scraped every 15 s and at the end);</li>
 * <li>the peak RSS ({@code VmHWM} and 250 ms samples) and, with a cgroup, its peak;</li>
 * <li>CPU seconds of the operator and of everything else on the machine until all were Ready.</li>
 * </ul>
 *
 * <p>Run: {@code ./mvnw -B package -DskipTests} first (the jar), then
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) io.noetl.lifecycle.bench.PolicyFleetBenchmark
 * [POLICIES [DATABASES,DATABASES... [BUDGET]]]}, e.g. {@code 1000 20,50} (docs/benchmarks.md has the whole
 * command). With {@code -Dbench.baseline-jar=PATH} an earlier build's jar runs each fleet first, in the same run.
 */
public final class PolicyFleetBenchmark {
    private static final Duration WAIT = Duration.ofMinutes(15);
    private static final Duration IDLE_AFTER = Duration.ofSeconds(60);
    private static final String OPERATOR = "noetl-lifecycle-operator";
    private static final String OTHERS = "(other databases)";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        List<Integer> fleets = args.length > 1 ? Arrays.stream(args[1].split(",")).map(Integer::parseInt).toList()
                : List.of(20, 50);
        Integer budget = args.length > 2 ? Integer.valueOf(args[2]) : null;
        ApiServer.Availability availability = ApiServer.availability();
        if (!availability.available()) {
            System.err.println("no API server: " + availability.why());
            System.exit(2);
        }
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            System.err.println(jar + " is missing: ./mvnw -B package -DskipTests first");
            System.exit(2);
        }
        Container container = RuntimeRegistrationBenchmark.deployedContainer();
        Map<String, String> env = new java.util.LinkedHashMap<>();
        container.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        long limit = Quantity.getAmountInBytes(container.getResources().getLimits().get("memory")).longValueExact();
        MemoryLimit memory = MemoryLimit.probe();
        ApiServer server = ApiServer.get();
        server.installCrds();
        List<String> properties = budget == null ? List.of()
                : List.of("-Dlifecycle.pool.connections-per-server=" + budget);
        System.out.printf("policies: %d, fleets of databases: %s, budget: %s, cores: %d, kube-apiserver 1.%d%n", n,
                fleets, budget == null ? "the default (4)" : budget, Runtime.getRuntime().availableProcessors(),
                server.minorVersion());
        System.out.printf("operator: %s, environment %s, memory limit %d MiB: %s%n", jar, env, limit >> 20,
                memory.describe());

        // the baseline: an earlier build's jar (-Dbench.baseline-jar=DIR/target/quarkus-app/quarkus-run.jar), run on
        // each fleet just before this build's, in the same run; it gets no budget property (it may not know it)
        Optional<Path> baseline = Optional.ofNullable(System.getProperty("bench.baseline-jar")).map(Path::of);
        baseline.ifPresent(b -> System.out.println("baseline: " + b));
        List<Result> results = new ArrayList<>();
        for (int d : fleets) {
            if (baseline.isPresent()) {
                results.add(fleet(server, baseline.get(), env, limit, memory, List.of(), n, d));
                System.out.println("  baseline: " + results.get(results.size() - 1));
            }
            results.add(fleet(server, jar, env, limit, memory, properties, n, d));
            System.out.println("  " + results.get(results.size() - 1));
        }
        System.out.println("summary:");
        results.forEach(r -> System.out.println("  " + r));
        System.out.println("  requests forbidden by deploy/role.yaml: " + server.forbidden().size());
        System.exit(0);
    }

    /** What one fleet measured. */
    record Result(String build, int policies, int databases, Duration applying, Duration ready, int peakServer, int peakFleet,
            int peakOneDatabase,
            int peakOthers, Map<String, Integer> idlePerDatabase, int idleServer, int series, int scrapes, int scrapeFailures,
            long peakRssKiB, long cgroupPeakKiB, long notReadyOnTheWay, Map<String, Double> cpuSeconds) {
        @Override
        public String toString() {
            int idleMax = ConnectionSampler.fleet(idlePerDatabase).values().stream().mapToInt(Integer::intValue).max()
                    .orElse(0);
            return String.format("%s: %d policies over %d databases: applied in %.1f s, all Ready %.1f s after the last "
                    + "apply; connections: peak %d on the server (%d to the fleet's databases, peak %d in one; %d to other databases "
                    + "of the server, which must be 0 for a clean run), %d to the fleet's databases %d s "
                    + "after (at most %d in one database); /q/metrics %d series (%d scrapes, %d failed); peak RSS %d "
                    + "MiB (cgroup peak %s); %d Ready=False seen on the way; CPU seconds until all Ready %s",
                    build, policies, databases, applying.toMillis() / 1e3, ready.toMillis() / 1e3, peakServer, peakFleet,
                    peakOneDatabase, peakOthers, idleServer, IDLE_AFTER.toSeconds(), idleMax, series, scrapes, scrapeFailures,
                    peakRssKiB >> 10, cgroupPeakKiB < 0 ? "n/a" : (cgroupPeakKiB >> 10) + " MiB", notReadyOnTheWay,
                    cpuSeconds);
        }
    }

    private static Result fleet(ApiServer server, Path jar, Map<String, String> env, long limit, MemoryLimit memory,
            List<String> properties, int n, int d) throws Exception {
        String ns = server.freshNamespace("fleet");
        ApiServer.OperatorIdentity identity = server.operatorIdentity(ns);
        List<TestDatabase> dbs = new ArrayList<>();
        try {
            for (int i = 0; i < d; i++) {
                TestDatabase db = TestDatabase.create("fleet" + d + "_" + i);
                dbs.add(db);
                KubeFixtures.databaseSecret(server.admin(), ns, "tenant-" + i, db);
            }
            Set<String> names = dbs.stream().map(TestDatabase::name).collect(Collectors.toSet());
            Set<String> failedOnce = ConcurrentHashMap.newKeySet();
            try (InformedStatuses<MetricRetentionPolicy, Boolean> statuses = new InformedStatuses<>(server.admin(),
                    MetricRetentionPolicy.class, ns, p -> ready(p, failedOnce));
                    ConnectionSampler connections = new ConnectionSampler(names)) {
                OperatorProcess op = OperatorProcess.start(jar, identity, env, limit, memory, "fleet-" + d, properties);
                try {
                    op.awaitLeader(server.admin(), ns);
                    Map<String, Double> cpu = Cpu.now(op.pid());
                    Map<String, Double> requests = requests(server.admin());
                    Instant first = Instant.now();
                    applyAll(server.admin(), ns, n, d);
                    Instant last = Instant.now();
                    Instant ready = statuses.await(n, (name, r) -> r, WAIT, op);
                    Map<String, Double> cpuUntilReady = Cpu.since(cpu, op.pid());
                    printPerPolicy(requests, requests(server.admin()), n);
                    int peakServer = connections.peakServer();
                    int peakFleet = connections.peakFleet();
                    int peakOne = connections.peakOneDatabase();
                    // idle: 60 s after the last policy turned Ready, what is still open
                    Thread.sleep(Math.max(0, Duration.between(Instant.now(), ready.plus(IDLE_AFTER)).toMillis()));
                    op.assertAlive();
                    Map<String, Integer> idle = connections.now();
                    int series = op.scrapeNow();
                    return new Result(jar.toAbsolutePath().normalize().toString(), n, d, Duration.between(first, last), Duration.between(last, ready), peakServer,
                            peakFleet, peakOne, connections.peakOthers(), idle,
                            ConnectionSampler.fleet(idle).values().stream().mapToInt(Integer::intValue).sum(), series,
                            op.scrapes(), op.scrapeFailures(), op.peakRssKiB(), op.cgroupPeakKiB(),
                            failedOnce.size(), cpuUntilReady);
                } finally {
                    op.stop();
                }
            }
        } finally {
            dbs.forEach(TestDatabase::close);
        }
    }

    /**
     * The API server's requests so far by verb, resource and subresource ({@code apiserver_request_total} on its
     * {@code /metrics}, summed over response codes and clients): where the API server's CPU goes.
     */
    static Map<String, Double> requests(KubernetesClient admin) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : admin.raw("/metrics").split("\n")) {
            if (!line.startsWith("apiserver_request_total{")) {
                continue;
            }
            String labels = line.substring(line.indexOf('{') + 1, line.lastIndexOf('}'));
            String sub = label(labels, "subresource");
            String key = label(labels, "verb") + " " + label(labels, "resource") + (sub.isEmpty() ? "" : "/" + sub);
            out.merge(key, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
        }
        return out;
    }

    private static String label(String labels, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|,)" + name + "=\"([^\"]*)\"").matcher(labels);
        return m.find() ? m.group(1) : "";
    }

    /** The requests between two readings, per policy, the most first (the applies and the informers' included). */
    private static void printPerPolicy(Map<String, Double> before, Map<String, Double> after, int n) {
        String per = after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0.0)) / n))
                .filter(e -> e.getValue() >= 0.01)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> String.format("%s %.2f", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
        System.out.println("    API requests per policy until all Ready: " + per);
    }

    /** Applies the N policies server-side from 8 threads, round-robin over the databases, as one GitOps sync would. */
    private static void applyAll(KubernetesClient client, String ns, int n, int d) throws Exception {
        ExecutorService appliers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> applied = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                MetricRetentionPolicy p = policy(ns, i, d);
                applied.add(appliers.submit(() -> client.resource(p).fieldManager("fleet-bench").forceConflicts()
                        .serverSideApply()));
            }
            for (Future<?> f : applied) {
                f.get();
            }
        } finally {
            appliers.shutdown();
        }
    }

    private static MetricRetentionPolicy policy(String ns, int i, int d) {
        MetricRetentionPolicy p = new MetricRetentionPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName(String.format("tenant-%03d-metric-%04d", i % d, i / d))
                .withNamespace(ns).build());
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setDatabase(KubeFixtures.databaseRef("tenant-" + (i % d)));
        spec.setTable("noetl.metric_" + (i / d));
        spec.setBootstrap(Bootstrap.IfMissing);
        p.setSpec(spec);
        return p;
    }

    /**
     * Whether a policy is {@code Ready=True, Maintained}; one that shows {@code Ready=False} is printed the first time,
     * and counted in {@code failedOnce}.
     */
    private static boolean ready(MetricRetentionPolicy p, Set<String> failedOnce) {
        Optional<Condition> c = p.getStatus() == null ? Optional.empty() : p.getStatus().condition("Ready");
        if (c.map(x -> x.getStatus() == ConditionStatus.False).orElse(false)
                && failedOnce.add(p.getMetadata().getName())) {
            System.out.println("    Ready=False: " + p.getMetadata().getName() + ": " + c.get().getReason() + ": "
                    + c.get().getMessage());
        }
        return c.map(x -> x.getStatus() == ConditionStatus.True && "Maintained".equals(x.getReason())).orElse(false);
    }

    /**
     * The operator's connections to the fleet's databases as PostgreSQL counts them, sampled every 50 ms on a
     * connection of the harness's own (its own {@code application_name}, so never counted).
     */
    static final class ConnectionSampler implements AutoCloseable {
        private final Connection c;
        private final Set<String> databases;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger peakServer = new AtomicInteger();
        private final AtomicInteger peakOne = new AtomicInteger();
        private final AtomicInteger peakOthers = new AtomicInteger();
        private final AtomicInteger peakFleet = new AtomicInteger();
        private final AtomicInteger samples = new AtomicInteger();
        /** Samples of the operator's backends by what they were doing: state and wait event (where the time goes). */
        private final Map<String, Integer> doing = new ConcurrentHashMap<>();
        private final Thread thread;

        ConnectionSampler(Set<String> databases) throws SQLException {
            Properties props = new Properties();
            props.setProperty("user", TestDatabase.USER);
            props.setProperty("password", TestDatabase.PASSWORD);
            props.setProperty("ApplicationName", "fleet-bench-sampler");
            this.c = DriverManager.getConnection(TestDatabase.url("postgres"), props);
            this.databases = databases;
            this.thread = new Thread(this::run, "connection-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running.get()) {
                try {
                    Map<String, Integer> now = now();
                    int fleet = fleet(now).values().stream().mapToInt(Integer::intValue).sum();
                    int others = now.getOrDefault(OTHERS, 0);
                    peakServer.accumulateAndGet(fleet + others, Math::max);
                    peakFleet.accumulateAndGet(fleet, Math::max);
                    peakOthers.accumulateAndGet(others, Math::max);
                    peakOne.accumulateAndGet(fleet(now).values().stream().mapToInt(Integer::intValue).max().orElse(0),
                            Math::max);
                    samples.incrementAndGet();
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    System.out.println("    connection sample failed: " + e.getMessage());
                }
            }
        }

        /** Only the fleet's databases of a sample. */
        static Map<String, Integer> fleet(Map<String, Integer> sample) {
            Map<String, Integer> only = new TreeMap<>(sample);
            only.remove(OTHERS);
            return only;
        }

        /** The operator's connections per database of the fleet, now. */
        synchronized Map<String, Integer> now() {
            Map<String, Integer> per = new TreeMap<>();
            databases.forEach(db -> per.put(db, 0));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT datname, count(*), "
                    + "string_agg(state || coalesce(' ' || wait_event_type || ':' || wait_event, ''), '|') FROM "
                    + "pg_stat_activity WHERE application_name = '" + OPERATOR + "' GROUP BY datname")) {
                while (rs.next()) {
                    for (String d : String.valueOf(rs.getString(3)).split("\\|")) {
                        doing.merge(d, 1, Integer::sum);
                    }
                    if (databases.contains(rs.getString(1))) {
                        per.put(rs.getString(1), rs.getInt(2));
                    } else {
                        // another database of the server: this operator's connections there count against the
                        // budget too; another process's (a test run beside) would spoil the figures, and shows here
                        per.merge(OTHERS, rs.getInt(2), Integer::sum);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return per;
        }

        int peakServer() {
            return peakServer.get();
        }

        /** The peak over the fleet's databases together. */
        int peakFleet() {
            return peakFleet.get();
        }

        int peakOneDatabase() {
            return peakOne.get();
        }

        /** The peak of connections of that application name to other databases of the server (0 on a quiet one). */
        int peakOthers() {
            return peakOthers.get();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            thread.interrupt();
            thread.join(5_000);
            int all = doing.values().stream().mapToInt(Integer::intValue).sum();
            System.out.println("    (connections sampled " + samples.get() + " times; the operator's backends were: "
                    + doing.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                            .map(e -> String.format("%s %.0f%%", e.getKey(), 100.0 * e.getValue() / Math.max(1, all)))
                            .collect(Collectors.joining(", ")) + ")");
            c.close();
        }
    }
}
