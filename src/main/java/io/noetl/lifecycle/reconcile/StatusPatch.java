package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.lang.reflect.InvocationTargetException;

/**
 * The object a reconciler hands back to write its status: a new instance of the kind carrying only the name, the
 * namespace and the status. With server-side apply (the framework's default) the status write is an apply of exactly
 * this object, so it can never carry, nor claim ownership of, a field of the user's spec (a resource read from the
 * server holds the whole spec, and the classes' Java defaults for whatever the user left out). Nor does it carry a
 * resourceVersion: the status belongs to this operator alone, so a status write never fails on a conflict.
 */
public final class StatusPatch {
    private StatusPatch() {
    }

    /** The resource's {@code metadata.generation}, 0 when the server has set none. */
    public static long generation(HasMetadata resource) {
        Long generation = resource.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }

    public static <P extends CustomResource<?, T>, T> UpdateControl<P> of(P resource, T status) {
        return UpdateControl.patchStatus(blank(resource, status));
    }

    /**
     * The blank instance carrying {@code status}. Server-side apply removes what this manager applied before and
     * leaves out now, so {@code status} is always the whole status, never only the fields that changed.
     */
    public static <P extends CustomResource<?, T>, T> P blank(P resource, T status) {
        P patch = blank(resource);
        patch.setStatus(status);
        return patch;
    }

    @SuppressWarnings("unchecked")
    static <P extends CustomResource<?, ?>> P blank(P resource) {
        try {
            P blank = (P) resource.getClass().getConstructor().newInstance();
            if (blank.getSpec() != null) {
                // the framework adds finalizers with the same kind of blank instance: a spec here would be applied
                throw new IllegalStateException(resource.getClass().getSimpleName()
                        + " initialises its spec; a write of the operator would then carry it");
            }
            blank.setMetadata(new ObjectMetaBuilder().withName(resource.getMetadata().getName())
                    .withNamespace(resource.getMetadata().getNamespace()).build());
            return blank;
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException
                | InvocationTargetException e) {
            throw new IllegalStateException("cannot instantiate " + resource.getClass(), e);
        }
    }
}
