package io.noetl.lifecycle.plan;

/** The registry table cannot hold a registration as it is; reported as {@code RegistryIncompatible}. */
public class RegistryIncompatibleException extends Exception {
    public RegistryIncompatibleException(String message) {
        super(message);
    }
}
