package io.noetl.lifecycle.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * One real etcd and kube-apiserver for the whole test JVM, started by kube-api-test on first use and stopped when the
 * JVM ends (its first start generates certificates and takes about 10 s, so it is shared, not made per class).
 * RBAC is on and every request is written to an audit log, so tests can count what the operator was refused.
 *
 * <p>Binaries: {@code KUBE_API_TEST_DIR} (default {@code target/kube-api-test}) holding
 * {@code k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}}. When that is empty and {@code ../shared/k8s}
 * exists (this workplace's offline copy), its {@code prepare.sh} lays the directory out; it writes only there.
 * Otherwise, with network, kube-api-test downloads the binaries itself. With neither, {@link #availability()}
 * says why and the tests that need a server are skipped with that line ({@link ApiServerCondition}).
 */
public final class ApiServer {
    /** The first Kubernetes version with CEL validation rules in CRDs ({@code x-kubernetes-validations}). */
    static final int CEL_MINOR = 25;
    private static final String OS_ARCH = "-linux-amd64";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ApiServer instance;
    private static Availability availability;

    private final KubeAPIServer server;
    private final KubernetesClient admin;
    private final String adminKubeconfig;
    private final Path auditLog;
    /** The audit log as read so far ({@link #requests()}), and how far each file was read, by file key. */
    private final List<AuditedRequest> audited = new ArrayList<>();
    private final Map<Object, Long> auditReadUpTo = new HashMap<>();
    private final Path workDir;
    private final VersionInfo version;

    /** Whether a server can be had here, and if not, why and how to enable it. */
    public record Availability(boolean available, String why) {
    }

    /** System properties through which Quarkus's per-application class loaders find the one running server. */
    private static final String KUBECONFIG_PROPERTY = "noetl.test.apiserver.kubeconfig";
    private static final String WORK_DIR_PROPERTY = "noetl.test.apiserver.dir";
    /**
     * Set to true by a caller that stops the server itself ({@link #shutdown}), after what runs on it (the sandbox:
     * its operator first, so that the operator's last calls find the server).
     */
    public static final String OWN_STOP_PROPERTY = "noetl.test.apiserver.stopped-by-caller";

    private ApiServer(KubeAPIServer server, String adminKubeconfig, Path workDir) {
        this.server = server;
        this.workDir = workDir;
        this.auditLog = workDir.resolve("audit.log");
        this.adminKubeconfig = adminKubeconfig;
        // generous timeouts: deleting a thousand objects at once takes this 2-core machine's server a while
        Config config = new io.fabric8.kubernetes.client.ConfigBuilder(Config.fromKubeconfig(adminKubeconfig))
                .withRequestTimeout(120_000).build();
        this.admin = new KubernetesClientBuilder().withConfig(config).build();
        this.version = admin.getKubernetesVersion();
    }

    /** The directory kube-api-test reads binaries from (and downloads them to, when online). */
    public static Path binaryDir() {
        String dir = System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR);
        return Path.of(dir == null || dir.isBlank() ? "target/kube-api-test" : dir).toAbsolutePath();
    }

    /** Whether the tests can have a server: local binaries (laid out from ../shared/k8s if need be), or network. */
    public static synchronized Availability availability() {
        if (availability == null) {
            availability = probe();
        }
        return availability;
    }

    private static Availability probe() {
        Path dir = binaryDir();
        if (localVersion(dir).isEmpty()) {
            Path prepare = Path.of("..", "shared", "k8s", "prepare.sh").toAbsolutePath().normalize();
            if (Files.isExecutable(prepare)) {
                run(List.of(prepare.toString(), dir.toString()));
            }
        }
        if (localVersion(dir).isPresent()) {
            return new Availability(true, "kube-apiserver " + localVersion(dir).get() + " from " + dir);
        }
        if (reachable("raw.githubusercontent.com", 443)) {
            return new Availability(true, "kube-api-test downloads the binaries into " + dir);
        }
        return new Availability(false, "no kube-apiserver binaries in " + dir + " and no network to download them: "
                + "run ../shared/k8s/prepare.sh " + dir + " (or set KUBE_API_TEST_DIR to a directory laid out as "
                + "k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}), or run with network access");
    }

    /** The newest version laid out in {@code dir}, e.g. {@code 1.20.2}. */
    private static Optional<String> localVersion(Path dir) {
        Path k8s = dir.resolve("k8s");
        if (!Files.isDirectory(k8s)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(k8s)) {
            return versions.filter(p -> p.getFileName().toString().endsWith(OS_ARCH))
                    .filter(p -> Files.isExecutable(p.resolve("kube-apiserver")) && Files.isExecutable(p.resolve("etcd")))
                    .map(p -> p.getFileName().toString().replace(OS_ARCH, ""))
                    .max(ApiServer::compareVersions);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // the probe then finds no binaries and says so
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The shared server, started on first call. Call only when {@link #availability()} says it is available. Quarkus
     * loads test classes anew for each application start, so this class's statics exist once per class loader; the
     * server itself exists once per JVM: a later loader attaches to it through system properties.
     */
    public static ApiServer get() {
        synchronized (System.getProperties()) {
            if (instance == null) {
                String kubeconfig = System.getProperty(KUBECONFIG_PROPERTY);
                if (kubeconfig != null) {
                    instance = new ApiServer(null, kubeconfig, Path.of(System.getProperty(WORK_DIR_PROPERTY)));
                } else {
                    Availability a = availability();
                    if (!a.available()) {
                        throw new IllegalStateException(a.why());
                    }
                    instance = start();
                    System.setProperty(KUBECONFIG_PROPERTY, instance.adminKubeconfig);
                    System.setProperty(WORK_DIR_PROPERTY, instance.workDir.toString());
                    ApiServer owner = instance;
                    if (!Boolean.getBoolean(OWN_STOP_PROPERTY)) {
                        Runtime.getRuntime().addShutdownHook(new Thread(owner::stop, "kube-api-test-stop"));
                    }
                }
            }
            return instance;
        }
    }

    private static ApiServer start() {
        try {
            Path dir = binaryDir();
            Files.createDirectories(dir);
            Path work = Files.createTempDirectory("noetl-apiserver");
            Path policy = work.resolve("audit-policy.yaml");
            // every request of a service account, with its verb, object and response code; nothing else
            Files.writeString(policy, """
                    apiVersion: audit.k8s.io/v1
                    kind: Policy
                    omitStages: ["RequestReceived", "ResponseStarted"]
                    rules:
                      - level: Metadata
                        userGroups: ["system:serviceaccounts"]
                      - level: None
                    """);
            Path audit = work.resolve("audit.log"); // where the constructor looks for it
            KubeAPIServerConfigBuilder config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                    .withTestDir(dir.toString())
                    .withUpdateKubeConfig(false)
                    .withApiServerFlag("--audit-policy-file", policy.toString())
                    .withApiServerFlag("--audit-log-path", audit.toString())
                    .withApiServerFlag("--audit-log-mode", "blocking");
            Optional<String> local = localVersion(dir);
            local.ifPresent(v -> config.withOfflineMode(true).withApiServerVersion(v));
            KubeAPIServer server = new KubeAPIServer(config.build());
            server.start();
            ApiServer api = new ApiServer(server, server.getKubeConfigYaml(), work);
            System.err.println("[api-server] kube-apiserver " + api.version.getGitVersion() + " (etcd, RBAC, audit log "
                    + audit + ")");
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (kube-apiserver, etcd) of a caller that set {@link #OWN_STOP_PROPERTY}. */
    public void shutdown() {
        stop();
    }

    private void stop() {
        admin.close();
        if (server != null) {
            server.stop();
        }
        // the audit log and the kubeconfigs handed out: nothing is left in the temporary directory after the JVM
        try (var paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("[apiserver] could not remove " + workDir + ": " + e);
        }
    }

    /** A client with cluster-admin rights, for the tests' own set-up and checks. */
    public KubernetesClient admin() {
        return admin;
    }

    public String adminKubeconfig() {
        return adminKubeconfig;
    }

    public int minorVersion() {
        return Integer.parseInt(version.getMinor().replaceAll("\\D.*", ""));
    }

    public boolean supportsCel() {
        return minorVersion() >= CEL_MINOR;
    }

    public Path workDir() {
        return workDir;
    }

    /**
     * Installs (or replaces) the CRDs from the top-level {@code crds/} as committed. A server older than 1.25 has no
     * CEL: there the {@code x-kubernetes-validations} rules are taken out first, as the README says an installer on
     * such a server must (the operator enforces each of them itself as InvalidSpec).
     */
    public synchronized void installCrds() {
        for (CustomResourceDefinition crd : crds(supportsCel())) {
            admin.resource(crd).forceConflicts().serverSideApply();
        }
        for (CustomResourceDefinition crd : crds(true)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                CustomResourceDefinition c = admin.apiextensions().v1().customResourceDefinitions()
                        .withName(crd.getMetadata().getName()).get();
                return c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
                        .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus()));
            });
        }
    }

    /** The committed CRDs, with or without their CEL rules. */
    public static List<CustomResourceDefinition> crds(boolean withCel) {
        List<CustomResourceDefinition> crds = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("crds"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith("-v1.yml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    CustomResourceDefinition crd = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(in,
                            CustomResourceDefinition.class);
                    if (!withCel) {
                        crd.getSpec().getVersions().forEach(v -> stripCel(v.getSchema().getOpenAPIV3Schema()));
                    }
                    crds.add(crd);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return crds;
    }

    /** Removes {@code x-kubernetes-validations} everywhere in a schema; returns how many rules it removed. */
    public static int stripCel(JSONSchemaProps schema) {
        if (schema == null) {
            return 0;
        }
        int removed = schema.getXKubernetesValidations() == null ? 0 : schema.getXKubernetesValidations().size();
        schema.setXKubernetesValidations(null);
        if (schema.getProperties() != null) {
            for (JSONSchemaProps p : schema.getProperties().values()) {
                removed += stripCel(p);
            }
        }
        if (schema.getItems() != null) {
            removed += stripCel(schema.getItems().getSchema());
        }
        if (schema.getAdditionalProperties() != null) {
            removed += stripCel(schema.getAdditionalProperties().getSchema());
        }
        return removed;
    }

    /** A fresh namespace (a deleted one stays Terminating here: there is no namespace controller). */
    public String freshNamespace(String prefix) {
        String name = prefix + "-" + Long.toHexString(System.nanoTime() & 0xffffffL);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
        return name;
    }

    /**
     * The operator's identity in {@code namespace}, as {@code deploy/} makes it: its ServiceAccount, the Role of
     * {@code deploy/role.yaml} and its RoleBinding, and nothing more. Returns a kubeconfig that authenticates with a
     * token of that ServiceAccount (TokenRequest) and names {@code namespace} as the context's namespace.
     */
    public OperatorIdentity operatorIdentity(String namespace) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String file : List.of("service-account.yaml", "role.yaml", "role-binding.yaml")) {
            try (InputStream in = Files.newInputStream(Path.of("deploy", file))) {
                objects.addAll(admin.load(in).items());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String account = null;
        for (HasMetadata o : objects) {
            o.getMetadata().setNamespace(namespace);
            if (o instanceof RoleBinding binding) {
                for (Subject s : binding.getSubjects()) {
                    s.setNamespace(namespace);
                }
            }
            if ("ServiceAccount".equals(o.getKind())) {
                account = o.getMetadata().getName();
            }
            admin.resource(o).create();
        }
        String serviceAccount = account;
        String token = Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
                        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L)
                                .endSpec().build())
                        .getStatus().getToken(), t -> t != null && !t.isBlank());
        Config adminConfig = Config.fromKubeconfig(adminKubeconfig);
        String ca = adminConfig.getCaCertData() != null ? adminConfig.getCaCertData()
                : base64(adminConfig.getCaCertFile());
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: test
                    cluster:
                      server: %s
                      certificate-authority-data: %s
                users:
                  - name: operator
                    user:
                      token: %s
                contexts:
                  - name: operator
                    context:
                      cluster: test
                      user: operator
                      namespace: %s
                current-context: operator
                """.formatted(adminConfig.getMasterUrl(), ca, token, namespace);
        try {
            Path file = Files.createTempFile(workDir, "operator-" + namespace, ".kubeconfig");
            Files.writeString(file, kubeconfig);
            return new OperatorIdentity(namespace, "system:serviceaccount:" + namespace + ":" + serviceAccount, file,
                    kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String base64(String file) {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The operator as a ServiceAccount in a namespace, and the kubeconfig it runs with. */
    public record OperatorIdentity(String namespace, String user, Path kubeconfigFile, String kubeconfig) {
        /** A client with exactly the operator's rights. */
        public KubernetesClient client() {
            return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
        }
    }

    /** One request as the audit log recorded it. */
    public record AuditedRequest(String user, String verb, String apiGroup, String resource, String subresource,
            String namespace, String name, int code, String uri) {
        /** {@code resource[/subresource]} in {@code group}, as a Role names it. */
        public String target() {
            return (apiGroup == null || apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource
                    + (subresource == null ? "" : "/" + subresource);
        }
    }

    /**
     * Every request the audit log holds so far: those of service accounts, which is what operators run as. The server
     * rotates the log at 100 MB (its default {@code --audit-log-maxsize}) into {@code audit-<time>.log}; those are
     * read first, oldest first, so a long run (the benchmark's 10,000 components) loses nothing. Each call reads only
     * what was written since the last: each file is followed by its file key (a rotated file keeps it), up to its last
     * complete line.
     */
    public synchronized List<AuditedRequest> requests() {
        for (Path file : auditFiles()) {
            try {
                Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
                Object id = key == null ? file.toString() : key;
                long from = auditReadUpTo.getOrDefault(id, 0L);
                if (Files.size(file) <= from) {
                    continue;
                }
                byte[] fresh;
                try (FileChannel channel = FileChannel.open(file)) {
                    channel.position(from);
                    fresh = Channels.newInputStream(channel).readAllBytes();
                }
                int complete = 0;
                for (int i = 0; i < fresh.length; i++) {
                    if (fresh[i] == '\n') {
                        audit(new String(fresh, complete, i - complete, StandardCharsets.UTF_8));
                        complete = i + 1;
                    }
                }
                auditReadUpTo.put(id, from + complete); // a line still being written is read whole next time
            } catch (NoSuchFileException rotatedAway) {
                // renamed between the listing and the read: it is among the backups on the next read
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(audited);
    }

    private void audit(String line) {
        JsonNode e;
        try {
            e = JSON.readTree(line);
        } catch (IOException notJson) {
            return; // the server writes one JSON object per line; anything else is not a request
        }
        JsonNode o = e.path("objectRef");
        audited.add(new AuditedRequest(e.path("user").path("username").asText(), e.path("verb").asText(),
                text(o, "apiGroup"), text(o, "resource"), text(o, "subresource"), text(o, "namespace"),
                text(o, "name"), e.path("responseStatus").path("code").asInt(0), e.path("requestURI").asText()));
    }

    /** The rotated backups of the audit log, oldest first (their names carry the time), then the current one. */
    private List<Path> auditFiles() {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> all = Files.list(workDir)) {
            all.filter(f -> f.getFileName().toString().matches("audit-.+\\.log")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (Files.exists(auditLog)) {
            files.add(auditLog);
        }
        return files;
    }

    /** The requests of {@code user} so far. */
    public List<AuditedRequest> requestsOf(String user) {
        return requests().stream().filter(r -> r.user().equals(user)).toList();
    }

    /** Every request the server refused with 403 Forbidden so far, whoever made it. */
    public List<AuditedRequest> forbidden() {
        return requests().stream().filter(r -> r.code() == 403).toList();
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
