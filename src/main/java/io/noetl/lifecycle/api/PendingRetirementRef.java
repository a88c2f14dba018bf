package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A partition past retention that is kept for now, what holds it, and when it goes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PendingRetirementRef {
    @JsonPropertyDescription("The partition.")
    private String name;
    @JsonPropertyDescription("What keeps it: `maxRetirementsPerPass` (more are due than one pass retires; it goes in a later pass, oldest first) or `retentionChangeGrace` (it expires only under a shortened retention that has not taken effect).")
    private String heldBy;
    @JsonPropertyDescription("The earliest time it is retired (RFC 3339): when the shortened retention takes effect, or earlier if the retention in force expires it first. Absent for `maxRetirementsPerPass`: the next passes take them, oldest first.")
    private String at;

    public PendingRetirementRef() {
    }

    public PendingRetirementRef(String name, String heldBy, String at) {
        this.name = name;
        this.heldBy = heldBy;
        this.at = at;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getHeldBy() {
        return heldBy;
    }

    public void setHeldBy(String heldBy) {
        this.heldBy = heldBy;
    }

    public String getAt() {
        return at;
    }

    public void setAt(String at) {
        this.at = at;
    }
}
