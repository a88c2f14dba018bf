package io.noetl.lifecycle.report;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on the resources. The same warning for the same resource is sent at most once per
 * {@link #REPEAT_WARNING_AFTER}, so a failure that repeats every retry does not flood the namespace.
 */
@ApplicationScoped
public class ResourceEvents {
    public static final Duration REPEAT_WARNING_AFTER = Duration.ofMinutes(10);
    private static final Logger LOG = Logger.getLogger(ResourceEvents.class);
    private static final String COMPONENT = "noetl-lifecycle-operator";

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<String, Instant> lastWarning = new ConcurrentHashMap<>();

    public ResourceEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(HasMetadata resource, String reason, String message) {
        send(resource, "Normal", reason, message);
    }

    public void warning(HasMetadata resource, String reason, String message) {
        String key = resource.getMetadata().getUid() + "/" + reason + "/" + message;
        Instant now = clock.instant();
        Instant last = lastWarning.get(key);
        if (last != null && last.plus(REPEAT_WARNING_AFTER).isAfter(now)) {
            return;
        }
        lastWarning.put(key, now);
        if (lastWarning.size() > 10_000) {
            lastWarning.entrySet().removeIf(e -> e.getValue().plus(REPEAT_WARNING_AFTER).isBefore(now));
        }
        send(resource, "Warning", reason, message);
    }

    private void send(HasMetadata resource, String type, String reason, String message) {
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(new EventBuilder()
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
        } catch (KubernetesClientException e) {
            // an event is a courtesy; the status already says it
            LOG.debugf("could not record event %s on %s: %s", reason, resource.getMetadata().getName(), e.getMessage());
        }
    }
}
