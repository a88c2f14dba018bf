package io.noetl.lifecycle.plan;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RetentionAction;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/** A MetricRetentionPolicy's spec, checked and parsed. */
public record MetricPolicySettings(String schema, String table, String partitionKey, TimeInterval interval,
        ZoneId zone, int premake, Duration retention, RetentionAction retentionAction, String archiveSchema,
        boolean moveDefaultRows, Bootstrap bootstrap, Duration maintenanceInterval) implements TablePolicySettings {

    public static final String SEED_PARTITION_KEY = "created_at";

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
        Duration retention = SpecRules.duration("retention", spec.getRetention());
        RetentionAction action = SpecRules.retentionAction(spec);
        String archive = SpecRules.archiveSchema(spec, action, table[0]);
        Bootstrap bootstrap = SpecRules.bootstrap(spec, key, SEED_PARTITION_KEY);
        return new MetricPolicySettings(table[0], table[1], key, interval, zone, premake, retention, action,
                archive, spec.isMoveDefaultRows(), bootstrap, SpecRules.maintenanceInterval(spec.getMaintenanceInterval()));
    }

    @Override
    public PartitionPlanner.Policy plannerPolicy(KeyType keyType, Instant now) {
        TimeGrid grid = grid(keyType);
        return PartitionPlanner.Policy.builder().grid(grid).tableName(table).now(grid.keyOf(now))
                .expireBefore(grid.keyOf(now.minus(retention))).ahead(premake).retentionAction(retentionAction)
                .archiveSchema(archiveSchema).moveDefaultRows(moveDefaultRows).build();
    }

    @Override
    public String unsupportedKey(KeyType keyType) {
        if (!keyType.isTime()) {
            return "a MetricRetentionPolicy needs a time key (timestamptz, timestamp or date), not " + keyType;
        }
        if (keyType == KeyType.DATE && interval == TimeInterval.HOUR) {
            return "a date key cannot be partitioned by the hour; use interval 1d, 7d or 1mo";
        }
        return null;
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
}
