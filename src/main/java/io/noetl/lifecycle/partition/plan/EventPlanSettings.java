package io.noetl.lifecycle.partition.plan;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.EventPartitionPlanSpec;
import io.noetl.lifecycle.api.EventWindow;
import io.noetl.lifecycle.api.IdLayout;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.plan.SpecRules;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * An EventPartitionPlan's spec, checked and parsed. {@code retention} is null when everything is kept; {@code hold}
 * is not the spec's but what a shortened retention waiting its grace leaves in force ({@link RetentionGrace}), empty
 * when parsed.
 */
public record EventPlanSettings(String schema, String table, String partitionKey, SnowflakeLayout layout,
        EventWindow window, int ahead, Duration retention, RetentionAction retentionAction, String archiveSchema,
        String defaultPartition, Set<String> protect, boolean moveDefaultRows, Bootstrap bootstrap,
        Duration maintenanceInterval, int maxRetirementsPerPass, Duration retentionChangeGrace,
        Optional<RetentionGrace.Hold> hold) implements TablePolicySettings {

    public static final int MAX_SHIFT = 40;
    public static final String SEED_PARTITION_KEY = "execution_id";
    /** {@code spec.maxRetirementsPerPass} when left out: two windows (half a year of quarters). */
    public static final int DEFAULT_MAX_RETIREMENTS_PER_PASS = 2;

    public static EventPlanSettings from(EventPartitionPlanSpec spec) throws InvalidSpecException {
        String[] table = SpecRules.table("table", spec.getTable());
        String key = SpecRules.identifier("partitionKey", spec.getPartitionKey());
        IdLayout idLayout = spec.getIdLayout() == null ? new IdLayout() : spec.getIdLayout();
        Instant epoch;
        try {
            epoch = Instant.parse(idLayout.getEpoch());
        } catch (DateTimeException | NullPointerException e) {
            throw new InvalidSpecException("idLayout.epoch", "'" + idLayout.getEpoch()
                    + "' is not an RFC 3339 UTC instant such as 2024-01-01T00:00:00Z");
        }
        int shift = SpecRules.range("idLayout.timestampShift", idLayout.getTimestampShift(), 0, MAX_SHIFT);
        if (spec.getWindow() == null) {
            throw new InvalidSpecException("window", "must be Quarter, HalfYear, Month or Year");
        }
        int ahead = SpecRules.range("ahead", spec.getAhead(), 0, 100);
        Duration retention = spec.getRetention() == null ? null : SpecRules.retention("retention", spec.getRetention());
        RetentionAction action = SpecRules.retentionAction(spec);
        String archive = SpecRules.archiveSchema(spec, action, table[0]);
        String dflt = SpecRules.identifier("defaultPartition", spec.getDefaultPartition());
        Set<String> protect = new LinkedHashSet<>();
        if (spec.getProtect() != null) {
            for (String name : spec.getProtect()) {
                protect.add(SpecRules.identifier("protect", name));
            }
        }
        if (protect.contains(dflt)) {
            throw new InvalidSpecException("protect", "the default partition is never dropped anyway; "
                    + "do not list it in protect");
        }
        Bootstrap bootstrap = SpecRules.bootstrap(spec, key, SEED_PARTITION_KEY);
        return new EventPlanSettings(table[0], table[1], key, new SnowflakeLayout(epoch, shift), spec.getWindow(),
                ahead, retention, action, archive, dflt, Set.copyOf(protect), spec.isMoveDefaultRows(), bootstrap,
                SpecRules.maintenanceInterval(spec.getMaintenanceInterval()),
                SpecRules.maxRetirementsPerPass(spec, DEFAULT_MAX_RETIREMENTS_PER_PASS),
                SpecRules.retentionChangeGrace(spec), Optional.empty());
    }

    public IdWindowGrid grid() {
        return new IdWindowGrid(window, layout);
    }

    @Override
    public Optional<Duration> specRetention() {
        return Optional.ofNullable(retention);
    }

    @Override
    public EventPlanSettings withHold(Optional<RetentionGrace.Hold> hold) {
        return new EventPlanSettings(schema, table, partitionKey, layout, window, ahead, retention, retentionAction,
                archiveSchema, defaultPartition, protect, moveDefaultRows, bootstrap, maintenanceInterval,
                maxRetirementsPerPass, retentionChangeGrace, hold);
    }

    @Override
    public PartitionPlanner.Policy plannerPolicy(KeyType keyType, Instant now) {
        Long expireBefore = retention == null ? null : layout.boundaryId(now.minus(retention));
        return PartitionPlanner.Policy.builder().grid(grid()).tableName(table).now(layout.boundaryId(now))
                .expireBefore(expireBefore).ahead(ahead).retentionAction(retentionAction).archiveSchema(archiveSchema)
                .protect(protect).moveDefaultRows(moveDefaultRows).defaultPartition(defaultPartition)
                .maxRetirements(maxRetirementsPerPass)
                .grace(hold.map(h -> new PartitionPlanner.Grace(h.inForce().map(r -> layout.boundaryId(now.minus(r)))
                        .orElse(null), h.why())).orElse(null))
                .build();
    }

    @Override
    public Optional<String> retentionCutoffSql(KeyType keyType) {
        if (retention == null) {
            return Optional.empty();
        }
        // the boundary id of (server time - retention), as SnowflakeLayout.boundaryId computes it
        return Optional.of("((floor(extract(epoch FROM now() - make_interval(secs => " + retention.toSeconds()
                + ")) * 1000)::bigint - " + layout.epoch().toEpochMilli() + ") << " + layout.shift() + ")");
    }

    @Override
    public Optional<String> unsupportedKey(KeyType keyType) {
        return keyType == KeyType.BIGINT ? Optional.empty()
                : Optional.of("an EventPartitionPlan needs a bigint key holding Snowflake ids, not " + keyType);
    }

    @Override
    public Instant nextBoundary(KeyType keyType, Instant now) {
        IdWindowGrid grid = grid();
        return layout.timeOf(grid.next(grid.windowAt(now)).from());
    }

    @Override
    public String timeOf(long key) {
        try {
            return layout.timeOf(key).toString();
        } catch (ArithmeticException | DateTimeException e) {
            return null;
        }
    }

    @Override
    public Instant instantOf(KeyType keyType, long key) {
        return layout.timeOf(key);
    }
}
