package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@ValidationRule(value = "self.retentionAction != 'Detach' || !self.table.startsWith(self.archiveSchema + '.')",
        message = "archiveSchema must differ from the table's schema when retentionAction is Detach")
@ValidationRule(value = "self.bootstrap != 'IfMissing' || self.partitionKey == 'execution_id'",
        message = "bootstrap IfMissing creates NoETL's event table, partitioned on execution_id")
@ValidationRule(value = "!has(self.protect) || !(self.defaultPartition in self.protect)",
        message = "the default partition is never dropped anyway; do not list it in protect")
public class EventPartitionPlanSpec extends PartitionedTableSpec {
    @Default("noetl.event")
    @Pattern(ApiGroup.QUALIFIED_IDENTIFIER)
    @JsonPropertyDescription("The RANGE-partitioned parent table, `schema.table` (schema `public` when omitted). Default `noetl.event`.")
    private String table = "noetl.event";

    @Default("execution_id")
    @Pattern(ApiGroup.IDENTIFIER)
    @JsonPropertyDescription("The bigint partition key holding Snowflake-style ids; checked against the catalog. Default `execution_id`.")
    private String partitionKey = "execution_id";

    @JsonPropertyDescription("How ids carry time. Defaults to NoETL's layout (epoch 2024-01-01T00:00:00Z, shift 23).")
    private IdLayout idLayout = new IdLayout();

    @Default("Quarter")
    @JsonPropertyDescription("Calendar window (UTC) one partition covers: `Quarter` (default, names `<table>_YYYY_qN`), `HalfYear` (`<table>_YYYY_hN`), `Month` (`<table>_YYYY_MM`) or `Year` (`<table>_YYYY`).")
    private EventWindow window = EventWindow.Quarter;

    @Default("2")
    @Min(0)
    @Max(100)
    @JsonPropertyDescription("How many windows are kept ready beyond the current one. Default 2.")
    private int ahead = 2;

    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("How long events are kept; omit to keep everything. A managed window expires when its upper bound's time is at or before now minus retention. Units s, m, h, d, w.")
    private String retention;

    @Default("event_default")
    @Pattern(ApiGroup.IDENTIFIER)
    @JsonPropertyDescription("The default partition, in the parent's schema: created when missing, never dropped. Default `event_default`.")
    private String defaultPartition = "event_default";

    @Size(max = 100)
    @JsonPropertyDescription("Partition names the operator never touches (for example a partition holding ids of another layout).")
    private List<String> protect = new ArrayList<>();

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

    public IdLayout getIdLayout() {
        return idLayout;
    }

    public void setIdLayout(IdLayout idLayout) {
        this.idLayout = idLayout;
    }

    public EventWindow getWindow() {
        return window;
    }

    public void setWindow(EventWindow window) {
        this.window = window;
    }

    public int getAhead() {
        return ahead;
    }

    public void setAhead(int ahead) {
        this.ahead = ahead;
    }

    public String getRetention() {
        return retention;
    }

    public void setRetention(String retention) {
        this.retention = retention;
    }

    public String getDefaultPartition() {
        return defaultPartition;
    }

    public void setDefaultPartition(String defaultPartition) {
        this.defaultPartition = defaultPartition;
    }

    public List<String> getProtect() {
        return protect;
    }

    public void setProtect(List<String> protect) {
        this.protect = protect;
    }
}
