package io.noetl.lifecycle.cli;

/** Input the command will not act on: bad arguments, unparsable YAML, an invalid spec, a missing Secret. */
public class InvalidInputException extends Exception {
    public InvalidInputException(String message) {
        super(message);
    }
}
