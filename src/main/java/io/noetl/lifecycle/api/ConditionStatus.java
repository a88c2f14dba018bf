package io.noetl.lifecycle.api;

/** A condition's status, spelled as Kubernetes spells it (metav1.ConditionStatus). */
public enum ConditionStatus {
    True,
    False,
    Unknown;

    public static ConditionStatus of(boolean value) {
        return value ? True : False;
    }
}
