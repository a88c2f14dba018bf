package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Status of an {@link EventPartitionPlan}: the shared partition report plus the managed windows. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EventPartitionPlanStatus extends PartitionedTableStatus {
    @JsonPropertyDescription("Managed windows, newest first (at most 20 listed).")
    private List<EventWindowStatus> windows = new ArrayList<>();

    public List<EventWindowStatus> getWindows() {
        return windows;
    }

    public void setWindows(List<EventWindowStatus> windows) {
        this.windows = windows;
    }
}
