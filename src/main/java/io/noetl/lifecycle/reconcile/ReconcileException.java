package io.noetl.lifecycle.reconcile;

/** A reason the reconcile cannot go on, reported as {@code Ready=False} with this reason. */
public class ReconcileException extends Exception {
    private final String reason;

    public ReconcileException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
