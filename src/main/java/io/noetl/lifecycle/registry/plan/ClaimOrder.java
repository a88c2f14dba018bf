package io.noetl.lifecycle.registry.plan;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;

/**
 * Which of two resources declaring the same registry key came first: the earlier creationTimestamp, then the
 * smaller uid (creationTimestamp has whole seconds). The first registers; the others report
 * {@code ConflictingComponent}. Both fields are immutable, so the order never changes while both exist.
 */
public record ClaimOrder(Instant created, String uid) implements Comparable<ClaimOrder> {
    private static final Comparator<ClaimOrder> ORDER = Comparator
            .comparing(ClaimOrder::created, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(ClaimOrder::uid, Comparator.nullsLast(Comparator.naturalOrder()));

    public static ClaimOrder of(String creationTimestamp, String uid) {
        Instant created = null;
        try {
            created = creationTimestamp == null ? null : Instant.parse(creationTimestamp);
        } catch (DateTimeParseException e) {
            // an unreadable timestamp sorts last, as if created now
        }
        return new ClaimOrder(created, uid);
    }

    @Override
    public int compareTo(ClaimOrder other) {
        return ORDER.compare(this, other);
    }

    public boolean precedes(ClaimOrder other) {
        return compareTo(other) < 0;
    }
}
