package io.noetl.lifecycle.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.DatabaseRef;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.DeclaredResources;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A failure the operator does not foresee (a RuntimeException inside the reconcile) is left on the resource as
 * {@code UnexpectedError} by {@code updateErrorStatus}, retried by the framework's retry with nothing changed on
 * the resource, and cleared by the first pass that works; the user's spec stays as applied. Real kube-apiserver,
 * the operator as deploy/ runs it, real PostgreSQL. One stand-in: the failure is injected by a test alternative of
 * {@link TargetResolver}, because no input the operator accepts should make it throw (that is what the subject
 * is for).
 */
@QuarkusTest
@TestProfile(UnexpectedFailureTest.Failing.class)
@WithApiServer("unexpected")
class UnexpectedFailureTest {
    static final AtomicBoolean FAIL = new AtomicBoolean();
    static final AtomicInteger ATTEMPTS = new AtomicInteger();
    private static TestDatabase db;

    ApiServerContext kube;

    public static class Failing implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FailingTargets.class);
        }
    }

    /** Throws, while {@link #FAIL} is set, what no foreseen failure throws; with a password in its message. */
    @Alternative
    @Singleton
    public static class FailingTargets extends TargetResolver {
        public FailingTargets(OperatorConfig config) {
            super(config);
        }

        @Override
        public DatabaseTarget resolve(HasMetadata resource, DatabaseRef ref,
                Function<String, Optional<Secret>> secrets) throws ReconcileException {
            if (FAIL.get()) {
                ATTEMPTS.incrementAndGet();
                throw new IllegalStateException("injected by the test near postgresql://app:hunter2@db:5432/noetl");
            }
            return super.resolve(resource, ref, secrets);
        }
    }

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("unexpected_it");
    }

    @AfterAll
    static void dropDatabase() {
        FAIL.set(false);
        db.close();
    }

    @Test
    void anUnforeseenFailureIsLeftOnTheResourceRetriedAndClearedByTheFirstPassThatWorks() {
        TestClockProducer.CLOCK.set(Instant.parse("2026-11-21T10:00:00Z"));
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "unexpected-db", db);
        FAIL.set(true);
        Map<String, GenericKubernetesResource> applied = DeclaredResources.apply(kube.admin(), kube.namespace(),
                Map.of("MetricRetentionPolicy/flaky", """
                        apiVersion: lifecycle.noetl.io/v1alpha1
                        kind: MetricRetentionPolicy
                        metadata:
                          name: flaky
                        spec:
                          database:
                            secretRef:
                              name: unexpected-db
                          bootstrap: IfMissing
                          retention: 3d
                        """));

        MetricRetentionPolicy failed = KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(),
                "flaky", MetricRetentionPolicy::getStatus, s -> KubeFixtures.condition("Ready", "False",
                        "UnexpectedError").test(s) && KubeFixtures.condition("Degraded", "True", "UnexpectedError")
                        .test(s));
        String message = failed.getStatus().condition("Ready").orElseThrow().getMessage();
        assertTrue(message.contains("IllegalStateException: injected by the test"), message);
        assertFalse(message.contains("hunter2"), "the password in the exception's message is masked: " + message);
        assertTrue(kube.admin().v1().events().inNamespace(kube.namespace()).list().getItems().stream()
                .anyMatch(e -> "UnexpectedError".equals(e.getReason()) && "flaky".equals(e.getInvolvedObject()
                        .getName()) && "Warning".equals(e.getType())), "a Warning Event says so");

        // the framework retries with its backoff (2s, 2s, 4s ... here), with no change to the resource
        int seen = ATTEMPTS.get();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ATTEMPTS.get() >= seen + 2);

        FAIL.set(false);
        KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), "flaky",
                MetricRetentionPolicy::getStatus, s -> KubeFixtures.condition("Ready", "True", "Maintained").test(s)
                        && KubeFixtures.condition("Degraded", "False", "AsExpected").test(s));
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'metric'"));
        // the error status was written as status only: the spec is as applied, generation 1, no f:spec of ours
        DeclaredResources.assertUntouched(kube.admin(), applied);
    }
}
