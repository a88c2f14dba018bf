package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A managed event window as read from the catalog. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EventWindowStatus {
    @JsonPropertyDescription("Partition name.")
    private String name;
    @JsonPropertyDescription("Lowest id, inclusive.")
    private String fromId;
    @JsonPropertyDescription("Upper id, exclusive.")
    private String toId;
    @JsonPropertyDescription("Time of the lowest id under this plan's layout (RFC 3339).")
    private String from;
    @JsonPropertyDescription("Time of the upper id under this plan's layout (RFC 3339).")
    private String to;
    @JsonPropertyDescription("Estimated rows (pg_class.reltuples; -1 before the first ANALYZE).")
    private Long rows;
    @JsonPropertyDescription("Total bytes, indexes and TOAST included.")
    private Long bytes;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getFromId() {
        return fromId;
    }

    public void setFromId(String fromId) {
        this.fromId = fromId;
    }

    public String getToId() {
        return toId;
    }

    public void setToId(String toId) {
        this.toId = toId;
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

    public Long getRows() {
        return rows;
    }

    public void setRows(Long rows) {
        this.rows = rows;
    }

    public Long getBytes() {
        return bytes;
    }

    public void setBytes(Long bytes) {
        this.bytes = bytes;
    }
}
