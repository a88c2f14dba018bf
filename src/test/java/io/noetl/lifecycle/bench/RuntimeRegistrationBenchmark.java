package io.noetl.lifecycle.bench;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.ConditionStatus;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark, not a test: N RuntimeComponents on a real kube-apiserver (etcd-backed, RBAC on; the tests' server from
 * {@link ApiServer}), registered by the operator as it ships: the packaged jar ({@code target/quarkus-app/}) run as
 * its own JVM, with the JVM options and the memory limit of {@code deploy/deployment.yaml}, and a kubeconfig holding
 * a token of the operator's ServiceAccount, bound only to {@code deploy/role.yaml}.
 *
 * <p>The memory limit is a real one where this machine lets the harness make a memory cgroup (cgroup v1 or v2, as
 * root): the operator runs inside it with {@code limits.memory} as its limit, the JVM sizes itself from it as in a
 * container, and the kernel would kill it at the limit as the kubelet's cgroup would. Where no cgroup can be made,
 * {@code -XX:MaxRAM} stands in for the JVM's sizing (and nothing enforces the limit); the harness says so.
 *
 * <p>Per round, in a fresh namespace and database:
 * <ol>
 * <li><b>create</b>: the operator leads; the harness creates N resources with 8 client threads (about 3.5 minutes on
 * 2 cores: the server's own pace) and measures the seconds from the last create until an informer of the harness
 * has seen every one {@code Ready=True, Registered};</li>
 * <li><b>restart</b> (repeated): SIGTERM, the registry emptied ({@code TRUNCATE}), a new operator process started on
 * the N existing resources; seconds from the process start until every one shows {@code Ready=True, Registered}
 * with a new runtime_id.</li>
 * </ol>
 * Throughout, {@code /q/metrics} is scraped every 15 s (failures and series counted), the process's RSS is sampled
 * every 250 ms, and its peak ({@code VmHWM}) read at the end of each phase. API requests are the operator's, as the
 * API server's audit log records them.
 *
 * <p>Run: {@code ./mvnw -B package -DskipTests} first (the jar), then
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) io.noetl.lifecycle.bench.RuntimeRegistrationBenchmark
 * [COMPONENTS [ROUNDS [RESTARTS]]]} (docs/benchmarks.md has the whole command).
 */
public final class RuntimeRegistrationBenchmark {
    private static final Duration SCRAPE_EVERY = Duration.ofSeconds(15);
    private static final Duration WAIT = Duration.ofMinutes(15);
    private static final String LEASE = "noetl-lifecycle-operator";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int restarts = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        // creates per second, 0 for as fast as the server takes them from 8 client threads
        double rate = args.length > 3 ? Double.parseDouble(args[3]) : 0;
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
        Container container = deployedContainer();
        // the Deployment's literal environment (JAVA_TOOL_OPTIONS, MALLOC_ARENA_MAX, ...), as the kubelet sets it
        Map<String, String> env = new java.util.LinkedHashMap<>();
        container.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        long limit = Quantity.getAmountInBytes(container.getResources().getLimits().get("memory")).longValueExact();
        if (System.getProperty("bench.memory-limit") != null) {
            // diagnosis only: room for JFR and NMT, which need memory of their own
            limit = Quantity.getAmountInBytes(new Quantity(System.getProperty("bench.memory-limit"))).longValueExact();
        }
        MemoryLimit memory = MemoryLimit.probe();
        ApiServer server = ApiServer.get();
        server.installCrds();
        System.out.printf("components: %d, rounds: %d, restarts per round: %d, creates: %s, cores: %d, "
                + "kube-apiserver 1.%d%n", n, rounds, restarts, rate > 0 ? rate + " per second" : "unpaced (8 threads)",
                Runtime.getRuntime().availableProcessors(), server.minorVersion());
        System.out.printf("operator: %s, environment %s, memory limit %d MiB: %s%n", jar, env, limit >> 20,
                memory.describe());

        List<Phase> creates = new ArrayList<>();
        List<Phase> restartPhases = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            String ns = server.freshNamespace("bench");
            ApiServer.OperatorIdentity identity = server.operatorIdentity(ns);
            try (TestDatabase db = TestDatabase.create("bench_rtc");
                    InformedStatuses<RuntimeComponent, Seen> statuses = new InformedStatuses<>(server.admin(),
                            RuntimeComponent.class, ns, RuntimeRegistrationBenchmark::seen)) {
                KubeFixtures.secret(server.admin(), ns, "registry-db", db.url(), TestDatabase.USER,
                        TestDatabase.PASSWORD);
                OperatorProcess op = OperatorProcess.start(jar, identity, env, limit, memory,
                        "bench-" + round + "-0");
                op.awaitLeader(server.admin(), ns);
                long before = server.requestsOf(identity.user()).size();
                Map<String, Double> cpu = Cpu.now(op.pid());
                Instant first = Instant.now();
                createAll(server.admin(), ns, n, rate);
                Instant last = Instant.now();
                Instant done = statuses.await(n, (name, s) -> s.registered(), WAIT, op);
                Map<String, Double> cpuUntilReady = Cpu.since(cpu, op.pid());
                Duration trailing = quiet(server, identity, done);
                Phase create = op.phase("create", Duration.between(first, last), Duration.between(last, done),
                        server.requestsOf(identity.user()).size() - before, n, db, cpuUntilReady, trailing);
                creates.add(create);
                System.out.println("  round " + round + ", " + create);

                for (int restart = 1; restart <= restarts; restart++) {
                    op.stop();
                    Map<String, String> shown = runtimeIds(statuses.seen());
                    db.execute("TRUNCATE noetl.runtime CASCADE");
                    before = server.requestsOf(identity.user()).size();
                    cpu = Cpu.now(-1);
                    Instant start = Instant.now();
                    op = OperatorProcess.start(jar, identity, env, limit, memory,
                            "bench-" + round + "-" + restart);
                    done = statuses.await(n, (name, s) -> s.registered() && s.runtimeId() != null
                            && !s.runtimeId().equals(shown.get(name)), WAIT, op);
                    Map<String, Double> restartCpu = Cpu.since(cpu, op.pid());
                    Duration restartTrailing = quiet(server, identity, done);
                    Phase phase = op.phase("restart", Duration.ZERO, Duration.between(start, done),
                            server.requestsOf(identity.user()).size() - before, n, db, restartCpu, restartTrailing);
                    restartPhases.add(phase);
                    System.out.println("  round " + round + ", " + phase);
                }
                op.stop();
            }
        }
        System.out.println("summary (medians):");
        System.out.println("  " + Phase.summary("create, from the last create until all Ready", creates));
        System.out.println("  " + Phase.summary("restart on " + n + " existing, emptied registry", restartPhases));
        long forbidden = server.forbidden().size();
        System.out.println("  requests forbidden by deploy/role.yaml: " + forbidden);
        System.exit(0);
    }

    /**
     * Waits until the operator has made no request for 5 s but its Lease renewals (its Events are written in the
     * background and may trail the statuses), so that the requests counted are all of the phase's and the next phase
     * starts on a quiet operator; returns how long after {@code converged} the last request came.
     */
    private static Duration quiet(ApiServer server, ApiServer.OperatorIdentity identity, Instant converged)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        long seen = -1;
        Instant lastChange = Instant.now();
        while (Instant.now().isBefore(deadline)) {
            long busy = server.requestsOf(identity.user()).stream().filter(r -> !"leases".equals(r.resource())).count();
            if (busy != seen) {
                seen = busy;
                lastChange = Instant.now();
            } else if (Duration.between(lastChange, Instant.now()).toSeconds() >= 5) {
                return Duration.between(converged, lastChange).isNegative() ? Duration.ZERO
                        : Duration.between(converged, lastChange);
            }
            Thread.sleep(1_000);
        }
        throw new IllegalStateException("the operator did not go quiet within " + WAIT);
    }

    static Container deployedContainer() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("deploy", "deployment.yaml"))) {
            Deployment d = Serialization.unmarshal(in, Deployment.class);
            return d.getSpec().getTemplate().getSpec().getContainers().get(0);
        }
    }

    /**
     * Creates the N resources from 8 client threads, at most {@code rate} per second when it is positive (a GitOps
     * controller's client is rate-limited; unpaced, the creator outruns what the server can take besides), and returns
     * when the server has accepted every one.
     */
    private static void createAll(KubernetesClient client, String ns, int n, double rate) throws Exception {
        ExecutorService creators = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> created = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (rate > 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                RuntimeComponent rc = resource(ns, i);
                created.add(creators.submit(() -> client.resource(rc).create()));
            }
            for (Future<?> f : created) {
                f.get();
            }
        } finally {
            creators.shutdown();
        }
    }

    private static RuntimeComponent resource(String ns, int i) {
        RuntimeComponent rc = new RuntimeComponent();
        rc.setMetadata(new ObjectMetaBuilder().withName(String.format("worker-%05d", i)).withNamespace(ns).build());
        RuntimeComponentSpec spec = new RuntimeComponentSpec();
        spec.setDatabase(KubeFixtures.databaseRef("registry-db"));
        spec.setComponentType(i % 10 == 0 ? "server_api" : "worker_pool");
        spec.setBaseUrl("http://worker-" + i + ".noetl.svc:8080");
        spec.setLabels(Map.of("pool", "pool-" + (i % 7), "zone", "z" + (i % 3)));
        spec.setCapacity(i % 16);
        spec.setBootstrap(Bootstrap.IfMissing);
        spec.setDeletionPolicy(DeletionPolicy.Retain);
        rc.setSpec(spec);
        return rc;
    }

    /** What one phase measured. */
    record Phase(String name, Duration creating, Duration converged, double requestsPerComponent, long peakRssKiB,
            long cgroupPeakKiB, int scrapes, int scrapeFailures, int seriesIdle, int seriesMax, long rows,
            long conflictsExhausted, Map<String, Double> cpuSeconds, Duration eventsTrailing) {
        @Override
        public String toString() {
            return String.format("%s: %s%.1f s to converge, peak RSS %d MiB (cgroup peak %s), %.2f API requests per "
                    + "component, /q/metrics %d scrapes, %d failed, series %d idle -> %d max, %d rows, %d exhausted "
                    + "retries, CPU seconds until all Ready %s, last request %.1f s after", name, creating.isZero() ? "" : String.format("created in %.1f s, ",
                            creating.toMillis() / 1e3), converged.toMillis() / 1e3, peakRssKiB >> 10,
                    cgroupPeakKiB < 0 ? "n/a" : (cgroupPeakKiB >> 10) + " MiB", requestsPerComponent, scrapes,
                    scrapeFailures, seriesIdle, seriesMax, rows, conflictsExhausted, cpuSeconds,
                    eventsTrailing.toMillis() / 1e3);
        }

        static String summary(String what, List<Phase> phases) {
            if (phases.isEmpty()) {
                return what + ": not run";
            }
            return String.format("%s: %.1f s (runs %s), peak RSS %d MiB (runs %s), %.2f API requests per component, "
                    + "%d scrape failures in %d scrapes, series at most %d", what,
                    median(phases.stream().map(p -> p.converged().toMillis() / 1e3).toList()),
                    phases.stream().map(p -> String.format("%.1f", p.converged().toMillis() / 1e3)).toList(),
                    (long) median(phases.stream().map(p -> (double) (p.peakRssKiB() >> 10)).toList()),
                    phases.stream().map(p -> p.peakRssKiB() >> 10).toList(),
                    median(phases.stream().map(Phase::requestsPerComponent).toList()),
                    phases.stream().mapToInt(Phase::scrapeFailures).sum(),
                    phases.stream().mapToInt(Phase::scrapes).sum(),
                    phases.stream().mapToInt(Phase::seriesMax).max().orElse(0));
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int m = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
    }

    /** What the harness sees of a component: registered (Ready, Registered), and the runtime id its status shows. */
    record Seen(boolean registered, String runtimeId) {
    }

    private static Seen seen(RuntimeComponent rc) {
        boolean registered = rc.getStatus() != null && rc.getStatus().condition("Ready")
                .map(c -> c.getStatus() == ConditionStatus.True && "Registered".equals(c.getReason())).orElse(false);
        return new Seen(registered, rc.getStatus() == null ? null : rc.getStatus().getRuntimeId());
    }

    /** The runtime ids the statuses show, by component. */
    private static Map<String, String> runtimeIds(Map<String, Seen> seen) {
        Map<String, String> ids = new ConcurrentHashMap<>();
        seen.forEach((name, s) -> {
            if (s.runtimeId() != null) {
                ids.put(name, s.runtimeId());
            }
        });
        return ids;
    }

    /**
     * CPU seconds (user + system, from /proc) of the operator process and of everything else that shares these cores
     * in the run: the API server, etcd, PostgreSQL, and the harness itself (its creates and its informer).
     */
    static final class Cpu {
        private static final List<String> OTHERS = List.of("kube-apiserver", "etcd", "postgres");

        static Map<String, Double> now(long operatorPid) {
            Map<String, Double> cpu = new java.util.TreeMap<>();
            try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path dir : dirs) {
                    try {
                        String stat = Files.readString(dir.resolve("stat"));
                        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        long pid = Long.parseLong(dir.getFileName().toString());
                        String who = pid == operatorPid ? "operator" : pid == ProcessHandle.current().pid() ? "harness"
                                : OTHERS.contains(comm) ? comm : null;
                        if (who != null) {
                            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                            cpu.merge(who, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0, Double::sum);
                        }
                    } catch (IOException | RuntimeException gone) {
                        // exited while read
                    }
                }
            } catch (IOException e) {
                // no /proc: no figures
            }
            return cpu;
        }

        static Map<String, Double> since(Map<String, Double> before, long operatorPid) {
            Map<String, Double> after = now(operatorPid);
            Map<String, Double> used = new java.util.TreeMap<>();
            after.forEach((k, v) -> used.put(k, Math.round((v - before.getOrDefault(k, 0.0)) * 10) / 10.0));
            return used;
        }
    }

    /** Where the operator's memory limit comes from on this machine. */
    record MemoryLimit(Optional<Path> cgroupRoot, boolean v2) {
        static MemoryLimit probe() {
            Path v2 = Path.of("/sys/fs/cgroup/cgroup.controllers");
            Path v1 = Path.of("/sys/fs/cgroup/memory");
            try {
                if (Files.exists(v2) && Files.readString(v2).contains("memory")) {
                    Path test = Files.createDirectories(Path.of("/sys/fs/cgroup/noetl-bench-probe"));
                    Files.delete(test);
                    return new MemoryLimit(Optional.of(Path.of("/sys/fs/cgroup")), true);
                }
                if (Files.exists(v1.resolve("memory.limit_in_bytes"))) {
                    Path test = Files.createDirectories(v1.resolve("noetl-bench-probe"));
                    Files.delete(test);
                    return new MemoryLimit(Optional.of(v1), false);
                }
            } catch (IOException e) {
                // no rights to make one: fall back below
            }
            System.out.println("!!! no memory cgroup can be made here (needs root and a writable cgroup hierarchy): "
                    + "-XX:MaxRAM stands in for the container's limit, and nothing enforces it");
            return new MemoryLimit(Optional.empty(), false);
        }

        String describe() {
            return cgroupRoot.map(r -> "enforced by a memory cgroup (" + (v2 ? "v2" : "v1") + ") under " + r)
                    .orElse("-XX:MaxRAM only, not enforced");
        }

        /** A fresh cgroup limited to {@code bytes}, or empty. */
        Optional<Path> create(String name, long bytes) throws IOException {
            if (cgroupRoot.isEmpty()) {
                return Optional.empty();
            }
            Path group = cgroupRoot.get().resolve("noetl-" + name);
            if (Files.exists(group)) {
                Files.delete(group);
            }
            Files.createDirectories(group);
            Files.writeString(group.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(bytes));
            if (v2 && Files.exists(group.resolve("memory.swap.max"))) {
                Files.writeString(group.resolve("memory.swap.max"), "0");
            }
            return Optional.of(group);
        }

        boolean oomKilled(Optional<Path> group) {
            Path f = group.map(g -> g.resolve(v2 ? "memory.events" : "memory.oom_control")).orElse(null);
            try {
                return f != null && Files.exists(f) && Files.readAllLines(f).stream()
                        .anyMatch(l -> l.startsWith("oom_kill ") && !l.equals("oom_kill 0"));
            } catch (IOException e) {
                return false;
            }
        }

        long peakKiB(Optional<Path> group) {
            if (group.isEmpty()) {
                return -1;
            }
            Path f = group.get().resolve(v2 ? "memory.peak" : "memory.max_usage_in_bytes");
            try {
                return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) >> 10 : -1;
            } catch (IOException e) {
                return -1;
            }
        }
    }

    /** One operator JVM, its scraper and its RSS sampler. */
    static final class OperatorProcess {
        private final String identity;
        private final Process process;
        private final Path log;
        private final int port;
        private final MemoryLimit memory;
        private final Optional<Path> cgroup;
        private final ScheduledExecutorService probes = Executors.newScheduledThreadPool(2);
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private final AtomicInteger scrapes = new AtomicInteger();
        private final AtomicInteger scrapeFailures = new AtomicInteger();
        private final AtomicInteger seriesIdle = new AtomicInteger(-1);
        private final AtomicInteger seriesMax = new AtomicInteger();
        private final AtomicLong rssMaxKiB = new AtomicLong();
        private volatile boolean started;

        private OperatorProcess(String identity, Process process, Path log, int port, MemoryLimit memory,
                Optional<Path> cgroup) {
            this.identity = identity;
            this.process = process;
            this.log = log;
            this.port = port;
            this.memory = memory;
            this.cgroup = cgroup;
        }

        static OperatorProcess start(Path jar, ApiServer.OperatorIdentity identity, Map<String, String> env, long limit,
                MemoryLimit memory, String name) throws IOException {
            return start(jar, identity, env, limit, memory, name, List.of());
        }

        /** @param properties system properties for the operator ({@code -Dkey=value}), e.g. its pool settings */
        static OperatorProcess start(Path jar, ApiServer.OperatorIdentity identity, Map<String, String> env, long limit,
                MemoryLimit memory, String name, List<String> properties) throws IOException {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Optional<Path> cgroup = memory.create(name, limit);
            List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString()));
            if (cgroup.isEmpty()) {
                java.add("-XX:MaxRAM=" + limit);
            }
            java.addAll(properties);
            java.addAll(List.of("-Dquarkus.http.port=" + port, "-Dlifecycle.leader-election.identity=" + name,
                    "-jar", jar.toAbsolutePath().toString()));
            // in a cgroup: a shell moves itself there, then becomes the JVM (same pid)
            List<String> command = new ArrayList<>();
            cgroup.ifPresent(g -> command.addAll(List.of("/bin/sh", "-c",
                    "echo $$ > " + g.resolve("cgroup.procs") + " && exec \"$@\"", "sh")));
            command.addAll(java);
            Path log = Path.of("target", "bench-operator-" + name + ".log").toAbsolutePath();
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBECONFIG", identity.kubeconfigFile().toString());
            pb.environment().putAll(env);
            // diagnosis only (JFR, NMT, GC logs), never in the reported figures: -Dbench.extra-java-options="..."
            String extra = System.getProperty("bench.extra-java-options", "").replace("{name}", name);
            if (!extra.isBlank()) {
                pb.environment().merge("JAVA_TOOL_OPTIONS", extra, (a, b) -> a + " " + b);
            }
            OperatorProcess op = new OperatorProcess(name, pb.start(), log, port, memory, cgroup);
            op.probes.scheduleAtFixedRate(op::sampleRss, 0, 250, TimeUnit.MILLISECONDS);
            op.probes.scheduleAtFixedRate(op::scrape, SCRAPE_EVERY.toMillis(), SCRAPE_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
            return op;
        }

        long pid() {
            return process.pid();
        }

        void assertAlive() {
            if (!process.isAlive()) {
                boolean oom = memory.oomKilled(cgroup);
                throw new IllegalStateException(identity + " exited with code " + process.exitValue()
                        + (oom ? ": killed by the kernel at the memory limit (memory cgroup OOM)" : "") + "; see " + log);
            }
        }

        void awaitLeader(KubernetesClient admin, String ns) throws InterruptedException {
            Instant deadline = Instant.now().plusSeconds(120);
            while (Instant.now().isBefore(deadline)) {
                Lease lease = admin.resources(Lease.class).inNamespace(ns).withName(LEASE).get();
                if (lease != null && identity.equals(lease.getSpec().getHolderIdentity()) && get("/q/health/ready")
                        .map(r -> r.statusCode() == 200).orElse(false)) {
                    scrape(); // the idle series count, before any resource exists
                    return;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("the operator exited: see " + log);
                }
                Thread.sleep(250);
            }
            throw new IllegalStateException(identity + " did not lead within 120 s: see " + log);
        }

        private Optional<HttpResponse<String>> get(String path) {
            try {
                return Optional.of(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }

        /** Scrapes now; the largest series count seen so far. */
        int scrapeNow() {
            scrape();
            return seriesMax.get();
        }

        int scrapeFailures() {
            return scrapeFailures.get();
        }

        int scrapes() {
            return scrapes.get();
        }

        /** The peak RSS: the larger of the kernel's high-water mark and the 250 ms samples, KiB. */
        long peakRssKiB() {
            return Math.max(status("VmHWM:"), rssMaxKiB.get());
        }

        /** The memory cgroup's own peak, KiB, or -1 without one. */
        long cgroupPeakKiB() {
            return memory.peakKiB(cgroup);
        }

        /** The lines of the operator's log that contain {@code text}. */
        long logLines(String text) throws IOException {
            try (var lines = Files.lines(log)) {
                return lines.filter(l -> l.contains(text)).count();
            }
        }

        private void scrape() {
            Optional<HttpResponse<String>> r = get("/q/metrics");
            if (r.isPresent() && r.get().statusCode() == 200) {
                started = true;
                int series = (int) r.get().body().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
                seriesIdle.compareAndSet(-1, series);
                seriesMax.accumulateAndGet(series, Math::max);
                scrapes.incrementAndGet();
            } else if (started || process.isAlive() && r.isPresent()) {
                // a process still starting has no HTTP server yet; once it answered, every miss counts
                scrapes.incrementAndGet();
                scrapeFailures.incrementAndGet();
                System.out.println("    scrape failed: " + r.map(x -> "HTTP " + x.statusCode()).orElse("no answer"));
            }
        }

        private void sampleRss() {
            long kib = status("VmRSS:");
            rssMaxKiB.accumulateAndGet(kib, Math::max);
        }

        /** A field of /proc/PID/status in KiB, or 0. */
        private long status(String field) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                    if (line.startsWith(field)) {
                        return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
                    }
                }
            } catch (IOException | RuntimeException e) {
                // exited
            }
            return 0;
        }

        Phase phase(String name, Duration creating, Duration converged, long requests, int n, TestDatabase db,
                Map<String, Double> cpuUntilReady, Duration trailing) throws IOException {
            scrape();
            if (System.getProperty("bench.extra-java-options", "").contains("NativeMemoryTracking")) {
                Path nmt = Path.of("target", "bench-nmt-" + identity + "-" + name + ".txt");
                new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(process.pid()), "VM.native_memory", "summary").redirectErrorStream(true)
                        .redirectOutput(nmt.toFile()).start().onExit().join();
                Path histogram = Path.of("target", "bench-histogram-" + identity + "-" + name + ".txt");
                new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(process.pid()), "GC.class_histogram").redirectErrorStream(true)
                        .redirectOutput(histogram.toFile()).start().onExit().join();
            }
            long hwm = Math.max(status("VmHWM:"), rssMaxKiB.get());
            long rows = db.queryLong("SELECT count(*) FROM noetl.runtime");
            long exhausted;
            try (var lines = Files.lines(log)) {
                exhausted = lines.filter(l -> l.contains("Exhausted retries")).count();
            }
            return new Phase(name, creating, converged, requests / (double) n, hwm, memory.peakKiB(cgroup),
                    scrapes.get(), scrapeFailures.get(), seriesIdle.get(), seriesMax.get(), rows, exhausted,
                    cpuUntilReady, trailing);
        }

        void stop() throws Exception {
            probes.shutdownNow();
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException(identity + " did not exit within 30 s of SIGTERM");
            }
            if (process.exitValue() == 137) {
                System.out.println("!!! " + identity + " was killed (exit 137): the memory limit?");
            }
            if (cgroup.isPresent()) {
                Files.delete(cgroup.get());
            }
        }
    }
}
