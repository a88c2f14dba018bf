package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The retention retirements follow, and a shortened {@code spec.retention} waiting {@code spec.retentionChangeGrace}.
 * One object that is never removed once written, with scalar fields only: server-side apply on API servers before
 * 1.27 stores an object whose fields a manager stops applying as null, which a non-nullable schema then refuses
 * (kubernetes/kubernetes#103011), so a waiting change is a set of fields here rather than an object of its own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RetentionRef {
    @JsonPropertyDescription("The retention retirements follow: `spec.retention`, or while a shortened one waits the one it shortens; `forever` when everything is kept. The operator remembers it here to tell a shortened retention from the passage of time.")
    private String inForce;
    @JsonPropertyDescription("A shorter `spec.retention` that waits `spec.retentionChangeGrace` before it retires anything; absent when none waits.")
    private String shortenedTo;
    @JsonPropertyDescription("When the operator first saw `shortenedTo` (RFC 3339).")
    private String seenAt;
    @JsonPropertyDescription("When `shortenedTo` takes effect: `seenAt` plus `spec.retentionChangeGrace` (RFC 3339). Setting `spec.retention` back before then cancels it.")
    private String effectiveAt;

    public RetentionRef() {
    }

    public RetentionRef(String inForce, String shortenedTo, String seenAt, String effectiveAt) {
        this.inForce = inForce;
        this.shortenedTo = shortenedTo;
        this.seenAt = seenAt;
        this.effectiveAt = effectiveAt;
    }

    public String getInForce() {
        return inForce;
    }

    public void setInForce(String inForce) {
        this.inForce = inForce;
    }

    public String getShortenedTo() {
        return shortenedTo;
    }

    public void setShortenedTo(String shortenedTo) {
        this.shortenedTo = shortenedTo;
    }

    public String getSeenAt() {
        return seenAt;
    }

    public void setSeenAt(String seenAt) {
        this.seenAt = seenAt;
    }

    public String getEffectiveAt() {
        return effectiveAt;
    }

    public void setEffectiveAt(String effectiveAt) {
        this.effectiveAt = effectiveAt;
    }
}
