package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** How a Snowflake-style id carries time: {@code time = epoch + (id >> timestampShift)} milliseconds. */
public class IdLayout {
    @Default("2024-01-01T00:00:00Z")
    @Pattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?Z$")
    @JsonPropertyDescription("The instant id 0 stands for, in UTC (RFC 3339 with `Z`). Default `2024-01-01T00:00:00Z`, NoETL's.")
    private String epoch = "2024-01-01T00:00:00Z";

    @Default("23")
    @Min(0)
    @Max(40)
    @JsonPropertyDescription("How many low bits hold shard and sequence: an id's time is `epoch + (id >> timestampShift)` ms and a time's boundary id is `(ms - epoch) << timestampShift`. Default 23, NoETL's.")
    private int timestampShift = 23;

    public String getEpoch() {
        return epoch;
    }

    public void setEpoch(String epoch) {
        this.epoch = epoch;
    }

    public int getTimestampShift() {
        return timestampShift;
    }

    public void setTimestampShift(int timestampShift) {
        this.timestampShift = timestampShift;
    }
}
