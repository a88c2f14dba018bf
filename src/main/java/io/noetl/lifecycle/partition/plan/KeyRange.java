package io.noetl.lifecycle.partition.plan;

/**
 * A partition's bounds in key units: epoch microseconds for time keys, the value itself for integer keys.
 * {@code null} stands for MINVALUE (from) or MAXVALUE (to).
 */
public record KeyRange(Long from, Long to) {

    public boolean isBounded() {
        return from != null && to != null;
    }

    public boolean overlaps(long otherFrom, long otherTo) {
        return (from == null || from < otherTo) && (to == null || to > otherFrom);
    }

    public boolean contains(long key) {
        return (from == null || from <= key) && (to == null || key < to);
    }
}
