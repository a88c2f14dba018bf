package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.metric.rollup.Tiers;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.DurationSpec;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.SpecRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A MetricRetentionPolicy's {@code spec.rollups}, {@code spec.rollupGrace} and {@code spec.seriesTable}, checked and
 * with the operator's defaults applied. No tiers: no rollups, and retirements are not gated.
 *
 * @param grace how long after a raw partition's upper bound it is rolled up
 */
public record RollupSettings(List<Tier> tiers, Duration grace, String catalogueSchema, String catalogueTable) {
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);
    public static final String DEFAULT_CATALOGUE = "metric_series";
    /** Where the tiers' partitions start and end: the bucket start. */
    public static final String TIER_KEY = "bucket_start";
    /** Partitions kept ready ahead in a tier table. */
    public static final int TIER_PREMAKE = 2;

    public RollupSettings {
        tiers = List.copyOf(tiers);
    }

    /** No rollups. */
    public static RollupSettings none(String schema) {
        return new RollupSettings(List.of(), DEFAULT_GRACE, schema, DEFAULT_CATALOGUE);
    }

    public boolean enabled() {
        return !tiers.isEmpty();
    }

    /**
     * One tier: its table, bucket width, retention and partition width.
     */
    public record Tier(String schema, String table, Resolution resolution, Duration retention,
            TimeInterval partitionInterval) {
        /** The policy of the tier table's own partitions: the raw policy's zone, bounds on retirements and interval. */
        public MetricPolicySettings tableSettings(MetricPolicySettings raw) {
            return MetricPolicySettings.builder().schema(schema).table(table).partitionKey(TIER_KEY)
                    .interval(partitionInterval).zone(raw.zone()).premake(TIER_PREMAKE).retention(retention)
                    .retentionAction(RetentionAction.Drop).moveDefaultRows(false).bootstrap(Bootstrap.Never)
                    .maintenanceInterval(raw.maintenanceInterval()).maxRetirementsPerPass(raw.maxRetirementsPerPass())
                    .retentionChangeGrace(raw.retentionChangeGrace()).hold(Optional.empty())
                    .rollups(none(schema)).build();
        }

        public String qualified() {
            return schema + "." + table;
        }
    }

    /** The default partition width of a tier table: daily under 5m buckets, weekly under 1h, monthly from 1h. */
    public static TimeInterval defaultPartitionInterval(Resolution r) {
        long s = r.width().getSeconds();
        return s < 300 ? TimeInterval.DAY : s < 3600 ? TimeInterval.WEEK : TimeInterval.MONTH;
    }

    /**
     * Parses the rollup fields of {@code spec} for the raw table {@code schema.table} kept for {@code rawRetention}.
     */
    public static RollupSettings from(MetricRetentionPolicySpec spec, String schema, String table,
            Duration rawRetention) throws InvalidSpecException {
        Duration grace = spec.getRollupGrace() == null ? DEFAULT_GRACE
                : SpecRules.durationOrZero("rollupGrace", spec.getRollupGrace());
        String[] catalogue = spec.getSeriesTable() == null ? new String[] {schema, DEFAULT_CATALOGUE}
                : SpecRules.table("seriesTable", spec.getSeriesTable());
        List<RollupTier> written = spec.getRollups() == null ? List.of() : spec.getRollups();
        if (written.size() > 8) {
            throw new InvalidSpecException("rollups", "at most 8 tiers, not " + written.size());
        }
        List<Tier> tiers = new ArrayList<>();
        List<Resolution> resolutions = new ArrayList<>();
        Set<String> tables = new HashSet<>(Set.of(schema + "." + table, catalogue[0] + "." + catalogue[1]));
        for (int i = 0; i < written.size(); i++) {
            RollupTier t = written.get(i);
            String field = "rollups[" + i + "]";
            if (t == null || t.getResolution() == null) {
                throw new InvalidSpecException(field + ".resolution", "a tier needs a resolution such as 5m");
            }
            Resolution resolution;
            try {
                resolution = Resolution.parse(t.getResolution());
            } catch (IllegalArgumentException e) {
                throw new InvalidSpecException(field + ".resolution", e.getMessage());
            }
            if (t.getRetention() == null) {
                throw new InvalidSpecException(field + ".retention", "a tier needs a retention such as 30d");
            }
            Duration retention = SpecRules.retention(field + ".retention", t.getRetention());
            if (retention.compareTo(rawRetention) <= 0) {
                throw new InvalidSpecException(field + ".retention", "the tier's retention " + t.getRetention()
                        + " is not longer than spec.retention (" + DurationSpec.format(rawRetention)
                        + "), so it would keep nothing the raw table does not");
            }
            if (retention.compareTo(resolution.width()) < 0) {
                throw new InvalidSpecException(field + ".retention", "the tier's retention " + t.getRetention()
                        + " is shorter than one bucket (" + resolution + ")");
            }
            String[] name = t.getTable() == null ? new String[] {schema, table + "_rollup_" + resolution}
                    : SpecRules.table(field + ".table", t.getTable());
            if (name[1].length() > SpecRules.MAX_TABLE_NAME) {
                throw new InvalidSpecException(field + ".table", "the tier table's name " + name[1] + " is longer than "
                        + SpecRules.MAX_TABLE_NAME + " characters; set rollups[" + i + "].table to a shorter one");
            }
            if (!tables.add(name[0] + "." + name[1])) {
                throw new InvalidSpecException(field + ".table", name[0] + "." + name[1]
                        + " is already the raw table, the series table or another tier's table");
            }
            TimeInterval interval;
            try {
                interval = t.getPartitionInterval() == null ? defaultPartitionInterval(resolution)
                        : TimeInterval.parse(t.getPartitionInterval());
            } catch (IllegalArgumentException e) {
                throw new InvalidSpecException(field + ".partitionInterval", e.getMessage());
            }
            resolutions.add(resolution);
            tiers.add(new Tier(name[0], name[1], resolution, retention, interval));
        }
        Optional<Tiers.Problem> problem = Tiers.check(resolutions);
        if (problem.isPresent()) {
            throw new InvalidSpecException("rollups[" + problem.get().index() + "].resolution",
                    problem.get().message());
        }
        return new RollupSettings(tiers, grace, catalogue[0], catalogue[1]);
    }
}
