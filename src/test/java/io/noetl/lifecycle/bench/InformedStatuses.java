package io.noetl.lifecycle.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.noetl.lifecycle.bench.RuntimeRegistrationBenchmark.OperatorProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The harness's view of every resource of a kind in a namespace, from its own informer (as a user's
 * {@code kubectl get -w}): what {@code view} makes of each one's latest state, by name.
 */
final class InformedStatuses<R extends HasMetadata, V> implements AutoCloseable {
    private final Map<String, V> seen = new ConcurrentHashMap<>();
    private final SharedIndexInformer<R> informer;

    InformedStatuses(KubernetesClient client, Class<R> kind, String ns, Function<R, V> view) {
        informer = client.resources(kind).inNamespace(ns).inform(new ResourceEventHandler<>() {
            public void onAdd(R r) {
                seen.put(r.getMetadata().getName(), view.apply(r));
            }

            public void onUpdate(R old, R r) {
                seen.put(r.getMetadata().getName(), view.apply(r));
            }

            public void onDelete(R r, boolean unknown) {
                seen.remove(r.getMetadata().getName());
            }
        });
    }

    /**
     * Waits, at most {@code wait} and while the operator lives, until {@code n} resources pass {@code check}; returns
     * when the last one was seen to.
     */
    Instant await(int n, BiPredicate<String, V> check, Duration wait, OperatorProcess op) throws InterruptedException {
        Instant deadline = Instant.now().plus(wait);
        while (Instant.now().isBefore(deadline)) {
            op.assertAlive();
            if (passing(check) >= n) {
                return Instant.now();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not all of " + n + " converged within " + wait + ": " + passing(check)
                + " did");
    }

    private long passing(BiPredicate<String, V> check) {
        return seen.entrySet().stream().filter(e -> check.test(e.getKey(), e.getValue())).count();
    }

    /** The view of every resource seen, by name (a live map). */
    Map<String, V> seen() {
        return seen;
    }

    @Override
    public void close() {
        informer.close();
    }
}
