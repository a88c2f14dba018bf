package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A Secret key holding the certificate authorities (PEM) that the receiver's TLS certificate is checked against. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CaSecretRef {
    /** The key read when the spec names none: the one cert-manager and {@code kubernetes.io/tls} Secrets carry. */
    public static final String DEFAULT_KEY = "ca.crt";

    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
    @JsonPropertyDescription("Name of a Secret in the resource's namespace. Changes take effect on the next pass.")
    private String name;

    @Pattern("^[-._a-zA-Z0-9]{1,253}$")
    @JsonPropertyDescription("The key of the Secret that holds the certificates, PEM (`-----BEGIN CERTIFICATE-----`), one or more. Default `ca.crt`.")
    private String key;

    public CaSecretRef() {
    }

    public CaSecretRef(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }
}
