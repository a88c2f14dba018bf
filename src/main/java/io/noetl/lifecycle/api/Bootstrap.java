package io.noetl.lifecycle.api;

/** What the operator does when the target table is absent. */
public enum Bootstrap {
    /** Create the schema objects NoETL's seed describes. */
    IfMissing,
    /** Touch nothing; report {@code TableMissing}. */
    Never
}
