package io.noetl.lifecycle.report;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on the resources. A warning that repeats for the same resource (same reason and message)
 * does not make new Events: it raises the count and last time of the one already recorded, at most once per
 * {@link #REFRESH_AFTER}, the way kubectl shows "x12 over 30m". After {@link #REPEAT_WINDOW} without a repeat a
 * new Event starts.
 *
 * <p>Events are written in the background, by {@link #WRITERS} threads, in the order they were recorded (all writes of
 * one Event by the same thread, so a later count never lands before an earlier one, nor a count before its Event), as
 * client-go's event recorder writes them: a reconcile never waits for its Events, and when thousands of resources
 * change at once (an emptied registry re-registers every component) the status writes, which users and
 * {@code kubectl wait} read, take the API server first while the Events follow. Names are chosen here
 * ({@code <resource>.<hex time>}, as client-go names them), so a repeat can be counted before its Event is
 * written. At most {@link #MAX_PENDING} wait; beyond that new ones are dropped, counted and logged (an Event is a
 * courtesy: the status already says it).
 */
@ApplicationScoped
public class ResourceEvents {
    public static final Duration REPEAT_WINDOW = Duration.ofMinutes(30);
    public static final Duration REFRESH_AFTER = Duration.ofMinutes(1);
    private static final Logger LOG = Logger.getLogger(ResourceEvents.class);
    private static final String COMPONENT = "noetl-lifecycle-operator";
    static final int WRITERS = 2;
    static final int MAX_PENDING = 10_000;
    private static final Duration DROP_LOG_EVERY = Duration.ofMinutes(1);

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
    /** One thread each; an Event's writes all go to the one its name picks. */
    private final ThreadPoolExecutor[] writers = new ThreadPoolExecutor[WRITERS];
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private volatile Instant droppedLogged = Instant.EPOCH;

    public ResourceEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        for (int i = 0; i < WRITERS; i++) {
            writers[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(MAX_PENDING / WRITERS), r -> {
                        Thread t = new Thread(r, "resource-events-" + threads.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    }, (r, executor) -> drop());
        }
    }

    public void normal(HasMetadata resource, String reason, String message) {
        create(resource, "Normal", reason, message);
    }

    /** Waits until every Event recorded so far is written (or refused); false if that takes longer than {@code max}. */
    public boolean flush(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (pending.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Events dropped because {@link #MAX_PENDING} were waiting. */
    public long dropped() {
        return dropped.get();
    }

    /** At shutdown: the Events already recorded get a moment to be written (the client closes after this). */
    @PreDestroy
    void close() {
        flush(Duration.ofSeconds(2));
        for (ThreadPoolExecutor writer : writers) {
            writer.shutdownNow();
        }
    }

    private void submit(String eventName, Runnable write) {
        pending.incrementAndGet();
        writers[Math.floorMod(eventName.hashCode(), WRITERS)].execute(() -> {
            try {
                write.run();
            } finally {
                pending.decrementAndGet();
            }
        });
    }

    private void drop() {
        pending.decrementAndGet();
        long total = dropped.incrementAndGet();
        Instant now = Instant.now();
        if (droppedLogged.plus(DROP_LOG_EVERY).isBefore(now)) {
            droppedLogged = now;
            LOG.warnf("%d Events waiting to be written: %d dropped so far (the statuses say what they would have)",
                    MAX_PENDING, total);
        }
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
        repeats.put(key, new Repeat(name, now));
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
        int count = repeat.count;
        submit(repeat.eventName, () -> patch(resource, repeat.eventName, count, now));
    }

    private void patch(HasMetadata resource, String eventName, int count, Instant now) {
        try {
            // a merge patch of the two fields: no read first (the Role grants Events create and patch, not get)
            // (fabric8 reads the object first unless it is given one: give it the name alone)
            Event named = new EventBuilder().withNewMetadata().withName(eventName)
                    .withNamespace(resource.getMetadata().getNamespace()).endMetadata().build();
            client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(named)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"count\":" + count
                            + ",\"lastTimestamp\":\"" + timestamp(now) + "\"}");
        } catch (KubernetesClientException e) {
            LOG.debugf("could not update event %s: %s", eventName, e.getMessage());
        }
    }

    /** Records a new Event (written in the background); returns the name it will have. */
    private String create(HasMetadata resource, String type, String reason, String message) {
        String now = timestamp(clock.instant());
        String resourceName = resource.getMetadata().getName();
        // client-go's naming: the object's name and a time in hex; the sequence keeps two in one nanosecond apart
        String name = (resourceName.length() > 230 ? resourceName.substring(0, 230) : resourceName) + "."
                + Long.toHexString(System.currentTimeMillis() * 1_000_000L + sequence.incrementAndGet() % 1_000_000L);
        Event event = new EventBuilder()
                .withNewMetadata().withName(name).withNamespace(resource.getMetadata().getNamespace()).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(resource.getApiVersion())
                        .withKind(resource.getKind()).withName(resourceName)
                        .withNamespace(resource.getMetadata().getNamespace())
                        .withUid(resource.getMetadata().getUid()).build())
                .withType(type).withReason(reason)
                .withMessage(message.length() > 1000 ? message.substring(0, 997) + "..." : message)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .build();
        submit(name, () -> {
            try {
                client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
            } catch (KubernetesClientException e) {
                // an event is a courtesy; the status already says it
                LOG.debugf("could not record event %s on %s: %s", reason, resourceName, e.getMessage());
            }
        });
        return name;
    }

    private static String timestamp(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
