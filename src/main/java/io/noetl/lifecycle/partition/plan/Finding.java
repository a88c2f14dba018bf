package io.noetl.lifecycle.partition.plan;

import io.noetl.lifecycle.api.Reason;
import java.util.Objects;

/**
 * Something a person should know about: a reason that may be {@code Degraded}'s (the planner's findings), or one
 * the command line adds for what the status lists without a condition ({@link Reason.Effect#FINDING_ONLY}).
 */
public record Finding(Reason reason, String message) {
    public Finding {
        Objects.requireNonNull(reason, "reason");
        if (!reason.effect().finding()) {
            throw new IllegalArgumentException(reason.name() + " is no finding: it cannot be Degraded's reason");
        }
    }
}
