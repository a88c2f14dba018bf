package io.noetl.lifecycle.plan;

import io.noetl.lifecycle.api.ApiGroup;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.PartitionedTableSpec;
import io.noetl.lifecycle.api.RetentionAction;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;

/**
 * The checks the CRD schema makes, made again by the reconciler for clusters (and mock servers) that skip
 * schema validation, plus the ones a schema cannot express.
 */
public final class SpecRules {
    /** Leaves room for the longest partition suffix within PostgreSQL's 63-byte names. */
    public static final int MAX_TABLE_NAME = 40;
    public static final Duration MIN_MAINTENANCE_INTERVAL = Duration.ofSeconds(30);
    /** {@code spec.retentionChangeGrace} when the spec leaves it out. */
    public static final Duration DEFAULT_RETENTION_CHANGE_GRACE = Duration.ofHours(1);

    private SpecRules() {
    }

    public static String identifier(String field, String value) throws InvalidSpecException {
        if (value == null || !value.matches(ApiGroup.IDENTIFIER)) {
            throw new InvalidSpecException(field, "'" + value
                    + "' is not a plain identifier (letters, digits, _ and $, not starting with a digit, at most 63)");
        }
        return value;
    }

    /** Returns {schema, table}. */
    public static String[] table(String field, String value) throws InvalidSpecException {
        if (value == null || !value.matches(ApiGroup.QUALIFIED_IDENTIFIER)) {
            throw new InvalidSpecException(field, "'" + value + "' is not a table name such as noetl.metric");
        }
        int dot = value.indexOf('.');
        String[] parts = dot < 0 ? new String[] {"public", value}
                : new String[] {value.substring(0, dot), value.substring(dot + 1)};
        if (parts[1].length() > MAX_TABLE_NAME) {
            throw new InvalidSpecException(field, "the table name is longer than " + MAX_TABLE_NAME
                    + " characters, which leaves no room for partition suffixes in PostgreSQL's 63-byte names");
        }
        return parts;
    }

    public static Duration duration(String field, String value) throws InvalidSpecException {
        try {
            return DurationSpec.parse(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException(field, e.getMessage());
        }
    }

    /** The longest retention a spec may hold: a century keeps every date the cutoff arithmetic meets in range. */
    public static final Duration MAX_RETENTION = Duration.ofDays(36_525);

    /**
     * A retention: a duration of at most {@link #MAX_RETENTION}. Longer ones put the cutoff ({@code now()} less the
     * retention) before year 1, which PostgreSQL cannot write as a date, so every pass that read it failed.
     */
    public static Duration retention(String field, String value) throws InvalidSpecException {
        Duration d = duration(field, value);
        if (d.compareTo(MAX_RETENTION) > 0) {
            throw new InvalidSpecException(field, "'" + value + "' is longer than 100 years (36525d); keep longer "
                    + "history elsewhere or leave the retention out where the kind allows it");
        }
        return d;
    }

    public static ZoneId zone(String field, String value) throws InvalidSpecException {
        try {
            return ZoneId.of(value);
        } catch (DateTimeException | NullPointerException e) {
            throw new InvalidSpecException(field, "'" + value + "' is not an IANA time zone such as UTC or Europe/Berlin");
        }
    }

    public static int range(String field, int value, int min, int max) throws InvalidSpecException {
        if (value < min || value > max) {
            throw new InvalidSpecException(field, value + " is outside " + min + ".." + max);
        }
        return value;
    }

    public static Duration maintenanceInterval(String value) throws InvalidSpecException {
        Duration d = duration("maintenanceInterval", value);
        if (d.compareTo(MIN_MAINTENANCE_INTERVAL) < 0) {
            throw new InvalidSpecException("maintenanceInterval", "must be at least 30s");
        }
        return d;
    }

    /** {@code spec.maxRetirementsPerPass}: {@code kindDefault} when unset, 0 for no limit, never negative. */
    public static int maxRetirementsPerPass(PartitionedTableSpec spec, int kindDefault) throws InvalidSpecException {
        Integer value = spec.getMaxRetirementsPerPass();
        if (value == null) {
            return kindDefault;
        }
        if (value < 0) {
            throw new InvalidSpecException("maxRetirementsPerPass", value + " is negative; 0 means no limit");
        }
        return value;
    }

    /** {@code spec.retentionChangeGrace}: 1h when unset; zero (0, 0s) lets a shortened retention act at once. */
    public static Duration retentionChangeGrace(PartitionedTableSpec spec) throws InvalidSpecException {
        String value = spec.getRetentionChangeGrace();
        if (value == null) {
            return DEFAULT_RETENTION_CHANGE_GRACE;
        }
        try {
            return DurationSpec.parseOrZero(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("retentionChangeGrace", e.getMessage() + " (or 0s to act at once)");
        }
    }

    /** A duration that may be zero ({@code 0}, {@code 0s}). */
    public static Duration durationOrZero(String field, String value) throws InvalidSpecException {
        try {
            return DurationSpec.parseOrZero(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException(field, e.getMessage() + " (or 0s)");
        }
    }

    /** {@code spec.retentionAction}, Drop when unset. */
    public static RetentionAction retentionAction(PartitionedTableSpec spec) {
        return spec.getRetentionAction() == null ? RetentionAction.Drop : spec.getRetentionAction();
    }

    /** {@code spec.archiveSchema}; a Detach must not move partitions into the table's own schema. */
    public static String archiveSchema(PartitionedTableSpec spec, RetentionAction action, String tableSchema)
            throws InvalidSpecException {
        String archive = identifier("archiveSchema", spec.getArchiveSchema());
        if (action == RetentionAction.Detach && archive.equals(tableSchema)) {
            throw new InvalidSpecException("archiveSchema", "must differ from the table's schema " + tableSchema);
        }
        return archive;
    }

    /**
     * {@code spec.bootstrap}, Never when unset. IfMissing creates the seed's table, which is partitioned on
     * {@code seedKey}, so it needs that partition key.
     */
    public static Bootstrap bootstrap(PartitionedTableSpec spec, String partitionKey, String seedKey)
            throws InvalidSpecException {
        Bootstrap bootstrap = spec.getBootstrap() == null ? Bootstrap.Never : spec.getBootstrap();
        if (bootstrap == Bootstrap.IfMissing && !seedKey.equals(partitionKey)) {
            throw new InvalidSpecException("partitionKey", "bootstrap IfMissing creates the seed's table, "
                    + "partitioned on " + seedKey + "; set partitionKey to " + seedKey
                    + " or create the table yourself");
        }
        return bootstrap;
    }
}
