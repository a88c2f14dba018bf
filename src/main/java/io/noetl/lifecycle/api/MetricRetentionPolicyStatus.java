package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Status of a {@link MetricRetentionPolicy}: the shared partition report, and its rollup tiers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricRetentionPolicyStatus extends PartitionedTableStatus {
    @JsonPropertyDescription("Each rollup tier of `spec.rollups`, in its order: what it holds, its watermark and lag. Absent without rollups.")
    private List<RollupTierStatus> rollups;
    @JsonPropertyDescription("The oldest of the tiers' watermarks (RFC 3339): raw rows inserted before it are rolled into every tier. Absent without rollups or before the first rollup.")
    private String rollupWatermark;
    @JsonPropertyDescription("The export of `spec.export`: watermark, lag, samples exported and in flight, the last error. Absent without export.")
    private ExportStatus export;
    @JsonPropertyDescription("How the rollups and the export were paced (`spec.historyPace`): their steps, the rate, how long and why they were held back (`ActiveBackends`, `RateCap`), the signal's value, and the rollups' WAL. Absent without rollups and export.")
    private HistoryPaceStatus historyPace;

    public HistoryPaceStatus getHistoryPace() {
        return historyPace;
    }

    public void setHistoryPace(HistoryPaceStatus historyPace) {
        this.historyPace = historyPace;
    }

    public ExportStatus getExport() {
        return export;
    }

    public void setExport(ExportStatus export) {
        this.export = export;
    }

    public List<RollupTierStatus> getRollups() {
        return rollups;
    }

    public void setRollups(List<RollupTierStatus> rollups) {
        this.rollups = rollups;
    }

    public String getRollupWatermark() {
        return rollupWatermark;
    }

    public void setRollupWatermark(String rollupWatermark) {
        this.rollupWatermark = rollupWatermark;
    }
}
