package io.noetl.lifecycle.api;

/** What happens to an expired partition. */
public enum RetentionAction {
    /** DROP TABLE: the rows are gone and the space is freed at once. */
    Drop,
    /** DETACH PARTITION and move the table to the archive schema, where it stays until someone removes it. */
    Detach
}
