package io.noetl.lifecycle.api;

/** Names shared by the three kinds. */
public final class ApiGroup {
    public static final String GROUP = "lifecycle.noetl.io";
    public static final String VERSION = "v1alpha1";

    /** An unquoted PostgreSQL identifier as it is stored in the catalog. */
    public static final String IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_$]{0,62}$";
    /** A table, optionally schema-qualified. */
    public static final String QUALIFIED_IDENTIFIER = "^([A-Za-z_][A-Za-z0-9_$]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_$]{0,62}$";
    /** A duration: one or more number-unit pairs, units s, m, h, d, w (for example 90s, 10m, 36h, 1d12h, 2w). */
    public static final String DURATION = "^([0-9]{1,6}(s|m|h|d|w))+$";
    /**
     * The longest duration text a spec may hold: every unit once with six digits is 35 characters. A bound the API
     * server enforces (maxLength), so that no pattern match or parse meets a string of thousands of pairs.
     */
    public static final int DURATION_MAX_LENGTH = 64;
    /** A duration that may be zero: {@link #DURATION}, or {@code 0} alone (for example {@code 0s}, {@code 0}). */
    public static final String DURATION_OR_ZERO = "^(0|([0-9]{1,6}(s|m|h|d|w))+)$";

    private ApiGroup() {
    }
}
