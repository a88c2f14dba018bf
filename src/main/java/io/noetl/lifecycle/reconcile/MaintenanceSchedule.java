package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each resource's maintenance is due next. A quarkus-scheduler job looks at the table every tick and wakes
 * the reconciler of each resource that is due, through its kind's {@link DueMaintenanceEventSource}.
 */
@ApplicationScoped
public class MaintenanceSchedule {
    private record Key(String kind, ResourceID id) {
    }

    private final Clock clock;
    private final Map<String, DueMaintenanceEventSource<?>> sources = new ConcurrentHashMap<>();
    private final Map<Key, Instant> due = new ConcurrentHashMap<>();

    public MaintenanceSchedule(Clock clock) {
        this.clock = clock;
    }

    /** The event source a reconciler of {@code kind} registers in {@code prepareEventSources}. */
    public <P extends HasMetadata> DueMaintenanceEventSource<P> eventSourceFor(Class<P> kind) {
        DueMaintenanceEventSource<P> source = new DueMaintenanceEventSource<>("due-maintenance");
        sources.put(kind.getName(), source);
        return source;
    }

    /** Books the next run a verdict decided, or forgets the resource's when there is none. */
    public void set(Class<? extends HasMetadata> kind, ResourceID id, Optional<Instant> next) {
        next.ifPresentOrElse(at -> runAt(kind, id, at), () -> forget(kind, id));
    }

    public void runAt(Class<? extends HasMetadata> kind, ResourceID id, Instant at) {
        due.put(new Key(kind.getName(), id), at);
    }

    public Optional<Instant> nextRun(Class<? extends HasMetadata> kind, ResourceID id) {
        return Optional.ofNullable(due.get(new Key(kind.getName(), id)));
    }

    public void forget(Class<? extends HasMetadata> kind, ResourceID id) {
        due.remove(new Key(kind.getName(), id));
    }

    /** Wakes every resource whose maintenance is due now. */
    @Scheduled(every = "${lifecycle.maintenance.tick:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        Instant now = clock.instant();
        for (Map.Entry<Key, Instant> e : due.entrySet()) {
            if (!e.getValue().isAfter(now)) {
                DueMaintenanceEventSource<?> source = sources.get(e.getKey().kind());
                if (source != null && due.remove(e.getKey(), e.getValue())) {
                    source.trigger(e.getKey().id());
                }
            }
        }
    }
}
