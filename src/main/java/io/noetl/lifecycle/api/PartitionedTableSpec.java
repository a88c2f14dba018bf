package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** Fields shared by the two kinds that keep partitions of a RANGE-partitioned table. */
public abstract class PartitionedTableSpec extends LifecycleSpec {
    @Default("true")
    @JsonPropertyDescription("When rows in the default partition belong to a partition being created, move them into it (one transaction, checked by row counts, nothing lost; writers whose rows go to the default partition wait while it runs). When false the partition is not created and the conflict is reported as `DefaultPartitionConflict`. Default true.")
    private boolean moveDefaultRows = true;

    @Default("Drop")
    @JsonPropertyDescription("What happens to an expired partition: `Drop` (default) drops the table; `Detach` detaches it and moves it, rows intact, to `archiveSchema`.")
    private RetentionAction retentionAction = RetentionAction.Drop;

    @Default("archive")
    @Pattern(ApiGroup.IDENTIFIER)
    @JsonPropertyDescription("Schema that receives detached partitions when `retentionAction` is `Detach`; created if absent. Default `archive`.")
    private String archiveSchema = "archive";

    @Default("Never")
    @JsonPropertyDescription("`IfMissing` creates the table and the objects NoETL's schema describes when they are absent; `Never` (default) reports `TableMissing` and touches nothing.")
    private Bootstrap bootstrap = Bootstrap.Never;

    @Default("10m")
    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION)
    @JsonPropertyDescription("How often maintenance runs again on its own, on top of reacting to changes and running right after each partition boundary. Units s, m, h, d, w; at least 30s. Default `10m`.")
    private String maintenanceInterval = "10m";

    // The two bounds on retirements have no schema default and no Java one: the operator applies the default of
    // the kind when they are left out (MetricPolicySettings, EventPlanSettings), so a stored spec holds only what
    // its author wrote, and a later default can reach resources that never set them.
    @Min(0)
    @JsonPropertyDescription("The most partitions one pass drops or detaches, oldest first; the others wait for later passes (`status.pendingRetirements`, `Degraded` reason `RetirementsDeferred`). Bounds what one mistake (a wrong clock, a bad spec) can retire at once. `0` means no limit. Default 31 for MetricRetentionPolicy, 2 for EventPartitionPlan.")
    private Integer maxRetirementsPerPass;

    @Size(max = ApiGroup.DURATION_MAX_LENGTH)
    @Pattern(ApiGroup.DURATION_OR_ZERO)
    @JsonPropertyDescription("How long partitions that expire because `retention` was shortened (not because time passed) are kept after the operator first sees the change, so that a bad commit can be reverted before anything is lost: meanwhile `status.retentionChange` says when the change takes effect and `status.pendingRetirements` what it will retire (`Degraded` reason `RetirementsDeferred`). Setting `retention` back cancels it; a lengthened retention takes effect at once. Units s, m, h, d, w; `0s` lets a shortened retention act at once. Default `1h`.")
    private String retentionChangeGrace;

    /** The parent table, {@code schema.table}; each kind declares it with its own default. */
    public abstract String getTable();

    public boolean isMoveDefaultRows() {
        return moveDefaultRows;
    }

    public void setMoveDefaultRows(boolean moveDefaultRows) {
        this.moveDefaultRows = moveDefaultRows;
    }

    public RetentionAction getRetentionAction() {
        return retentionAction;
    }

    public void setRetentionAction(RetentionAction retentionAction) {
        this.retentionAction = retentionAction;
    }

    public String getArchiveSchema() {
        return archiveSchema;
    }

    public void setArchiveSchema(String archiveSchema) {
        this.archiveSchema = archiveSchema;
    }

    public Bootstrap getBootstrap() {
        return bootstrap;
    }

    public void setBootstrap(Bootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }

    public String getMaintenanceInterval() {
        return maintenanceInterval;
    }

    public void setMaintenanceInterval(String maintenanceInterval) {
        this.maintenanceInterval = maintenanceInterval;
    }

    /** As written; null when left out (the kind's default applies). */
    public Integer getMaxRetirementsPerPass() {
        return maxRetirementsPerPass;
    }

    public void setMaxRetirementsPerPass(Integer maxRetirementsPerPass) {
        this.maxRetirementsPerPass = maxRetirementsPerPass;
    }

    /** As written; null when left out (1h applies). */
    public String getRetentionChangeGrace() {
        return retentionChangeGrace;
    }

    public void setRetentionChangeGrace(String retentionChangeGrace) {
        this.retentionChangeGrace = retentionChangeGrace;
    }
}
