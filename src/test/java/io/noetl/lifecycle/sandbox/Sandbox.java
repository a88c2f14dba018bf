package io.noetl.lifecycle.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.DeclaredResources;
import io.noetl.lifecycle.support.EmbeddedPostgres;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.MetricShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The operator running in a local sandbox, for a machine with only a JDK (README, "The two commands"): a real
 * kube-apiserver and etcd (kube-api-test, as the tests start them), an embedded PostgreSQL ({@link EmbeddedPostgres})
 * holding NoETL's live DDL ({@code src/test/resources/noetl/live-schema.sql}) and the event table the
 * EventPartitionPlan sample expects, the CRDs, the operator's ServiceAccount and Role of {@code deploy/}, the files of
 * {@code config/samples/} (its {@code kustomization.yaml}'s list, server-side applied in namespace
 * {@value #NAMESPACE}; {@code secret.yaml} pointed at the embedded database), and the packaged operator
 * ({@code target/quarkus-app/quarkus-run.jar}) as a child process with the ServiceAccount's kubeconfig. It prints an
 * admin kubeconfig and the commands to look, waits for the three samples to be Ready, and runs until Ctrl-C, which
 * stops the operator, the API server, etcd and PostgreSQL and removes their directories.
 *
 * <p>It never touches a real cluster: it starts its own API server. When a kube context is set ({@code KUBECONFIG}
 * or {@code ~/.kube/config}) it does not start unless asked ({@code -Dsandbox=true}); instead it runs the packaged
 * operator against that context, as {@code ./mvnw quarkus:dev} does where dev mode resolves.
 *
 * <p>{@code -Dsandbox.exit-when-ready=true} stops it as soon as the samples are Ready (its test, {@code SandboxIT}).
 */
public final class Sandbox {
    static final String NAMESPACE = "noetl-lifecycle";
    static final String READY_LINE = "[sandbox] all three samples are Ready";
    private static final Path SAMPLES = Path.of("config/samples");
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    private Sandbox() {
    }

    public static void main(String[] args) throws Exception {
        if (!Files.isRegularFile(JAR)) {
            fail(JAR + " is missing: build it first (./mvnw -B package -DskipTests)");
        }
        Optional<String> context = kubeContext();
        if (context.isPresent() && !Boolean.getBoolean("sandbox")) {
            System.out.println("[sandbox] a kube context is set (" + context.get() + "): running the operator "
                    + "against it, not a sandbox (-Dsandbox=true starts the sandbox anyway; it never touches that "
                    + "cluster). The CRDs must be installed there: kubectl apply --server-side -f crds/");
            Process operator = new ProcessBuilder(java(), "-jar", JAR.toString()).inheritIO().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(operator), "operator-stop"));
            System.exit(operator.waitFor());
        }
        new Sandbox().run();
    }

    private static void fail(String message) {
        System.err.println("[sandbox] " + message);
        System.exit(2);
    }

    /** The kube context this machine's kubectl would use, if any. */
    static Optional<String> kubeContext() {
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
            return Optional.of("KUBECONFIG=" + env);
        }
        Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
        return Files.isRegularFile(home) ? Optional.of(home.toString()) : Optional.empty();
    }

    private void run() throws Exception {
        long started = System.nanoTime();
        Path dir = Path.of("target", "sandbox").toAbsolutePath();
        Files.createDirectories(dir);
        CountDownLatch stopped = new CountDownLatch(1);
        List<AutoCloseable> toStop = new ArrayList<>();
        // one hook, in reverse order of start: the operator first (PostgreSQL and the API server start side by side)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[sandbox] stopping");
            List<AutoCloseable> running;
            synchronized (toStop) {
                running = new ArrayList<>(toStop);
            }
            for (int i = running.size() - 1; i >= 0; i--) {
                try {
                    running.get(i).close();
                } catch (Exception e) {
                    System.err.println("[sandbox] stopping: " + e);
                }
            }
            stopped.countDown();
        }, "sandbox-stop"));

        // PostgreSQL starts beside the API server: neither waits for the other until the Secret is written
        CompletableFuture<EmbeddedPostgres> database = CompletableFuture.supplyAsync(() -> startDatabase(toStop));

        System.setProperty(ApiServer.OWN_STOP_PROPERTY, "true");
        ApiServer server = ApiServer.get();
        synchronized (toStop) {
            toStop.add(server::shutdown);
        }
        server.installCrds();
        KubernetesClient admin = server.admin();
        KubeFixtures.namespace(admin, NAMESPACE);
        ApiServer.OperatorIdentity identity = server.operatorIdentity(NAMESPACE);
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, server.adminKubeconfig());

        EmbeddedPostgres postgres = joined(database);
        String url = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/noetl";
        KubeFixtures.secret(admin, NAMESPACE, "noetl-db", url, "postgres", "");
        Map<String, String> docs = new LinkedHashMap<>();
        for (String file : samples()) {
            docs.put(file, Files.readString(SAMPLES.resolve(file)));
        }
        Map<String, GenericKubernetesResource> applied = DeclaredResources.apply(admin, NAMESPACE, docs);

        Path log = dir.resolve("operator.log");
        ProcessBuilder operatorProcess = new ProcessBuilder(java(), "-Xmx256m", "-Dquarkus.http.port=0", "-jar",
                JAR.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        // the operator runs with the ServiceAccount's kubeconfig (deploy/role.yaml's rights), as deployed
        operatorProcess.environment().put("KUBECONFIG", identity.kubeconfigFile().toString());
        Process operator = operatorProcess.start();
        synchronized (toStop) {
            toStop.add(() -> stop(operator));
        }
        String kubectl = kubectl().map(Path::toString).orElse("kubectl");
        System.out.println("""
                [sandbox] kube-apiserver v1.%d, namespace %s: the CRDs, deploy/'s ServiceAccount and Role, and \
                config/samples/ (%s; secret.yaml pointed at the embedded database)
                [sandbox] the operator: java -jar %s (log: %s)
                [sandbox] look:
                  export KUBECONFIG=%s
                  %s get mrp,epp,rtc -n %s
                  %s describe mrp noetl-metrics -n %s
                  java -jar %s plan -f config/samples/metricretentionpolicy.yaml --database-url %s --username postgres
                [sandbox] Ctrl-C stops everything.""".formatted(server.minorVersion(), NAMESPACE, String.join(", ",
                docs.keySet()), JAR, log, kubeconfig, kubectl, NAMESPACE, kubectl, NAMESPACE, JAR, url));

        awaitReady(admin, applied.values(), Duration.ofMinutes(3), operator, log);
        System.out.printf("%s after %d s%n", READY_LINE, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        if (Boolean.getBoolean("sandbox.exit-when-ready")) {
            System.exit(0);
        }
        stopped.await();
    }

    private static EmbeddedPostgres startDatabase(List<AutoCloseable> toStop) {
        EmbeddedPostgres postgres = EmbeddedPostgres.start();
        synchronized (toStop) {
            toStop.add(postgres);
        }
        try {
            loadDatabase(postgres);
        } catch (SQLException e) {
            throw new CompletionException(e);
        }
        System.out.println("[sandbox] PostgreSQL " + postgres.version() + " (embedded) on 127.0.0.1:" + postgres.port()
                + ", database noetl: NoETL's live DDL (noetl.runtime, noetl.metric) and noetl.event");
        return postgres;
    }

    /** The started database, or its start's own exception rather than the future's wrapper. */
    private static EmbeddedPostgres joined(CompletableFuture<EmbeddedPostgres> database) throws Exception {
        try {
            return database.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static void loadDatabase(EmbeddedPostgres postgres) throws SQLException {
        String base = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/";
        try (Connection c = DriverManager.getConnection(base + "postgres", "postgres", "")) {
            c.createStatement().execute("CREATE DATABASE noetl");
        }
        try (Connection c = DriverManager.getConnection(base + "noetl", "postgres", "")) {
            MetricShape.loadLive(c);
            // eventpartitionplan.yaml expects noetl.event (bootstrap: Never); NoETL's event DDL is not in the
            // fixture, so the seed's shape stands in, as in SamplesOnLiveTableTest
            SeedSchema.ensureEventTable(c, new TableName("noetl", "event"), "event_default", SnowflakeLayout.NOETL);
        }
    }

    /** The files of config/samples/kustomization.yaml but secret.yaml. */
    static List<String> samples() throws IOException {
        List<String> files = new ArrayList<>();
        for (String line : Files.readAllLines(SAMPLES.resolve("kustomization.yaml"))) {
            String item = line.strip();
            if (item.startsWith("- ") && item.contains(".yaml")) {
                String file = item.substring(2).split("\\s")[0];
                if (!file.equals("secret.yaml")) {
                    files.add(file);
                }
            }
        }
        return files;
    }

    private static void awaitReady(KubernetesClient admin, Iterable<GenericKubernetesResource> resources,
            Duration within, Process operator, Path log) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> notReady = new ArrayList<>();
            for (GenericKubernetesResource r : resources) {
                String ready = readyOf(DeclaredResources.current(admin, r));
                if (!ready.startsWith("True")) {
                    notReady.add(r.getKind() + "/" + r.getMetadata().getName() + ": " + ready);
                }
            }
            if (notReady.isEmpty()) {
                return;
            }
            if (!operator.isAlive()) {
                throw new IllegalStateException("the operator exited (" + operator.exitValue() + "); see " + log);
            }
            if (System.nanoTime() > nextReport) {
                System.out.println("[sandbox] waiting for " + notReady);
                nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not Ready within " + within + ": " + notReady + "; see " + log);
            }
            Thread.sleep(500);
        }
    }

    @SuppressWarnings("unchecked")
    private static String readyOf(GenericKubernetesResource r) {
        Object status = r == null ? null : r.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> conditions)) {
            return "no status yet";
        }
        for (Object o : conditions) {
            Map<String, Object> c = (Map<String, Object>) o;
            if ("Ready".equals(c.get("type"))) {
                return c.get("status") + " " + c.get("reason") + ": " + c.get("message");
            }
        }
        return "no Ready condition yet";
    }

    private static Optional<Path> kubectl() {
        try (Stream<Path> files = Files.walk(ApiServer.binaryDir())) {
            return files.filter(p -> p.getFileName().toString().equals("kubectl") && Files.isExecutable(p))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** SIGTERM (the operator's graceful shutdown), then after 15 s SIGKILL. */
    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
