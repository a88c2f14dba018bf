package io.noetl.lifecycle.reconcile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.DeclaredResources;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator never writes spec. On a real API server with server-side apply on (the framework's default, and how
 * Flux and Argo CD apply), resources applied from YAML with every optional field set to a non-default value keep their
 * spec through several reconciles: same spec, generation 1, no {@code f:spec} owned by the operator. The same is
 * checked across an operator restart by {@code OperatorProcessIT}, with real operator processes.
 */
@QuarkusTest
@WithApiServer("owner")
class SpecOwnershipTest {
    private static TestDatabase db;

    ApiServerContext kube;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("owner_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void reconcilesNeverChangeTheSpecTheUserApplied() {
        TestClockProducer.CLOCK.set(Instant.parse("2026-11-21T10:00:00Z"));
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "owner-db", db);
        Map<String, String> docs = new LinkedHashMap<>(DeclaredResources.declared("owner-db"));
        docs.putAll(DeclaredResources.live("owner-db"));
        Map<String, GenericKubernetesResource> baseline = DeclaredResources.apply(kube.admin(), kube.namespace(), docs);

        // several reconciles of each: move the clock and touch the Secret they all name (each change wakes them).
        // A valid partition policy's status changes each time (its next maintenance moves with the clock): wait until
        // the operator has written it once per round. An invalid one's, or a RuntimeComponent's, need not change.
        for (int round = 1; round <= 3; round++) {
            TestClockProducer.CLOCK.advance(Duration.ofMinutes(2));
            touchSecret(round);
            int rounds = round;
            Awaitility.await().atMost(KubeFixtures.WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                List<ApiServer.AuditedRequest> requests = kube.server().requestsOf(kube.operator().user());
                for (GenericKubernetesResource r : baseline.values()) {
                    long writes = statusWrites(requests, r);
                    boolean changesEachPass = !"RuntimeComponent".equals(r.getKind())
                            && !r.getMetadata().getName().contains("bad");
                    long expected = changesEachPass ? rounds : 1;
                    assertTrue(writes >= expected, r.getMetadata().getName() + ": " + writes
                            + " status writes, waiting for " + expected);
                }
            });
        }
        DeclaredResources.assertUntouched(kube.admin(), baseline);
    }

    /** The operator's status writes of {@code r} among {@code requests} (the API server's audit log, read once). */
    private static long statusWrites(List<ApiServer.AuditedRequest> requests, GenericKubernetesResource r) {
        return requests.stream()
                .filter(q -> "status".equals(q.subresource()) && r.getMetadata().getName().equals(q.name())
                        && q.code() == 200 && ("patch".equals(q.verb()) || "update".equals(q.verb())))
                .count();
    }

    private void touchSecret(int round) {
        Secret s = kube.admin().secrets().inNamespace(kube.namespace()).withName("owner-db").get();
        kube.admin().resource(new SecretBuilder(s).editMetadata().addToAnnotations("test/round", "" + round)
                .endMetadata().build()).update();
    }
}
