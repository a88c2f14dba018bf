package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Required;

/**
 * One rollup tier of a MetricRetentionPolicy: buckets of one width, kept for their own retention. Only what the user
 * writes is stored: the optional fields have no default in the schema or here; the operator derives theirs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RollupTier {
    @Required
    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("Width of one bucket (for example `1m`, `5m`, `1h`), aligned to the Unix epoch in UTC. List the tiers from the finest to the coarsest; each resolution is a whole multiple of the one before. Units s, m, h, d, w.")
    private String resolution;

    @Required
    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("How long this tier's buckets are kept: a tier partition expires when its upper bound is at or before now minus this. Units s, m, h, d, w.")
    private String retention;

    @Pattern(ApiGroup.QUALIFIED_IDENTIFIER)
    @JsonPropertyDescription("The tier table, `schema.table`. Default `<table>_rollup_<resolution>` in the raw table's schema, for example `noetl.metric_rollup_5m`.")
    private String table;

    @Pattern("^(1h|1d|7d|1mo)$")
    @JsonPropertyDescription("Width of one partition of the tier table: `1h`, `1d`, `7d` or `1mo`, in `spec.timeZone`. Default `1d` for resolutions under 5m, `7d` under 1h, `1mo` from 1h.")
    private String partitionInterval;

    public RollupTier() {
    }

    public RollupTier(String resolution, String retention) {
        this.resolution = resolution;
        this.retention = retention;
    }

    public String getResolution() {
        return resolution;
    }

    public void setResolution(String resolution) {
        this.resolution = resolution;
    }

    public String getRetention() {
        return retention;
    }

    public void setRetention(String retention) {
        this.retention = retention;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public String getPartitionInterval() {
        return partitionInterval;
    }

    public void setPartitionInterval(String partitionInterval) {
        this.partitionInterval = partitionInterval;
    }
}
