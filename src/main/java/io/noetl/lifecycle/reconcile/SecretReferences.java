package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.noetl.lifecycle.api.DatabaseRef;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Which resources a Secret change concerns: those in its namespace whose spec.database names it. */
public final class SecretReferences {
    private SecretReferences() {
    }

    /** The Secrets of the controller's namespaces, each change waking the resources whose spec.database names it. */
    public static <P extends HasMetadata> InformerEventSource<Secret, P> informer(EventSourceContext<P> context,
            Class<P> kind, Function<P, DatabaseRef> databaseOf) {
        return informer(context, kind, databaseOf, p -> List.of());
    }

    /**
     * The Secrets of the controller's namespaces, each change waking the resources whose spec.database names it or
     * whose {@code others} (for example spec.export.secretRef) include its name.
     */
    public static <P extends HasMetadata> InformerEventSource<Secret, P> informer(EventSourceContext<P> context,
            Class<P> kind, Function<P, DatabaseRef> databaseOf, Function<P, List<String>> others) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(Secret.class, kind)
                .withSecondaryToPrimaryMapper(mapper(context, databaseOf, others))
                .withNamespacesInheritedFromController()
                .withItemStore(new PrunedItemStore<>())
                .withInformerListLimit(ResourcePages.LIST_LIMIT)
                .build(), context);
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
