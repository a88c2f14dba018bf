package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Secret informer's store: it holds the data of a Secret only while a resource of the kind names it. The informer
 * must list and watch the Secrets of its namespaces to see a named one change, but a Secret no resource names (a
 * TLS key, another application's password) is kept as metadata alone: its {@code data} and {@code stringData} are
 * dropped as it arrives and the copy is marked {@link #WITHHELD}. A resource that comes to name such a Secret later
 * reads it from the API server once ({@link SecretReferences.Cache#get}), which puts the whole Secret here; from then on
 * the informer keeps it current. A Secret that is no longer named keeps its data until it next changes.
 */
public class WithholdingSecretStore extends PrunedItemStore<Secret> {
    /** The annotation marking a cached copy whose data was not kept. */
    public static final String WITHHELD = "lifecycle.noetl.io/data-withheld";

    private final Predicate<Secret> named;

    /** {@code named}: whether some resource of the kind names the Secret now. */
    public WithholdingSecretStore(Predicate<Secret> named) {
        this.named = named;
    }

    @Override
    public synchronized Secret put(String key, Secret obj) {
        return super.put(key, obj == null || named.test(obj) ? obj : withhold(obj));
    }

    /**
     * Puts {@code fresh}, just read from the API server, in place of a withheld copy that is not newer. A change the
     * informer stored meanwhile wins.
     */
    public synchronized void restore(Secret fresh) {
        String key = getKey(fresh);
        Secret current = get(key);
        if (current == null || withheld(current) && !newer(current, fresh)) {
            super.put(key, fresh);
        }
    }

    /** Whether {@code secret} is a copy without its data. */
    public static boolean withheld(Secret secret) {
        Map<String, String> annotations = secret.getMetadata() == null ? null : secret.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(WITHHELD));
    }

    private static Secret withhold(Secret secret) {
        secret.setData(null);
        secret.setStringData(null);
        if (secret.getMetadata() != null) {
            Map<String, String> annotations = secret.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                    : new LinkedHashMap<>(secret.getMetadata().getAnnotations());
            annotations.put(WITHHELD, "true");
            secret.getMetadata().setAnnotations(annotations);
        }
        return secret;
    }

    /** Whether {@code a} is a later version than {@code b} (resource versions compared as numbers where they are). */
    private static boolean newer(Secret a, Secret b) {
        try {
            return Long.parseLong(a.getMetadata().getResourceVersion())
                    > Long.parseLong(b.getMetadata().getResourceVersion());
        } catch (RuntimeException e) {
            return false; // not numbers: the fresh read wins
        }
    }
}
