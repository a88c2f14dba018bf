package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The informer caches' store, holding each object without what the operator never reads: {@code managedFields}
 * (server-side apply's record of who owns which field, often larger than the spec itself) and kubectl's
 * {@code last-applied-configuration} annotation (a second copy of the spec). On 10,000 RuntimeComponents that is
 * about half of the live heap (docs/benchmarks.md). Nothing the operator writes is built from a cached object's
 * metadata: finalizer and status writes carry only their own fields ({@link StatusPatch}), so a pruned cache
 * changes no request.
 */
public class PrunedItemStore<T extends HasMetadata> extends BasicItemStore<T> {
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

    public PrunedItemStore() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public T put(String key, T obj) {
        return super.put(key, prune(obj));
    }

    static <T extends HasMetadata> T prune(T obj) {
        if (obj != null && obj.getMetadata() != null) {
            obj.getMetadata().setManagedFields(null);
            Map<String, String> annotations = obj.getMetadata().getAnnotations();
            if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
                Map<String, String> kept = new LinkedHashMap<>(annotations);
                kept.remove(LAST_APPLIED);
                obj.getMetadata().setAnnotations(kept);
            }
        }
        return obj;
    }
}
