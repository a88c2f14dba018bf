package io.noetl.lifecycle.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The object a reconciler hands back to write its status: a new instance of the kind carrying only the name, the
 * namespace and the status. With server-side apply (the framework's default) the status write is an apply of exactly
 * this object, so it can never carry, nor claim ownership of, a field of the user's spec (a resource read from the
 * server holds the whole spec, and the classes' Java defaults for whatever the user left out). Nor does it carry a
 * resourceVersion: the status belongs to this operator alone, so a status write never fails on a conflict.
 *
 * <p>An apply removes a field it leaves out only while this manager still owns the field. API servers before 1.22 do
 * not track ownership per subresource: an update (PUT) of the resource without its status, as a client that builds
 * the whole object sends (fabric8's {@code update()}, client-go's {@code Update}, {@code kubectl replace}), takes every
 * status field away from this manager, and then a field the operator stops writing (a cleared
 * {@code status.export.lastError}, a withdrawn {@code status.retention.shortenedTo}) would stay forever. So before
 * such an apply the fields the stored status holds and the new one leaves out are deleted by a JSON merge patch of the
 * status ({@link #removeLeftOut}); on newer servers the apply would have removed them anyway. That merge patch carries
 * the whole new status besides the deletions, so the status a reader sees between the two writes is already the new
 * one: a patch of deletions alone showed, for a moment, a withdrawn {@code shortenedTo} beside the retirements it had
 * held back.
 */
public final class StatusPatch {
    private static final Logger LOG = Logger.getLogger(StatusPatch.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusPatch() {
    }

    /**
     * The JSON merge patch that deletes what the status {@code before} (as {@code StatusDiff.fingerprint} wrote it)
     * holds and {@code after} leaves out: a field absent from {@code after}, or one level further in an object both
     * hold. Lists are not looked into (the schemas' lists are atomic: an apply replaces them whole). Empty when
     * nothing is left out.
     */
    public static Optional<String> removals(String before, Object after) {
        try {
            JsonNode old = JSON.readTree(before);
            JsonNode now = JSON.valueToTree(after);
            ObjectNode deletions = deletions(old, now);
            if (deletions == null) {
                return Optional.empty();
            }
            ObjectNode patch = JSON.createObjectNode();
            patch.set("status", deletions);
            return Optional.of(JSON.writeValueAsString(patch));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("status does not serialize", e);
        }
    }

    /**
     * The JSON merge patch that turns the stored status {@code before} into exactly {@code after} in one write: every
     * field of {@code after}, and a null for each field {@link #removals} deletes. Empty when nothing is left out
     * (then the apply alone writes the status).
     */
    public static Optional<String> wholeWithRemovals(String before, Object after) {
        try {
            ObjectNode deletions = deletions(JSON.readTree(before), JSON.valueToTree(after));
            if (deletions == null) {
                return Optional.empty();
            }
            JsonNode now = JSON.valueToTree(after);
            overlay((ObjectNode) now, deletions);
            ObjectNode patch = JSON.createObjectNode();
            patch.set("status", now);
            return Optional.of(JSON.writeValueAsString(patch));
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalStateException("status does not serialize", e);
        }
    }

    /** Writes the nulls of {@code deletions} into {@code into} at their depth (where a null, the field is absent). */
    private static void overlay(ObjectNode into, ObjectNode deletions) {
        for (Iterator<Map.Entry<String, JsonNode>> it = deletions.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isObject() && into.get(field.getKey()) instanceof ObjectNode inner) {
                overlay(inner, (ObjectNode) field.getValue());
            } else {
                into.set(field.getKey(), JSON.nullNode());
            }
        }
    }

    private static ObjectNode deletions(JsonNode old, JsonNode now) {
        if (old == null || !old.isObject() || now == null || !now.isObject()) {
            return null;
        }
        ObjectNode out = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = old.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode kept = now.get(field.getKey());
            JsonNode inner = kept == null || kept.isNull() ? JSON.nullNode() : deletions(field.getValue(), kept);
            if (inner != null) {
                out = out == null ? JSON.createObjectNode() : out;
                out.set(field.getKey(), inner);
            }
        }
        return out;
    }

    /**
     * Deletes from the stored status of {@code resource} what {@code before} holds and {@code status} leaves out
     * ({@link #removals}), ahead of the apply of {@code status}, in a merge patch that writes the rest of
     * {@code status} too ({@link #wholeWithRemovals}), so no reader sees half of the change. A failure is logged and
     * left to the apply: the status is still written, with at worst a field that should have gone.
     */
    public static void removeLeftOut(KubernetesClient client, HasMetadata resource, String before, Object status) {
        Optional<String> patch = wholeWithRemovals(before, status);
        if (patch.isEmpty()) {
            return;
        }
        try {
            client.resources(resource.getClass()).inNamespace(resource.getMetadata().getNamespace())
                    .withName(resource.getMetadata().getName()).subresource("status")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch.get());
        } catch (KubernetesClientException e) {
            LOG.debugf("could not delete the status fields %s of %s/%s leaves out before applying it: %s", patch.get(),
                    resource.getMetadata().getNamespace(), resource.getMetadata().getName(), e.getMessage());
        }
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
