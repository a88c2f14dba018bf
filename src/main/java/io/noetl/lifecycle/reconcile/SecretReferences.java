package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.noetl.lifecycle.api.DatabaseRef;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which resources a Secret change concerns (those in its namespace whose spec names it), and the cache of the Secrets
 * they name.
 */
public final class SecretReferences {
    private SecretReferences() {
    }

    /**
     * The Secrets the resources of a kind read, through their informer: {@link #source} is the event source, and
     * {@link #get} the read that falls back to the API server for a Secret whose data the cache withheld
     * ({@link WithholdingSecretStore}).
     */
    public static final class Cache<P extends HasMetadata> {
        private final InformerEventSource<Secret, P> source;
        private final WithholdingSecretStore store;
        private final KubernetesClient client;

        Cache(InformerEventSource<Secret, P> source, WithholdingSecretStore store, KubernetesClient client) {
            this.source = source;
            this.store = store;
            this.client = client;
        }

        public InformerEventSource<Secret, P> source() {
            return source;
        }

        /** The Secret {@code id} names: from the cache, or, where the cache holds it without its data, read once. */
        public Optional<Secret> get(ResourceID id) {
            Optional<Secret> cached = source.get(id);
            if (cached.isEmpty() || !WithholdingSecretStore.withheld(cached.get())) {
                return cached;
            }
            Secret fresh = client.secrets().inNamespace(id.getNamespace().orElse(null)).withName(id.getName()).get();
            if (fresh == null) {
                return Optional.empty();
            }
            store.restore(PrunedItemStore.prune(fresh));
            return Optional.of(fresh);
        }
    }

    /** The Secrets of the controller's namespaces, each change waking the resources whose spec.database names it. */
    public static <P extends HasMetadata> Cache<P> informer(EventSourceContext<P> context, Class<P> kind,
            Function<P, DatabaseRef> databaseOf) {
        return informer(context, kind, databaseOf, p -> List.of());
    }

    /**
     * The Secrets of the controller's namespaces, each change waking the resources whose spec.database names it or
     * whose {@code others} (for example spec.export.secretRef) include its name. Only those Secrets' data is cached.
     */
    public static <P extends HasMetadata> Cache<P> informer(EventSourceContext<P> context, Class<P> kind,
            Function<P, DatabaseRef> databaseOf, Function<P, List<String>> others) {
        SecondaryToPrimaryMapper<Secret> mapper = mapper(context, databaseOf, others);
        WithholdingSecretStore store = new WithholdingSecretStore(s -> {
            try {
                return !mapper.toPrimaryResourceIDs(s).isEmpty();
            } catch (RuntimeException e) {
                return false; // the resources' cache not started yet: withheld now, read when a resource needs it
            }
        });
        InformerEventSource<Secret, P> source = new InformerEventSource<>(InformerEventSourceConfiguration
                .from(Secret.class, kind)
                .withSecondaryToPrimaryMapper(mapper)
                .withNamespacesInheritedFromController()
                .withItemStore(store)
                .withInformerListLimit(ResourcePages.LIST_LIMIT)
                .build(), context);
        return new Cache<>(source, store, context.getClient());
    }

    static <P extends HasMetadata> SecondaryToPrimaryMapper<Secret> mapper(EventSourceContext<P> context,
            Function<P, DatabaseRef> databaseOf) {
        return mapper(context, databaseOf, p -> List.of());
    }

    static <P extends HasMetadata> SecondaryToPrimaryMapper<Secret> mapper(EventSourceContext<P> context,
            Function<P, DatabaseRef> databaseOf, Function<P, List<String>> others) {
        return secret -> context.getPrimaryCache()
                .list(secret.getMetadata().getNamespace(), p -> names(databaseOf.apply(p), secret)
                        || others.apply(p).contains(secret.getMetadata().getName()))
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static boolean names(DatabaseRef ref, Secret secret) {
        return ref != null && ref.getSecretRef() != null
                && secret.getMetadata().getName().equals(ref.getSecretRef().getName());
    }
}
