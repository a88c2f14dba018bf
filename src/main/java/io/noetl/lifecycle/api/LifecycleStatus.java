package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Status fields every kind shares. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class LifecycleStatus {
    @JsonPropertyDescription("The `metadata.generation` of the spec this status reflects.")
    private Long observedGeneration;

    @JsonPropertyDescription("Kubernetes-style conditions: `Ready` always, `Degraded` when something needs a human.")
    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    @JsonIgnore
    public Optional<Condition> condition(String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
