package io.noetl.lifecycle.registry.plan;

import io.noetl.lifecycle.api.Reason;

/** The registry table cannot hold a registration as it is; reported as {@code RegistryIncompatible}. */
public class RegistryIncompatibleException extends Exception {
    public RegistryIncompatibleException(String message) {
        super(message);
    }

    /** Always {@link Reason#REGISTRY_INCOMPATIBLE}. */
    public Reason reason() {
        return Reason.REGISTRY_INCOMPATIBLE;
    }
}
