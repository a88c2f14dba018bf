package io.noetl.lifecycle.plan;

/** A spec the operator will not act on; reported as {@code InvalidSpec} naming the field. */
public class InvalidSpecException extends Exception {
    private final String field;

    public InvalidSpecException(String field, String reason) {
        super("spec." + field + ": " + reason);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
