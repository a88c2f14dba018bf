package io.noetl.lifecycle.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.DeletionPolicy;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.report.Conditions;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Many RuntimeComponents created at once all converge: rows present, status written. */
@QuarkusTest
@WithApiServer("rtc-scale")
class RuntimeComponentScaleTest {
    private static final int COMPONENTS = 1_000;
    private static TestDatabase db;

    ApiServerContext kube;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("rtc_scale");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void aThousandComponentsCreatedAtOnceAllRegister() throws Exception {
        TestClockProducer.CLOCK.set(Instant.parse("2026-11-21T10:00:00Z"));
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "registry-db", db);
        long started = System.nanoTime();
        ExecutorService creators = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> created = IntStream.range(0, COMPONENTS).<Future<?>>mapToObj(i -> creators.submit(() -> {
                RuntimeComponent rc = new RuntimeComponent();
                rc.setMetadata(new ObjectMetaBuilder().withName(String.format("worker-%04d", i)).withNamespace(kube.namespace())
                        .build());
                RuntimeComponentSpec spec = new RuntimeComponentSpec();
                spec.setDatabase(KubeFixtures.databaseRef("registry-db"));
                spec.setComponentType(i % 10 == 0 ? "server_api" : "worker_pool");
                spec.setBaseUrl("http://worker-" + i + ".noetl:8080");
                spec.setLabels(Map.of("pool", "pool-" + (i % 7)));
                spec.setCapacity(i % 16);
                spec.setBootstrap(Bootstrap.IfMissing);
                spec.setDeletionPolicy(DeletionPolicy.Retain);
                rc.setSpec(spec);
                kube.admin().resource(rc).create();
            })).toList();
            for (Future<?> f : created) {
                f.get();
            }
        } finally {
            creators.shutdown();
        }
        long createdAt = System.nanoTime();

        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> kube.admin()
                .resources(RuntimeComponent.class).inNamespace(kube.namespace()).list().getItems().stream()
                .filter(rc -> rc.getStatus() != null && rc.getStatus().condition(Conditions.READY)
                        .map(c -> "Registered".equals(c.getReason())).orElse(false))
                .count() == COMPONENTS);
        long converged = System.nanoTime();
        System.out.printf("%d RuntimeComponents: created in %d ms, all registered %d ms after the first create%n",
                COMPONENTS, (createdAt - started) / 1_000_000, (converged - started) / 1_000_000);

        assertEquals(COMPONENTS, db.queryLong("SELECT count(*) FROM noetl.runtime"));
        Set<String> statusIds = kube.admin().resources(RuntimeComponent.class).inNamespace(kube.namespace()).list().getItems().stream()
                .map(rc -> rc.getStatus().getRuntimeId()).collect(Collectors.toSet());
        Set<String> rowIds = db.queryStrings("SELECT runtime_id FROM noetl.runtime").stream()
                .collect(Collectors.toSet());
        assertEquals(rowIds, statusIds);
        assertEquals(COMPONENTS / 10, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE kind = "
                + "'server_api'"));

        KubeFixtures.deleteAll(kube.admin(), RuntimeComponent.class, kube.namespace());
    }
}
