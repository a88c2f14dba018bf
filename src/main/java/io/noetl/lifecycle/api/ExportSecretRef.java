package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** The Secret that holds the remote-write endpoint's credentials. */
public class ExportSecretRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    @JsonPropertyDescription("Name of a Secret in the resource's namespace with either the key `token` (sent as `Authorization: Bearer <token>`) or the keys `username` and `password` (HTTP basic authentication). Changes take effect on the next pass.")
    private String name;

    public ExportSecretRef() {
    }

    public ExportSecretRef(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
