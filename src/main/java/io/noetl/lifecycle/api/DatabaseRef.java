package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

public class DatabaseRef {
    @JsonPropertyDescription("The Secret holding the connection details. Omit `database` altogether to use the operator's default database (set on the operator for single-database installs).")
    private SecretRef secretRef;

    public DatabaseRef() {
    }

    public DatabaseRef(SecretRef secretRef) {
        this.secretRef = secretRef;
    }

    public SecretRef getSecretRef() {
        return secretRef;
    }

    public void setSecretRef(SecretRef secretRef) {
        this.secretRef = secretRef;
    }
}
