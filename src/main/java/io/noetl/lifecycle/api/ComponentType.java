package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Optional;

/** The kinds of component NoETL's registry knows. */
public enum ComponentType {
    @JsonProperty("worker_pool")
    WORKER_POOL("worker_pool"),
    @JsonProperty("server_api")
    SERVER_API("server_api"),
    @JsonProperty("broker")
    BROKER("broker");

    private final String value;

    ComponentType(String value) {
        this.value = value;
    }

    /** The value stored in the registry row. */
    public String value() {
        return value;
    }

    /** The type whose registry value is {@code value}, if any. */
    public static Optional<ComponentType> fromValue(String value) {
        for (ComponentType t : values()) {
            if (t.value.equals(value)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
