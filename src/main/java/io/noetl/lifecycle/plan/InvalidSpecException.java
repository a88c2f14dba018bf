package io.noetl.lifecycle.plan;

import io.noetl.lifecycle.api.Reason;

/** A spec the operator will not act on; reported as {@code InvalidSpec} naming the field. */
public class InvalidSpecException extends Exception {
    public InvalidSpecException(String field, String problem) {
        super("spec." + field + ": " + problem);
    }

    /** Always {@link Reason#INVALID_SPEC}. */
    public Reason reason() {
        return Reason.INVALID_SPEC;
    }
}
