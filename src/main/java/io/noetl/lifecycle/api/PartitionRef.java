package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A partition as the status shows it: its name and the range its bounds cover. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PartitionRef {
    @JsonPropertyDescription("Partition table name (without schema).")
    private String name;
    @JsonPropertyDescription("Lower bound, inclusive, as read from the catalog (RFC 3339 time for time keys, the id for id keys; `MINVALUE` when unbounded).")
    private String from;
    @JsonPropertyDescription("Upper bound, exclusive, as read from the catalog (`MAXVALUE` when unbounded).")
    private String to;
    @JsonPropertyDescription("For id-keyed tables: the time of `from` under the resource's id layout (RFC 3339).")
    private String fromTime;
    @JsonPropertyDescription("For id-keyed tables: the time of `to` under the resource's id layout (RFC 3339).")
    private String toTime;
    @JsonPropertyDescription("Why the partition is unmanaged, when it is listed under `unmanaged`: `protected` (named in `spec.protect`), `unbounded` (a bound is MINVALUE or MAXVALUE) or `offGrid` (a bound is not on the policy's grid).")
    private String reason;

    public PartitionRef() {
    }

    public PartitionRef(String name, String from, String to, String reason) {
        this.name = name;
        this.from = from;
        this.to = to;
        this.reason = reason;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
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

    public String getFromTime() {
        return fromTime;
    }

    public void setFromTime(String fromTime) {
        this.fromTime = fromTime;
    }

    public String getToTime() {
        return toTime;
    }

    public void setToTime(String toTime) {
        this.toTime = toTime;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }
}
