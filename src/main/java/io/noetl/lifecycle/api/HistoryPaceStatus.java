package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** {@code status.historyPace}: how the rollups and the export were paced, and why they were held back. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HistoryPaceStatus {
    @JsonPropertyDescription("The rollups' steps in the last pass that rolled anything up. Absent without rollups or before the first.")
    private HistoryWorkPace rollup;
    @JsonPropertyDescription("The export's batches in the last pass that sent any. Absent without export or before the first.")
    private HistoryWorkPace export;

    public HistoryWorkPace getRollup() {
        return rollup;
    }

    public void setRollup(HistoryWorkPace rollup) {
        this.rollup = rollup;
    }

    public HistoryWorkPace getExport() {
        return export;
    }

    public void setExport(HistoryWorkPace export) {
        this.export = export;
    }
}
