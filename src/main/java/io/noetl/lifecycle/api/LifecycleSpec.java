package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Fields every kind shares. Defaults are set both in the schema and here, for clusters that skip schema defaulting. */
public abstract class LifecycleSpec {
    @JsonPropertyDescription("Where the tables live. Omit to use the operator's default database.")
    private DatabaseRef database;

    @Default("false")
    @JsonPropertyDescription("Observe and report, change nothing in the database.")
    private boolean suspend = false;

    @Default("false")
    @JsonPropertyDescription("Compute the maintenance plan and publish it in `status.plannedActions`; change nothing in the database.")
    private boolean dryRun = false;

    public DatabaseRef getDatabase() {
        return database;
    }

    public void setDatabase(DatabaseRef database) {
        this.database = database;
    }

    public boolean isSuspend() {
        return suspend;
    }

    public void setSuspend(boolean suspend) {
        this.suspend = suspend;
    }

    public boolean isDryRun() {
        return dryRun;
    }

    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }
}
