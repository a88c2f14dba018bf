package io.noetl.lifecycle.partition.plan;

/** One cell of a partition grid, {@code [from, to)} in key units. */
public record Window(long from, long to) {
    public Window {
        if (to <= from) {
            throw new IllegalArgumentException("empty window [" + from + ", " + to + ")");
        }
    }

    public KeyRange range() {
        return new KeyRange(from, to);
    }
}
