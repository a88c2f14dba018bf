package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A range of the partition key with no partition: a gap. */
public class RangeRef {
    @JsonPropertyDescription("Start of the range, inclusive.")
    private String from;
    @JsonPropertyDescription("End of the range, exclusive.")
    private String to;

    public RangeRef() {
    }

    public RangeRef(String from, String to) {
        this.from = from;
        this.to = to;
    }

    public String getFrom() {
        return from;
    }

    public void setFrom(String from) {
        this.from = from;
    }

    public String getTo() {
        return to;
    }

    public void setTo(String to) {
        this.to = to;
    }
}
