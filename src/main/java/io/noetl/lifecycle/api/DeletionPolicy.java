package io.noetl.lifecycle.api;

/** What deleting a RuntimeComponent does to its registry row. */
public enum DeletionPolicy {
    MarkOffline, Retain, Delete
}
