package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.api.RowExpiry;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.SpecRules;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A MetricRetentionPolicy's spec, checked and parsed; {@code hold} is not the spec's but what a shortened retention
 * waiting its grace leaves in force ({@link RetentionGrace}), empty when parsed.
 */
public record MetricPolicySettings(String schema, String table, String partitionKey, TimeInterval interval,
        ZoneId zone, int premake, Duration retention, RetentionAction retentionAction, String archiveSchema,
        boolean moveDefaultRows, Bootstrap bootstrap, Duration maintenanceInterval, int maxRetirementsPerPass,
        Duration retentionChangeGrace, Optional<RetentionGrace.Hold> hold, RollupSettings rollups,
        ExportSettings export, Optional<String> sampleTimeColumn, RowExpiry rowExpiry,
        HistoryPaceSettings pace)
        implements TablePolicySettings {

    public static final String SEED_PARTITION_KEY = "created_at";
    /** {@code spec.maxRetirementsPerPass} when left out: a month of daily partitions. */
    public static final int DEFAULT_MAX_RETIREMENTS_PER_PASS = 31;

    public static MetricPolicySettings from(MetricRetentionPolicySpec spec) throws InvalidSpecException {
        String[] table = SpecRules.table("table", spec.getTable());
        String key = SpecRules.identifier("partitionKey", spec.getPartitionKey());
        TimeInterval interval;
        try {
            interval = TimeInterval.parse(spec.getInterval());
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("interval", e.getMessage());
        }
        ZoneId zone = SpecRules.zone("timeZone", spec.getTimeZone());
        int premake = SpecRules.range("premake", spec.getPremake(), 0, 1000);
        Duration retention = SpecRules.retention("retention", spec.getRetention());
        RetentionAction action = SpecRules.retentionAction(spec);
        String archive = SpecRules.archiveSchema(spec, action, table[0]);
        Bootstrap bootstrap = SpecRules.bootstrap(spec, key, SEED_PARTITION_KEY);
        RollupSettings rollups = RollupSettings.from(spec, table[0], table[1], retention);
        ExportSettings export = ExportSettings.from(spec.getExport());
        export.tierOf(rollups);
        Optional<String> sampleTime = spec.getSampleTimeColumn() == null ? Optional.empty()
                : Optional.of(SpecRules.identifier("sampleTimeColumn", spec.getSampleTimeColumn()));
        return new MetricPolicySettings(table[0], table[1], key, interval, zone, premake, retention, action,
                archive, spec.isMoveDefaultRows(), bootstrap, SpecRules.maintenanceInterval(spec.getMaintenanceInterval()),
                SpecRules.maxRetirementsPerPass(spec, DEFAULT_MAX_RETIREMENTS_PER_PASS),
                SpecRules.retentionChangeGrace(spec), Optional.empty(), rollups, export, sampleTime,
                spec.getRowExpiry() == null ? RowExpiry.Honor : spec.getRowExpiry(),
                HistoryPaceSettings.from(spec.getHistoryPace()));
    }

    /**
     * A builder starting from the settings of a spec that sets nothing ({@code noetl.metric} on
     * {@code created_at}, 1d in UTC, premake 7, retention 1d, Drop with archive schema {@code archive}, default
     * rows moved, bootstrap Never, maintenance every 10m, at most 31 retirements a pass, a grace of 1h, no hold, no
     * rollups).
     * Unlike {@link #from} it checks nothing.
     */
    public static Builder builder() {
        try {
            return new Builder(from(new MetricRetentionPolicySpec()));
        } catch (InvalidSpecException e) {
            throw new IllegalStateException("a spec that sets nothing is invalid", e);
        }
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** These settings with {@code premake} partitions kept ready beyond the current one. */
    public MetricPolicySettings withPremake(int premake) {
        return new Builder(this).premake(premake).build();
    }

    /** Its table, then its rollup tiers' tables. */
    @Override
    public List<String> tables() {
        List<String> tables = new ArrayList<>(List.of(schema + "." + table));
        if (rollups != null) {
            rollups.tiers().forEach(t -> tables.add(t.qualified()));
        }
        return tables;
    }

    @Override
    public Optional<Duration> specRetention() {
        return Optional.of(retention);
    }

    @Override
    public MetricPolicySettings withHold(Optional<RetentionGrace.Hold> hold) {
        return new Builder(this).hold(hold).build();
    }

    @Override
    public PartitionPlanner.Policy plannerPolicy(KeyType keyType, Instant now) {
        TimeGrid grid = grid(keyType);
        return PartitionPlanner.Policy.builder().grid(grid).tableName(table).now(grid.keyOf(now))
                .expireBefore(grid.keyOf(now.minus(retention))).ahead(premake).retentionAction(retentionAction)
                .archiveSchema(archiveSchema).moveDefaultRows(moveDefaultRows).maxRetirements(maxRetirementsPerPass)
                .grace(hold.map(h -> new PartitionPlanner.Grace(h.inForce().map(r -> grid.keyOf(now.minus(r)))
                        .orElse(null), h.why())).orElse(null))
                .build();
    }

    @Override
    public Optional<String> retentionCutoffSql(KeyType keyType) {
        String cutoff = "(now() - make_interval(secs => " + retention.toSeconds() + "))";
        return Optional.of(switch (keyType) {
            case TIMESTAMPTZ -> cutoff;
            // a zoneless key holds wall-clock times in spec.timeZone (TimeGrid), never the session's zone
            case TIMESTAMP -> "(" + cutoff + " AT TIME ZONE " + MetricColumns.zoneLiteral(zone) + ")";
            case DATE -> "(" + cutoff + " AT TIME ZONE " + MetricColumns.zoneLiteral(zone) + ")::date";
            default -> throw new IllegalArgumentException("a time policy on a " + keyType + " key");
        });
    }

    @Override
    public Optional<String> unsupportedKey(KeyType keyType) {
        if (!keyType.isTime()) {
            return Optional.of("a MetricRetentionPolicy needs a time key (timestamptz, timestamp or date), not "
                    + keyType);
        }
        if (keyType == KeyType.DATE && interval == TimeInterval.HOUR) {
            return Optional.of("a date key cannot be partitioned by the hour; use interval 1d, 7d or 1mo");
        }
        return Optional.empty();
    }

    @Override
    public Instant nextBoundary(KeyType keyType, Instant now) {
        TimeGrid grid = grid(keyType);
        return grid.instantOf(grid.next(grid.windowContaining(grid.keyOf(now))).from());
    }

    @Override
    public Instant instantOf(KeyType keyType, long key) {
        return grid(keyType).instantOf(key);
    }

    private TimeGrid grid(KeyType keyType) {
        return new TimeGrid(interval, zone, keyType);
    }

    /** Builds {@link MetricPolicySettings}; see {@link MetricPolicySettings#builder()} for the defaults. */
    public static final class Builder {
        private String schema;
        private String table;
        private String partitionKey;
        private TimeInterval interval;
        private ZoneId zone;
        private int premake;
        private Duration retention;
        private RetentionAction retentionAction;
        private String archiveSchema;
        private boolean moveDefaultRows;
        private Bootstrap bootstrap;
        private Duration maintenanceInterval;
        private int maxRetirementsPerPass;
        private Duration retentionChangeGrace;
        private Optional<RetentionGrace.Hold> hold;
        private RollupSettings rollups;
        private ExportSettings export;
        private Optional<String> sampleTimeColumn;
        private RowExpiry rowExpiry;
        private HistoryPaceSettings pace;

        private Builder(MetricPolicySettings s) {
            schema = s.schema();
            table = s.table();
            partitionKey = s.partitionKey();
            interval = s.interval();
            zone = s.zone();
            premake = s.premake();
            retention = s.retention();
            retentionAction = s.retentionAction();
            archiveSchema = s.archiveSchema();
            moveDefaultRows = s.moveDefaultRows();
            bootstrap = s.bootstrap();
            maintenanceInterval = s.maintenanceInterval();
            maxRetirementsPerPass = s.maxRetirementsPerPass();
            retentionChangeGrace = s.retentionChangeGrace();
            hold = s.hold();
            rollups = s.rollups();
            export = s.export();
            sampleTimeColumn = s.sampleTimeColumn();
            rowExpiry = s.rowExpiry();
            pace = s.pace();
        }

        public Builder sampleTimeColumn(Optional<String> sampleTimeColumn) {
            this.sampleTimeColumn = sampleTimeColumn;
            return this;
        }

        public Builder pace(HistoryPaceSettings pace) {
            this.pace = pace;
            return this;
        }

        public Builder rowExpiry(RowExpiry rowExpiry) {
            this.rowExpiry = rowExpiry;
            return this;
        }

        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        public Builder table(String table) {
            this.table = table;
            return this;
        }

        public Builder partitionKey(String partitionKey) {
            this.partitionKey = partitionKey;
            return this;
        }

        public Builder interval(TimeInterval interval) {
            this.interval = interval;
            return this;
        }

        public Builder zone(ZoneId zone) {
            this.zone = zone;
            return this;
        }

        public Builder premake(int premake) {
            this.premake = premake;
            return this;
        }

        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        public Builder retentionAction(RetentionAction retentionAction) {
            this.retentionAction = retentionAction;
            return this;
        }

        public Builder archiveSchema(String archiveSchema) {
            this.archiveSchema = archiveSchema;
            return this;
        }

        public Builder moveDefaultRows(boolean moveDefaultRows) {
            this.moveDefaultRows = moveDefaultRows;
            return this;
        }

        public Builder bootstrap(Bootstrap bootstrap) {
            this.bootstrap = bootstrap;
            return this;
        }

        public Builder maintenanceInterval(Duration maintenanceInterval) {
            this.maintenanceInterval = maintenanceInterval;
            return this;
        }

        public Builder maxRetirementsPerPass(int maxRetirementsPerPass) {
            this.maxRetirementsPerPass = maxRetirementsPerPass;
            return this;
        }

        public Builder retentionChangeGrace(Duration retentionChangeGrace) {
            this.retentionChangeGrace = retentionChangeGrace;
            return this;
        }

        public Builder hold(Optional<RetentionGrace.Hold> hold) {
            this.hold = hold;
            return this;
        }

        public Builder export(ExportSettings export) {
            this.export = export;
            return this;
        }

        public Builder rollups(RollupSettings rollups) {
            this.rollups = rollups;
            return this;
        }

        public MetricPolicySettings build() {
            return new MetricPolicySettings(schema, table, partitionKey, interval, zone, premake, retention,
                    retentionAction, archiveSchema, moveDefaultRows, bootstrap, maintenanceInterval,
                    maxRetirementsPerPass, retentionChangeGrace, hold, rollups, export, sampleTimeColumn, rowExpiry,
                    pace);
        }
    }
}
