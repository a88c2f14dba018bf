package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

public class SecretRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    @JsonPropertyDescription("Name of a Secret in the resource's namespace with the keys `url` (a JDBC URL `jdbc:postgresql://host:port/db` or a `postgresql://` URI), `username` and `password`. For TLS, end the URL with `?sslmode=verify-full&sslrootcert=/etc/noetl-lifecycle/db-ca/ca.crt` (the CA that deploy/ mounts; docs/operations.md, \"Transport security\"). Changes to the Secret take effect on the next reconcile, without a restart.")
    private String name;

    public SecretRef() {
    }

    public SecretRef(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
