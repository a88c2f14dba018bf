package io.noetl.lifecycle.support;

/** Labels nested as deep as a test asks: what a writer with a runaway recursion might store in {@code labels}. */
public final class NestedLabels {
    private NestedLabels() {
    }

    /**
     * A JSON object whose only leaf, the number 1, sits {@code levels} levels below it (the object itself is level 0,
     * as in SQL/JSON's {@code .**{level}}): {@code {"a": {"a": 1}}} for 2.
     */
    public static String json(int levels) {
        if (levels < 1) {
            throw new IllegalArgumentException("an object's members are at level 1 at least");
        }
        return "{\"a\": ".repeat(levels) + "1" + "}".repeat(levels);
    }

    /** {@link #json} with the innermost levels arrays instead: {@code {"a": [[1]]}} for 3. */
    public static String jsonWithArrays(int levels) {
        if (levels < 2) {
            throw new IllegalArgumentException("an array below the object needs 2 levels at least");
        }
        return "{\"a\": " + "[".repeat(levels - 1) + "1" + "]".repeat(levels - 1) + "}";
    }
}
