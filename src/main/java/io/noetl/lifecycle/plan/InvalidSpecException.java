package io.noetl.lifecycle.plan;

/** A spec the operator will not act on; reported as {@code InvalidSpec} naming the field. */
public class InvalidSpecException extends Exception {
    public InvalidSpecException(String field, String reason) {
        super("spec." + field + ": " + reason);
    }
}
