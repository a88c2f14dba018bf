package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@ValidationRule(value = "self.retentionAction != 'Detach' || !self.table.startsWith(self.archiveSchema + '.')",
        message = "archiveSchema must differ from the table's schema when retentionAction is Detach")
@ValidationRule(value = "self.bootstrap != 'IfMissing' || self.partitionKey == 'created_at'",
        message = "bootstrap IfMissing creates NoETL's metric table, partitioned on created_at")
public class MetricRetentionPolicySpec extends PartitionedTableSpec {
    @Default("noetl.metric")
    @Pattern(ApiGroup.QUALIFIED_IDENTIFIER)
    @JsonPropertyDescription("The RANGE-partitioned parent table, `schema.table` (schema `public` when omitted), as named in the catalog. Default `noetl.metric`.")
    private String table = "noetl.metric";

    @Default("created_at")
    @Pattern(ApiGroup.IDENTIFIER)
    @JsonPropertyDescription("The partition key column; checked against the catalog (it must be the table's only RANGE key, of type timestamptz, timestamp or date). Default `created_at`.")
    private String partitionKey = "created_at";

    @Default("1d")
    @Pattern("^(1h|1d|7d|1mo)$")
    @JsonPropertyDescription("Width of one partition: `1h`, `1d` (default), `7d` (ISO weeks, Monday to Monday) or `1mo` (calendar months). Boundaries fall on the hour, midnight, Monday or the 1st in `timeZone`. Partition names: `<table>_YYYY_MM_DD_HH`, `<table>_YYYY_MM_DD`, `<table>_YYYY_wWW` (ISO week) and `<table>_YYYY_MM`.")
    private String interval = "1d";

    @Default("7")
    @Min(0)
    @Max(1000)
    @JsonPropertyDescription("How many partitions are kept ready beyond the current one. Default 7.")
    private int premake = 7;

    @Default("1d")
    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("How long rows are kept. A partition expires when its upper bound is at or before now minus retention; only partitions whose bounds lie on this policy's interval grid are ever expired. Units s, m, h, d, w. Default `1d`.")
    private String retention = "1d";

    @Default("UTC")
    @Pattern("^[A-Za-z0-9_+\\-/]{1,64}$")
    @JsonPropertyDescription("IANA time zone in which interval boundaries fall (for example `UTC`, `Europe/Berlin`). Never the database session's zone. Default `UTC`.")
    private String timeZone = "UTC";

    // The rollup fields have no schema default and no Java one: left out, the operator applies its own
    // (MetricPolicySettings), so a stored spec holds only what its author wrote.
    @Size(max = 8)
    @JsonPropertyDescription("Rollup tiers that keep metric history after raw partitions expire, from the finest to the coarsest, each resolution a whole multiple of the one before (for example `1m` kept 7d, `5m` kept 30d, `1h` kept 1y). Each closed raw partition is rolled into every tier once (recorded in the ledger `<schema>.metric_rollup_ledger`), and a raw partition is dropped or detached only after it is rolled into every tier. Read history with `<table>_history(name, labels, from, to)`. Empty or left out: no rollups.")
    private List<RollupTier> rollups;

    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION_OR_ZERO)
    @JsonPropertyDescription("How long after a raw partition's upper bound it is rolled up, so that rows written late (an insert time just before the bound) are in. Units s, m, h, d, w. Default `5m`.")
    private String rollupGrace;

    @Pattern(ApiGroup.QUALIFIED_IDENTIFIER)
    @JsonPropertyDescription("The series catalogue the tiers refer to by fingerprint, `schema.table`. Default `metric_series` in the raw table's schema.")
    private String seriesTable;

    @JsonPropertyDescription("Hand each closed raw partition to a long-term time-series store by Prometheus remote-write (VictoriaMetrics, Prometheus, Mimir, Thanos, Cortex) before it is retired: while this is set, a partition past retention is dropped or detached only after its samples are sent and confirmed (`verify`). Progress is kept in the ledger `<schema>.metric_export_ledger`; an interrupted export resumes from its last acknowledged batch. Left out: no export.")
    private MetricExport export;

    @Pattern(ApiGroup.IDENTIFIER)
    @JsonPropertyDescription("The column holding each sample's time, which rollup buckets, the export and the history reader use. Default: `timestamp` when the table has one, else the partition key (NoETL's live `noetl.metric` has only `created_at`). A `timestamp without time zone` column is read as wall-clock time in `timeZone`. A column that is missing or not a timestamp is refused (InvalidSpec).")
    private String sampleTimeColumn;

    @JsonPropertyDescription("What retirement does with NoETL's per-row TTL column `expires_at`, when the table has one: `Honor` (default) keeps a partition past retention while any of its rows has `expires_at` ahead of the database's clock, until the last of them expires (reported as RowsNotExpired); `Ignore` retires by the partition's bounds alone, as NoETL's `cleanup_expired_metrics()` does.")
    private RowExpiry rowExpiry;

    @JsonPropertyDescription("How fast the rollups and the export go beside the database's other work: both proceed in bounded steps and, before each, hold while the database is busy (more than `maxActiveBackends` other active backends, at most `maxHoldPerStep` a step) and keep to the fixed caps set here. Left out: no cap, and a hold only while the database is busy.")
    private HistoryPace historyPace;

    public HistoryPace getHistoryPace() {
        return historyPace;
    }

    public void setHistoryPace(HistoryPace historyPace) {
        this.historyPace = historyPace;
    }

    public String getSampleTimeColumn() {
        return sampleTimeColumn;
    }

    public void setSampleTimeColumn(String sampleTimeColumn) {
        this.sampleTimeColumn = sampleTimeColumn;
    }

    public RowExpiry getRowExpiry() {
        return rowExpiry;
    }

    public void setRowExpiry(RowExpiry rowExpiry) {
        this.rowExpiry = rowExpiry;
    }

    public MetricExport getExport() {
        return export;
    }

    public void setExport(MetricExport export) {
        this.export = export;
    }

    public List<RollupTier> getRollups() {
        return rollups;
    }

    public void setRollups(List<RollupTier> rollups) {
        this.rollups = rollups;
    }

    public String getRollupGrace() {
        return rollupGrace;
    }

    public void setRollupGrace(String rollupGrace) {
        this.rollupGrace = rollupGrace;
    }

    public String getSeriesTable() {
        return seriesTable;
    }

    public void setSeriesTable(String seriesTable) {
        this.seriesTable = seriesTable;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public String getPartitionKey() {
        return partitionKey;
    }

    public void setPartitionKey(String partitionKey) {
        this.partitionKey = partitionKey;
    }

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    public int getPremake() {
        return premake;
    }

    public void setPremake(int premake) {
        this.premake = premake;
    }

    public String getRetention() {
        return retention;
    }

    public void setRetention(String retention) {
        this.retention = retention;
    }

    public String getTimeZone() {
        return timeZone;
    }

    public void setTimeZone(String timeZone) {
        this.timeZone = timeZone;
    }
}
