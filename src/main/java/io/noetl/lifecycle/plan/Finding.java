package io.noetl.lifecycle.plan;

import io.noetl.lifecycle.api.Reason;
import java.util.Objects;

/** Something the planner noticed that a person should know about: a reason that may be {@code Degraded}'s. */
public record Finding(Reason reason, String message) {
    public Finding {
        Objects.requireNonNull(reason, "reason");
        if (!reason.effect().degraded()) {
            throw new IllegalArgumentException(reason.name() + " is no finding: it cannot be Degraded's reason");
        }
    }
}
