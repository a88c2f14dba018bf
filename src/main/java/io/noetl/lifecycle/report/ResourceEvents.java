package io.noetl.lifecycle.report;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on the resources. A warning that repeats for the same resource (same reason and message)
 * does not make new Events: it raises the count and last time of the one already recorded, at most once per
 * {@link #REFRESH_AFTER}, the way kubectl shows "x12 over 30m". After {@link #REPEAT_WINDOW} without a repeat a
 * new Event starts.
 */
@ApplicationScoped
public class ResourceEvents {
    public static final Duration REPEAT_WINDOW = Duration.ofMinutes(30);
    public static final Duration REFRESH_AFTER = Duration.ofMinutes(1);
    private static final Logger LOG = Logger.getLogger(ResourceEvents.class);
    private static final String COMPONENT = "noetl-lifecycle-operator";

    /** A warning already recorded: its Event, how often it happened, when the Event was last written. */
    private static final class Repeat {
        final String eventName;
        int count = 1;
        Instant lastSeen;
        Instant lastWritten;

        Repeat(String eventName, Instant now) {
            this.eventName = eventName;
            this.lastSeen = now;
            this.lastWritten = now;
        }
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<String, Repeat> repeats = new ConcurrentHashMap<>();

    public ResourceEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(HasMetadata resource, String reason, String message) {
        create(resource, "Normal", reason, message);
    }

    public void warning(HasMetadata resource, String reason, String message) {
        String key = resource.getMetadata().getUid() + "/" + reason + "/" + message;
        Instant now = clock.instant();
        Repeat repeat = repeats.get(key);
        if (repeat != null && repeat.lastSeen.plus(REPEAT_WINDOW).isAfter(now)) {
            synchronized (repeat) {
                repeat.count++;
                repeat.lastSeen = now;
                if (!repeat.lastWritten.plus(REFRESH_AFTER).isAfter(now)) {
                    repeat.lastWritten = now;
                    bump(resource, repeat, now);
                }
            }
            return;
        }
        String name = create(resource, "Warning", reason, message);
        if (name != null) {
            repeats.put(key, new Repeat(name, now));
        }
        if (repeats.size() > 10_000) {
            repeats.entrySet().removeIf(e -> e.getValue().lastSeen.plus(REPEAT_WINDOW).isBefore(now));
        }
    }

    /** Forgets a deleted resource's repeats. */
    public void forget(HasMetadata resource) {
        String uid = resource.getMetadata().getUid() + "/";
        repeats.keySet().removeIf(k -> k.startsWith(uid));
    }

    private void bump(HasMetadata resource, Repeat repeat, Instant now) {
        try {
            // a merge patch of the two fields: no read first (the Role grants Events create and patch, not get)
            // (fabric8 reads the object first unless it is given one: give it the name alone)
            Event named = new EventBuilder().withNewMetadata().withName(repeat.eventName)
                    .withNamespace(resource.getMetadata().getNamespace()).endMetadata().build();
            client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(named)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"count\":" + repeat.count
                            + ",\"lastTimestamp\":\"" + timestamp(now) + "\"}");
        } catch (KubernetesClientException e) {
            LOG.debugf("could not update event %s: %s", repeat.eventName, e.getMessage());
        }
    }

    /** Records a new Event; returns its name, or null when the API refused it. */
    private String create(HasMetadata resource, String type, String reason, String message) {
        String now = timestamp(clock.instant());
        try {
            Event created = client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(
                    new EventBuilder()
                            .withNewMetadata().withGenerateName(resource.getMetadata().getName() + ".").endMetadata()
                            .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(resource.getApiVersion())
                                    .withKind(resource.getKind()).withName(resource.getMetadata().getName())
                                    .withNamespace(resource.getMetadata().getNamespace())
                                    .withUid(resource.getMetadata().getUid()).build())
                            .withType(type).withReason(reason)
                            .withMessage(message.length() > 1000 ? message.substring(0, 997) + "..." : message)
                            .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                            .withNewSource().withComponent(COMPONENT).endSource()
                            .withReportingComponent(COMPONENT)
                            .build()).create();
            return created.getMetadata().getName();
        } catch (KubernetesClientException e) {
            // an event is a courtesy; the status already says it
            LOG.debugf("could not record event %s on %s: %s", reason, resource.getMetadata().getName(), e.getMessage());
            return null;
        }
    }

    private static String timestamp(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
