package io.noetl.lifecycle.bench;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.KubeFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark, not a test: what one write costs the real API server (the tests' kube-apiserver 1.20 with etcd), in
 * CPU milliseconds of the kube-apiserver and etcd processes per write: a RuntimeComponent status written as the
 * operator writes it (server-side apply of {@code status} only), the same as a JSON merge patch, and an Event create.
 * N resources, 50 threads, each kind twice (the second round has a warm server). Run:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) io.noetl.lifecycle.bench.ApiWriteCostBenchmark 3000}.
 */
public final class ApiWriteCostBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        ApiServer server = ApiServer.get();
        server.installCrds();
        String ns = server.freshNamespace("cost");
        KubernetesClient admin = server.admin();
        ExecutorService threads = Executors.newFixedThreadPool(50);
        try (KubernetesClient operator = server.operatorIdentity(ns).client()) {
            List<Future<RuntimeComponent>> created = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RuntimeComponent rc = new RuntimeComponent();
                rc.setMetadata(new ObjectMetaBuilder().withName("w-" + i).withNamespace(ns).build());
                RuntimeComponentSpec spec = new RuntimeComponentSpec();
                spec.setDatabase(KubeFixtures.databaseRef("registry-db"));
                spec.setComponentType("worker_pool");
                rc.setSpec(spec);
                created.add(threads.submit(() -> admin.resource(rc).create()));
            }
            List<RuntimeComponent> resources = new ArrayList<>();
            for (Future<RuntimeComponent> f : created) {
                resources.add(f.get());
            }
            for (String mode : List.of("status-apply", "status-merge", "event", "status-apply", "status-merge",
                    "event")) {
                Map<String, Double> before = RuntimeRegistrationBenchmark.Cpu.now(-1);
                long t0 = System.nanoTime();
                String stamp = Long.toString(t0);
                List<Future<?>> writes = new ArrayList<>();
                for (RuntimeComponent rc : resources) {
                    writes.add(threads.submit(() -> write(operator, ns, rc, mode, stamp)));
                }
                for (Future<?> f : writes) {
                    f.get();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                Map<String, Double> used = RuntimeRegistrationBenchmark.Cpu.since(before, -1);
                System.out.printf("%-13s %d in %.1f s (%.0f/s); CPU ms per write: kube-apiserver %.2f, etcd %.2f%n", mode,
                        n, seconds, n / seconds, used.getOrDefault("kube-apiserver", 0.0) * 1000 / n,
                        used.getOrDefault("etcd", 0.0) * 1000 / n);
            }
        } finally {
            threads.shutdown();
        }
        System.exit(0);
    }

    private static Void write(KubernetesClient client, String ns, RuntimeComponent rc, String mode, String stamp) {
        String name = rc.getMetadata().getName();
        if (mode.equals("event")) {
            client.v1().events().inNamespace(ns).resource(new EventBuilder().withNewMetadata()
                    .withName(name + "." + stamp).withNamespace(ns).endMetadata()
                    .withNewInvolvedObject().withApiVersion(rc.getApiVersion()).withKind(rc.getKind()).withName(name)
                    .withNamespace(ns).withUid(rc.getMetadata().getUid()).endInvolvedObject()
                    .withType("Normal").withReason("Registered").withMessage("worker_pool/" + name
                            + " registered as runtime_id " + stamp)
                    .withCount(1).build()).create();
            return null;
        }
        // the shape of a registered component's status
        String status = """
                {"apiVersion":"lifecycle.noetl.io/v1alpha1","kind":"RuntimeComponent",
                 "metadata":{"name":"%1$s","namespace":"%2$s"},
                 "status":{"observedGeneration":1,"runtimeId":"%3$s","registered":true,"phase":"Registered",
                  "registryKey":"worker_pool/%1$s","lastHeartbeat":"2026-12-02T03:00:00Z","heartbeatAge":"0s",
                  "conditions":[
                   {"type":"Ready","status":"True","reason":"Registered","observedGeneration":1,
                    "message":"worker_pool/%1$s is registered as runtime_id %3$s","lastTransitionTime":"2026-12-02T03:00:00Z"},
                   {"type":"Degraded","status":"False","reason":"AsExpected","observedGeneration":1,
                    "message":"nothing needs attention","lastTransitionTime":"2026-12-02T03:00:00Z"}]}}
                """.formatted(name, ns, stamp);
        var resource = client.resources(RuntimeComponent.class).inNamespace(ns).withName(name).subresource("status");
        if (mode.equals("status-apply")) {
            resource.patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                    .withFieldManager("runtimecomponent").withForce(true).build(), status);
        } else {
            resource.patch(PatchContext.of(PatchType.JSON_MERGE), status);
        }
        return null;
    }

    private ApiWriteCostBenchmark() {
    }
}
