package io.noetl.lifecycle.reconcile;

import io.noetl.lifecycle.api.Reason;
import java.util.Objects;

/** A reason the reconcile cannot go on, reported as {@code Ready=False} with this reason. */
public class ReconcileException extends Exception {
    private final Reason reason;

    public ReconcileException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        if (!reason.effect().readyFalse()) {
            throw new IllegalArgumentException(reason.name() + " cannot stop a reconcile: it is no Ready=False reason");
        }
    }

    public Reason reason() {
        return reason;
    }
}
