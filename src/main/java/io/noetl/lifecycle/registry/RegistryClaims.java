package io.noetl.lifecycle.registry;

import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.noetl.lifecycle.api.RuntimeComponent;
import io.noetl.lifecycle.registry.plan.ClaimOrder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which RuntimeComponent holds a registry key when several declare it for one database. The primary cache is
 * indexed by key, so the check costs a lookup, not a scan, at any number of resources. The holder is the first
 * by {@link ClaimOrder}; a resource being deleted keeps holding until it is gone, so its cleanup never races
 * the next holder's registration.
 */
final class RegistryClaims {
    static final String INDEX = "registry-key";

    private RegistryClaims() {
    }

    /** The index key of a resource as written ({@code componentType/name}), before any validation. */
    static List<String> indexKeys(RuntimeComponent rc) {
        if (rc.getSpec() == null || rc.getSpec().getComponentType() == null) {
            return List.of();
        }
        String name = rc.getSpec().getName() == null ? rc.getMetadata().getName() : rc.getSpec().getName();
        return List.of(rc.getSpec().getComponentType() + "/" + name);
    }

    /**
     * @param databaseOf a resource's database as {@code host:port/db}, empty when it cannot be resolved (such a
     *        resource cannot register, so it holds nothing)
     */
    static Optional<RuntimeComponent> earlierHolder(RuntimeComponent rc, String key, String database,
            IndexedResourceCache<RuntimeComponent> cache, Function<RuntimeComponent, Optional<String>> databaseOf) {
        ClaimOrder mine = order(rc);
        return cache.byIndex(INDEX, key).stream()
                .filter(other -> !Objects.equals(other.getMetadata().getUid(), rc.getMetadata().getUid()))
                .filter(other -> order(other).precedes(mine))
                .filter(other -> databaseOf.apply(other).map(database::equals).orElse(false))
                .min((a, b) -> order(a).compareTo(order(b)));
    }

    /** Every other resource declaring {@code key}, to wake when this one lets go of it. */
    static List<RuntimeComponent> others(RuntimeComponent rc, String key, IndexedResourceCache<RuntimeComponent> cache) {
        return cache.byIndex(INDEX, key).stream()
                .filter(other -> !Objects.equals(other.getMetadata().getUid(), rc.getMetadata().getUid())).toList();
    }

    private static ClaimOrder order(RuntimeComponent rc) {
        return ClaimOrder.of(rc.getMetadata().getCreationTimestamp(), rc.getMetadata().getUid());
    }
}
