package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.partition.plan.TimeGrid;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which column of a metric table plays which part in the rollups, the export, the history reader and the per-row TTL,
 * read from the catalog rather than assumed. NoETL's live {@code noetl.metric} has no {@code timestamp} column: its
 * sample time is {@code created_at}, a {@code timestamp without time zone} that is also the partition key; seed 000's
 * example table has a {@code timestamp timestamptz} beside it.
 *
 * <p><b>The sample time</b> is {@code spec.sampleTimeColumn} when the spec names one; else {@code timestamp} when the
 * table has it; else the partition key. A {@code timestamptz} column is an instant as it is. A {@code timestamp}
 * column holds a wall-clock time in {@code spec.timeZone} (NoETL writes {@code CURRENT_TIMESTAMP}, or its driver's
 * conversion of an aware datetime, in its session's zone) and is read with PostgreSQL's {@code AT TIME ZONE}: a time
 * the zone skips (the hour clocks go forward) is read at the zone's offset before the change, and a time it repeats
 * (the hour clocks go back) as its second occurrence, standard time. {@link TimeGrid#instantOf} follows the same rule,
 * so partition bounds, rollup buckets, the history reader, export timestamps and the retirement proof agree.
 *
 * <p>Required: the sample time, {@code metric_value}, {@code metric_name}, {@code labels} (jsonb) and the row key
 * {@code metric_id} the export's ledger orders by; the rollups also need {@code metric_type} and {@code runtime_id}.
 * Used when present, never required: {@code help_text}, {@code unit}, and {@code expires_at}, NoETL's per-row TTL.
 *
 * @param columns the column of each role the table has
 * @param zone the zone a {@code timestamp} sample time is read in
 * @param partitionKeyWallClock whether the partition key is a {@code timestamp} (its bounds then read in {@code zone})
 */
public record MetricColumns(Map<Role, Column> columns, ZoneId zone, boolean partitionKeyWallClock) {

    /** A column as the catalog shows it: its name and {@code pg_type.typname}. */
    public record Column(String name, String type) {
    }

    /** A column's part. */
    public enum Role {
        SAMPLE_TIME(Set.of("timestamptz", "timestamp")),
        VALUE(Set.of("float8", "float4", "numeric", "int8", "int4", "int2")),
        NAME(Set.of("text", "varchar", "bpchar")),
        TYPE(Set.of("text", "varchar", "bpchar")),
        LABELS(Set.of("jsonb")),
        RUNTIME_ID(Set.of("int8", "int4")),
        KEY(Set.of("int8", "int4")),
        HELP(Set.of("text", "varchar", "bpchar")),
        UNIT(Set.of("text", "varchar", "bpchar")),
        EXPIRES_AT(Set.of("timestamptz", "timestamp"));

        private final Set<String> types;

        Role(Set<String> types) {
            this.types = types;
        }
    }

    /** The column names of the roles whose name is fixed (the sample time's is chosen). */
    private static final Map<Role, String> NAMES = Map.of(Role.VALUE, "metric_value", Role.NAME, "metric_name",
            Role.TYPE, "metric_type", Role.LABELS, "labels", Role.RUNTIME_ID, "runtime_id", Role.KEY, "metric_id",
            Role.HELP, "help_text", Role.UNIT, "unit", Role.EXPIRES_AT, "expires_at");
    private static final List<Role> REQUIRED = List.of(Role.SAMPLE_TIME, Role.VALUE, Role.NAME, Role.LABELS, Role.KEY);
    /** What the rollups need besides {@link #REQUIRED}. */
    private static final List<Role> ROLLUP = List.of(Role.TYPE, Role.RUNTIME_ID);
    /** The sample-time column of seed 000's example table, used when present and the spec names none. */
    public static final String SEED_SAMPLE_TIME = "timestamp";

    /**
     * The mapping of {@code table}, whose columns and their types are {@code present}; {@code named} is
     * {@code spec.sampleTimeColumn} when set. Nothing is required here: {@link #problems} says what a use lacks.
     */
    public static MetricColumns choose(Map<String, String> present, Optional<String> named, String partitionKey,
            ZoneId zone) {
        Map<Role, Column> chosen = new EnumMap<>(Role.class);
        String time = named.orElse(present.containsKey(SEED_SAMPLE_TIME) ? SEED_SAMPLE_TIME : partitionKey);
        if (present.containsKey(time)) {
            chosen.put(Role.SAMPLE_TIME, new Column(time, present.get(time)));
        }
        NAMES.forEach((role, name) -> {
            if (present.containsKey(name)) {
                chosen.put(role, new Column(name, present.get(name)));
            }
        });
        return new MetricColumns(Map.copyOf(chosen), zone, "timestamp".equals(present.get(partitionKey)));
    }

    /**
     * What keeps {@code table} from being rolled up ({@code rollups} true) or exported with this mapping: each missing
     * or unusable column, named; empty when it can be.
     *
     * @param named {@code spec.sampleTimeColumn} when set, which a message then names as the spec's
     */
    public List<String> problems(String table, Optional<String> named, String partitionKey, boolean rollups) {
        List<String> problems = new ArrayList<>();
        List<Role> needed = new ArrayList<>(REQUIRED);
        if (rollups) {
            needed.addAll(ROLLUP);
        }
        for (Role role : needed) {
            Column c = columns.get(role);
            if (c == null) {
                problems.add(role == Role.SAMPLE_TIME
                        ? named.map(n -> "spec.sampleTimeColumn " + n + " is not a column of " + table)
                                .orElse(table + " has neither a column " + SEED_SAMPLE_TIME + " nor the partition key "
                                        + partitionKey + " for the sample time")
                        : table + " has no column " + NAMES.get(role));
            } else if (!role.types.contains(c.type())) {
                problems.add((role == Role.SAMPLE_TIME && named.isPresent() ? "spec.sampleTimeColumn " : "")
                        + table + " column " + c.name() + " is " + c.type() + "; the operator reads it as "
                        + describe(role) + ", one of " + String.join(", ", new TreeSet<>(role.types)));
            }
        }
        optional(Role.EXPIRES_AT).ifPresent(c -> {
            if (!Role.EXPIRES_AT.types.contains(c.type())) {
                problems.add(table + " column " + c.name() + " is " + c.type() + "; the operator reads it as the "
                        + "row's expiry time, one of timestamp, timestamptz");
            }
        });
        return problems;
    }

    private static String describe(Role role) {
        return switch (role) {
            case SAMPLE_TIME -> "the sample time";
            case VALUE -> "the value";
            case NAME -> "the metric name";
            case TYPE -> "the metric type";
            case LABELS -> "the labels";
            case RUNTIME_ID, KEY -> "an id";
            case HELP, UNIT -> "text";
            case EXPIRES_AT -> "the row's expiry time";
        };
    }

    /** The column of a role the caller has checked ({@link #problems}) is there. */
    public Column column(Role role) {
        Column c = columns.get(role);
        if (c == null) {
            throw new IllegalStateException("no column for " + role);
        }
        return c;
    }

    public Optional<Column> optional(Role role) {
        return Optional.ofNullable(columns.get(role));
    }

    /** The sample-time column's name. */
    public String sampleTime() {
        return column(Role.SAMPLE_TIME).name();
    }

    /** Whether the sample time is a wall-clock time read in {@link #zone}. */
    public boolean wallClock() {
        return "timestamp".equals(column(Role.SAMPLE_TIME).type());
    }

    /**
     * The SQL of the sample time of alias {@code alias}'s row as a {@code timestamptz}, with the zone as a quoted
     * literal of a zone id the spec checked ({@code SpecRules.zone}).
     */
    public String sampleTimeSql(String alias) {
        return instantSql(alias, column(Role.SAMPLE_TIME));
    }

    /**
     * The SQL condition that alias {@code alias}'s sample time lies in {@code [lo, hi)} (two {@code timestamptz}
     * expressions). On a wall-clock column it first bounds the column itself, widened by a day, so that the planner
     * can prune partitions and use an index on it, then checks the instant exactly.
     */
    public String sampleTimeWithinSql(String alias, String lo, String hi) {
        String instant = sampleTimeSql(alias);
        if (!wallClock()) {
            return instant + " >= " + lo + " AND " + instant + " < " + hi;
        }
        String col = (alias.isEmpty() ? "" : alias + ".") + quote(sampleTime());
        String z = zoneLiteral(zone);
        return col + " >= (" + lo + " AT TIME ZONE " + z + ") - interval '1 day' AND " + col + " < (" + hi
                + " AT TIME ZONE " + z + ") + interval '1 day' AND " + instant + " >= " + lo + " AND " + instant
                + " < " + hi;
    }

    /**
     * The SQL condition that alias {@code alias}'s sample time lies in {@code [lo, hi)}, two instants known here. On a
     * wall-clock column it first bounds the column itself, tightly: by the wall-clock times the instants of the range
     * can have in the zone, widened by every offset the zone has within a day of the range (so that a local time in a
     * DST gap or fold, however PostgreSQL reads it, is in), then checks the instant exactly. A rollup step reads its
     * slice of a partition this way, through an index on the column when there is one.
     */
    public String sampleTimeWithinSql(String alias, Instant lo, Instant hi) {
        String exact = sampleTimeSql(alias) + " >= timestamptz '" + lo + "' AND " + sampleTimeSql(alias)
                + " < timestamptz '" + hi + "'";
        if (!wallClock()) {
            return exact;
        }
        ZoneRules rules = zone.getRules();
        Instant from = lo.minus(Duration.ofDays(1));
        Instant to = hi.plus(Duration.ofDays(1));
        int min = rules.getOffset(from).getTotalSeconds();
        int max = min;
        for (ZoneOffsetTransition t = rules.nextTransition(from); t != null && t.getInstant().isBefore(to);
                t = rules.nextTransition(t.getInstant())) {
            min = Math.min(min, t.getOffsetAfter().getTotalSeconds());
            max = Math.max(max, t.getOffsetAfter().getTotalSeconds());
        }
        String col = (alias.isEmpty() ? "" : alias + ".") + quote(sampleTime());
        return col + " >= timestamp '" + LocalDateTime.ofInstant(lo.plusSeconds(min), ZoneOffset.UTC) + "' AND "
                + col + " < timestamp '" + LocalDateTime.ofInstant(hi.plusSeconds(max), ZoneOffset.UTC) + "' AND "
                + exact;
    }

    /** The SQL of {@code expires_at} as a {@code timestamptz}, when the table has it. */
    public Optional<String> expiresAtSql(String alias) {
        return optional(Role.EXPIRES_AT).map(c -> instantSql(alias, c));
    }

    private String instantSql(String alias, Column c) {
        String col = (alias.isEmpty() ? "" : alias + ".") + quote(c.name());
        return "timestamp".equals(c.type()) ? "(" + col + " AT TIME ZONE " + zoneLiteral(zone) + ")"
                : col;
    }

    /** A column of a role in SQL, for alias {@code alias}; {@code NULL::text} for an optional role the table lacks. */
    public String textOrNull(String alias, Role role) {
        return optional(role).map(c -> (alias.isEmpty() ? "" : alias + ".") + quote(c.name())).orElse("NULL::text");
    }

    /** One line for {@code plan}: which column plays which part. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        optional(Role.SAMPLE_TIME).ifPresent(c -> parts.add("sample time " + c.name() + " (" + c.type()
                + ("timestamp".equals(c.type()) ? ", read in " + zone.getId() : "") + ")"));
        for (Role role : List.of(Role.VALUE, Role.NAME, Role.TYPE, Role.LABELS, Role.RUNTIME_ID, Role.KEY, Role.HELP,
                Role.UNIT, Role.EXPIRES_AT)) {
            optional(role).ifPresent(c -> parts.add(role.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + " " + c.name()));
        }
        return String.join(", ", parts);
    }

    /** A zone as an SQL literal (an IANA id the spec checked; quoted all the same), for {@code AT TIME ZONE}. */
    public static String zoneLiteral(ZoneId zone) {
        return "'" + zone.getId().replace("'", "''") + "'";
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
