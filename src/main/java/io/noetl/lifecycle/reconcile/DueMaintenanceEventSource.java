package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Set;

/** Lets the {@link MaintenanceSchedule} wake a reconciler for one resource whose maintenance is due. */
public class DueMaintenanceEventSource<P extends HasMetadata> extends AbstractEventSource<Void, P> {

    public DueMaintenanceEventSource(String name) {
        super(Void.class, name);
    }

    @Override
    public Set<Void> getSecondaryResources(P primary) {
        return Set.of();
    }

    void trigger(ResourceID id) {
        if (isRunning()) {
            getEventHandler().handleEvent(new Event(id));
        }
    }
}
