package io.noetl.lifecycle.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.noetl.lifecycle.api.DatabaseRef;
import io.noetl.lifecycle.api.LifecycleSpec;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.SecretRef;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** Small helpers for tests that talk to a Kubernetes API server. */
public final class KubeFixtures {

    /** The Events in {@code namespace} about the object named {@code name}, of reason {@code reason}, as listed now. */
    public static List<io.fabric8.kubernetes.api.model.Event> eventsAbout(KubernetesClient client, String namespace,
            String name, String reason) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()) && name.equals(e.getInvolvedObject().getName())).toList();
    }

    /**
     * Writes {@code resource}'s spec with an update (a PUT of the whole object, as {@code kubectl replace} and
     * fabric8's {@code update()} send), and when the operator's status write came between the read and the write (409
     * Conflict), writes the same spec again onto the latest version, as client-go's {@code RetryOnConflict} does.
     */
    public static <S, T extends CustomResource<S, ?>> T updateSpec(KubernetesClient client, T resource) {
        T current = resource;
        for (int attempt = 1;; attempt++) {
            try {
                return client.resource(current).update();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 10) {
                    throw e;
                }
                T latest = client.resource(current).get();
                latest.setSpec(resource.getSpec());
                current = latest;
            }
        }
    }
    public static final Duration WAIT = Duration.ofSeconds(30);

    private KubeFixtures() {
    }

    public static void namespace(KubernetesClient client, String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .createOr(n -> n.update());
    }

    public static void secret(KubernetesClient client, String namespace, String name, String url, String user,
            String password) {
        Secret secret = new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStringData(Map.of("url", url, "username", user, "password", password)).build();
        client.secrets().inNamespace(namespace).resource(secret).createOr(s -> s.update());
    }

    /** The namespace, and in it the Secret {@code name} that points at {@code db}. */
    public static void databaseSecret(KubernetesClient client, String namespace, String name, TestDatabase db) {
        namespace(client, namespace);
        secret(client, namespace, name, db.url(), TestDatabase.USER, TestDatabase.PASSWORD);
    }

    /**
     * Creates or replaces {@code resource} as {@code namespace/name} with {@code spec} (a new spec object: every field
     * at the classes' defaults, all of them written) pointed at the Secret {@code secretName}, after
     * {@code customize} has changed what the test needs.
     */
    public static <S extends LifecycleSpec, T extends CustomResource<S, ?>> T apply(KubernetesClient client,
            T resource, S spec, String namespace, String name, String secretName, Consumer<S> customize) {
        resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        spec.setDatabase(databaseRef(secretName));
        customize.accept(spec);
        resource.setSpec(spec);
        // the operator patches the resource's status and finalizer meanwhile: an update that loses that race (409) is
        // sent again, as kubectl apply would be
        for (int attempt = 1;; attempt++) {
            try {
                return client.resource(resource).createOr(r -> r.update());
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /**
     * A worker_pool RuntimeComponent {@code name} in {@code namespace}, its database the Secret {@code secretName},
     * changed by {@code customize}, created or updated.
     */
    public static io.noetl.lifecycle.api.RuntimeComponent component(KubernetesClient client, String namespace,
            String name, String secretName, Consumer<io.noetl.lifecycle.api.RuntimeComponentSpec> customize) {
        io.noetl.lifecycle.api.RuntimeComponent rc = new io.noetl.lifecycle.api.RuntimeComponent();
        rc.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        io.noetl.lifecycle.api.RuntimeComponentSpec spec = new io.noetl.lifecycle.api.RuntimeComponentSpec();
        spec.setDatabase(databaseRef(secretName));
        spec.setComponentType("worker_pool");
        customize.accept(spec);
        rc.setSpec(spec);
        return client.resource(rc).createOr(r -> r.update());
    }

    public static DatabaseRef databaseRef(String secretName) {
        return new DatabaseRef(new SecretRef(secretName));
    }

    /** Waits until the resource's status satisfies {@code check}, and returns the resource. */
    public static <T extends HasMetadata> T await(KubernetesClient client, Class<T> kind, String namespace, String name,
            Function<T, LifecycleStatus> status, Predicate<LifecycleStatus> check) {
        Object[] holder = new Object[1];
        try {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                T r = client.resources(kind).inNamespace(namespace).withName(name).get();
                holder[0] = r;
                return r != null && status.apply(r) != null && check.test(status.apply(r));
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // say what was there instead: a timeout alone tells nothing of why
            @SuppressWarnings("unchecked")
            T last = (T) holder[0];
            throw new AssertionError(kind.getSimpleName() + " " + namespace + "/" + name + " did not reach the status "
                    + "awaited within " + WAIT + "; last seen: " + (last == null ? "absent"
                            : io.fabric8.kubernetes.client.utils.Serialization.asYaml(last)), e);
        }
        @SuppressWarnings("unchecked")
        T result = (T) holder[0];
        return result;
    }

    public static Predicate<LifecycleStatus> condition(String type, String value, String reason) {
        return s -> s.condition(type).map(c -> value.equals(String.valueOf(c.getStatus())) && reason.equals(c.getReason()))
                .orElse(false);
    }

    /** Deletes every resource of {@code kind} in {@code namespace} and waits until they are gone. */
    public static void deleteAll(KubernetesClient client, Class<? extends HasMetadata> kind, String namespace) {
        client.resources(kind).inNamespace(namespace).delete();
        Awaitility.await().atMost(WAIT).until(() -> client.resources(kind).inNamespace(namespace).list().getItems()
                .isEmpty());
    }
}
