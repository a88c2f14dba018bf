package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.metric.rollup.Tiers;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.postgres.DollarQuote;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.SqlLiteral;
import io.noetl.lifecycle.postgres.TableName;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The history reader: one SQL function per raw table that answers a metric's history from the raw rows where they
 * still exist and from the rollup tiers before that, each row naming where it came from.
 *
 * <pre>
 * &lt;raw schema&gt;.&lt;raw table&gt;_history(metric_name text, labels_subset jsonb,
 *                                           from_time timestamptz, to_time timestamptz)
 *   RETURNS TABLE (tier text, fingerprint bigint, metric_type text, runtime_id bigint, labels jsonb,
 *                  bucket_start timestamptz, bucket_end timestamptz, sample_count bigint, min_value float8,
 *                  max_value float8, avg_value float8, sum_value float8, first_value float8, last_value float8,
 *                  increase float8)
 * </pre>
 *
 * <p>For {@code noetl.metric} that is {@code noetl.metric_history}. {@code metric_name} matches exactly;
 * {@code labels_subset} selects the series whose labels contain it ({@code labels @> labels_subset}; a raw row's SQL
 * NULL labels count as {@code {}}, as in the catalogue), and NULL selects every series of the name; a row is in
 * {@code [from_time, to_time)} when its {@code bucket_start} is (NULL for either is unbounded). Rows come in no
 * particular order.
 *
 * <p><b>Raw rows</b> ({@code tier = 'raw'}): one per sample, {@code bucket_start = bucket_end =} the sample time,
 * {@code sample_count} 1, min, max, avg, sum, first and last all the value, and {@code increase} 0 (a single sample
 * gains nothing, as a tier bucket of one sample; so the increase of a counter over any mix of rows is the sum of
 * {@code increase} plus the reset-aware step from each row's {@code last_value} to the next row's {@code first_value},
 * see docs/operations.md; a tier bucket whose samples came from raw partitions that interleave in time holds only a
 * lower bound, {@code increase_exact} false in the tier table). Values that are not finite (NaN, the staleness marker,
 * and the infinities) are left out, as the rollup leaves them out of every bucket, so {@code sample_count} means the
 * same in every tier. {@code labels} is the row's, {@code {}} for NULL. {@code fingerprint} is
 * {@code series_fingerprint} of the catalogue's schema, the same as the tiers' (so raw and tier rows of one series group
 * together; NULL for labels nested deeper than {@code SeriesFingerprint.MAX_LABEL_DEPTH} levels, which have none and
 * which the rollup refuses), in a subquery PostgreSQL can memoize per distinct series (Memoize, PostgreSQL 14+, when the planner
 * expects repeats). Measured on 100,000 raw rows of one name, the whole function, median of 7: 0.16 to 0.19 s with the
 * column left NULL, 0.25 s with it computed (12 series), 0.55 s (15,000 series); computed for every row instead, the
 * raw query alone takes 1.9 s. The planner may decline to memoize (it expects few rows, or as many series as rows),
 * which costs what computing per row does.
 *
 * <p><b>Tier rows</b> ({@code tier} the resolution, {@code '5m'}): one per bucket, joined to the catalogue for the
 * name, type, runtime and labels; {@code bucket_end = bucket_start +} the resolution, {@code sum_value} the positive
 * plus the negative sum, {@code avg_value} that over {@code sample_count}, {@code increase} the bucket's (reset-aware,
 * within the bucket).
 *
 * <p><b>The boundary rule.</b> Each source answers one range of sample time, and the ranges do not overlap, so no
 * sample is counted twice, even with a rollup running beside the call. With {@code floor_w(t)} the edge of the
 * epoch-aligned {@code w}-grid at or before {@code t} and {@code ceil_w(t)} the one at or after it, and "a tier is
 * present" meaning its table and the catalogue exist and the tier table has at least one non-default partition:
 * <ol>
 * <li>{@code R} is the lower bound of the raw table's oldest non-default partition (its key is the insert time,
 * {@code created_at}), {@code -infinity} when it has none (then the raw table answers everything and no tier
 * anything). The raw boundary is {@code B0 = floor_w(R)}, {@code w} the finest present tier's resolution
 * ({@code B0 = R} when no tier is present, and whenever {@code R} is on that grid, as partitions starting at UTC
 * midnight are for tiers that divide a day). Raw answers the samples with sample time {@code >= B0}.
 * <li>Each present tier {@code i}, finest first, answers the whole buckets in {@code [Bi, Ui)}: {@code Ui =
 * floor_wi(B(i-1))} (the previous boundary, so a bucket ends at or before it) and {@code Bi =
 * least(ceil_v(Li), Ui)}, {@code Li} the lower bound of the tier's oldest partition and {@code v} the next present
 * (coarser) tier's resolution, or the tier's own for the coarsest. Rounding up to the coarser grid hands the
 * coarser tier a whole bucket at the seam: the tiers' resolutions are multiples of one another
 * ({@link Tiers#check}, enforced here), so every such edge is on each finer tier's grid too.
 * </ol>
 * What that means for samples: one whose row is in the raw table is answered by raw iff its sample time is
 * {@code >= B0}; one in a tier bucket is answered by that tier iff the bucket is in the tier's range. So no sample is
 * answered twice, and these are the ones answered by no one: a row that came late, into a raw partition after the
 * one its sample time belongs to, with its sample time before {@code B0}, until that partition is rolled up (then a
 * tier answers it); when {@code R} is off the finest tier's grid, the samples of dropped raw partitions from
 * {@code B0} on (their bucket is not whole before {@code B0}); a sample whose time is later than its insert time,
 * once its partition is dropped; and, in a tier, what it does not hold: rollup skips buckets before a tier's
 * retention cutoff, so a tier partition older than that cutoff answers less than it covers, and a raw partition not
 * yet rolled up when it was dropped is in no tier. With raw partitions on the finest tier's grid, each tier's oldest
 * partition on the next tier's grid and every dropped partition rolled up first, every other sample is answered
 * exactly once.
 *
 * <p><b>Dynamic SQL.</b> The function is PL/pgSQL and reads every table through {@code EXECUTE}: creating it needs
 * none of the tier tables or the catalogue, and a tier table that is missing when it is called (or has no
 * partition yet) is skipped, as if it were not in the list; one created later is used from then on without
 * recreating the function. The tables, the resolutions and the labels are fixed in the body, quoted by
 * {@link SqlIdentifier} and {@link SqlLiteral}; the caller's arguments only ever reach a query as parameters
 * ({@code USING}). The function first takes ACCESS SHARE on the raw table and on each tier table that exists, as
 * the reads would, for the rest of the calling transaction, so a partition cannot be dropped between reading the
 * boundaries and reading the rows (retirement drops or detaches under ACCESS EXCLUSIVE on the parent, and waits for
 * the calling transaction instead); it writes nothing.
 */
public final class MetricHistorySql {
    /** The suffix of the function's name after the raw table's. */
    public static final String SUFFIX = "_history";
    /** The {@code tier} of a raw row. */
    public static final String RAW = "raw";
    private static final String RANGE_BOUND = SqlLiteral.of("^FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)$");
    /** PostgreSQL's NAMEDATALEN - 1: a longer name would be truncated, and the function would be another's. */
    private static final int MAX_NAME_BYTES = 63;

    private MetricHistorySql() {
    }

    /** {@code <schema>.<table>_history}. */
    public static TableName functionName(TableName raw) {
        TableName name = raw.sibling(raw.name() + SUFFIX);
        if (name.name().getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("the history function of " + raw + " would be named " + name.name()
                    + ", longer than PostgreSQL's 63 bytes");
        }
        return name;
    }

    /**
     * Creates or replaces {@code functionName(tables.raw())} over {@code tiers}, finest first (none: raw rows only).
     * The tiers' resolutions must keep {@link Tiers#check}, and no two tiers may share a table or a resolution.
     */
    public static void ensureFunction(Connection c, RollupSql.Tables tables, MetricColumns columns,
            List<RollupSql.Tier> tiers) throws SQLException {
        String sql = functionSql(tables, columns, tiers);
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(tables.catalogue().schema()));
            SeriesFingerprintSql.ensureFunctions(s, tables.catalogue().schema());
            IdempotentDdl.execute(s, sql);
        }
    }

    /**
     * {@link #ensureFunction} only when the function is missing or was made for other tables or tiers: its comment
     * holds a digest of the statement that made it, so a pass that changes nothing writes nothing to the catalog.
     * Returns whether it (re)created the function.
     */
    public static boolean ensureCurrent(Connection c, RollupSql.Tables tables, MetricColumns columns,
            List<RollupSql.Tier> tiers) throws SQLException {
        String digest = "noetl-lifecycle " + digest(functionSql(tables, columns, tiers));
        TableName function = functionName(tables.raw());
        String signature = function.sql() + "(text, jsonb, timestamptz, timestamptz)";
        if (CatalogReader.functionComment(c, signature).filter(digest::equals).isPresent()) {
            return false;
        }
        ensureFunction(c, tables, columns, tiers);
        try (Statement s = c.createStatement()) {
            s.execute("COMMENT ON FUNCTION " + signature + " IS " + SqlLiteral.of(digest));
        }
        return true;
    }

    private static String digest(String sql) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(sql.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The CREATE OR REPLACE FUNCTION statement; throws IllegalArgumentException for tiers it cannot answer from. */
    static String functionSql(RollupSql.Tables tables, MetricColumns columns, List<RollupSql.Tier> tiers) {
        List<Resolution> resolutions = tiers.stream().map(RollupSql.Tier::resolution).toList();
        Tiers.check(resolutions).ifPresent(p -> {
            throw new IllegalArgumentException(p.message());
        });
        Set<TableName> seen = new HashSet<>();
        for (RollupSql.Tier t : tiers) {
            if (!seen.add(t.table()) || t.table().equals(tables.raw()) || t.table().equals(tables.catalogue())) {
                throw new IllegalArgumentException("tier table " + t.table() + " is listed twice or is not a tier");
            }
        }
        TableName function = functionName(tables.raw());
        String fingerprint = tables.catalogue().sibling(SeriesFingerprintSql.FINGERPRINT).sql();
        String t = columns.sampleTimeSql("r");
        String finite = "r.metric_value NOT IN ('NaN', 'Infinity', '-Infinity')";
        // the raw rows of the name ($1) in the range ($3, $4), then the label condition the function picks for the
        // subset it got; the fingerprint in a subquery the planner keeps (OFFSET 0), so it can memoize it per series
        String rawQuery = SqlLiteral.of("SELECT " + SqlLiteral.of(RAW) + "::text, f.fingerprint, r.metric_type, "
                + "r.runtime_id, coalesce(r.labels, '{}'::jsonb), " + t + ", " + t + ", 1::bigint, r.metric_value, "
                + "r.metric_value, r.metric_value, r.metric_value, r.metric_value, r.metric_value, 0::float8 "
                + "FROM " + tables.raw().sql() + " r CROSS JOIN LATERAL (SELECT " + fingerprint + "(r.metric_name, "
                + "r.metric_type, r.runtime_id, coalesce(r.labels, '{}'::jsonb)) AS fingerprint OFFSET 0) f "
                + "WHERE r.metric_name = $1 AND " + columns.sampleTimeWithinSql("r", "$3", "$4") + " AND " + finite)
                + " || label_condition";
        String tierQuery = SqlLiteral.of("SELECT $5::text, t.fingerprint, s.metric_type, s.runtime_id, s.labels, "
                + "t.bucket_start, t.bucket_start + $6, t.sample_count, t.min_value, t.max_value, "
                + "(t.positive_sum + t.negative_sum) / nullif(t.sample_count, 0), t.positive_sum + t.negative_sum, "
                + "t.first_value, t.last_value, t.increase FROM ") + " || tier_tables[k] || "
                + SqlLiteral.of(" t JOIN ") + " || catalogue || " + SqlLiteral.of(" s ON s.fingerprint = "
                + "t.fingerprint WHERE s.metric_name = $1 AND ($2 IS NULL OR s.labels @> $2) "
                + "AND t.bucket_start >= $3 AND t.bucket_start < $4");
        StringBuilder body = new StringBuilder();
        body.append("DECLARE\n")
                .append("  tier_tables text[] := ARRAY[").append(list(tiers.stream()
                        .map(x -> SqlLiteral.of(x.table().sql())).toList())).append("]::text[];\n")
                .append("  tier_names text[] := ARRAY[").append(list(resolutions.stream()
                        .map(r -> SqlLiteral.of(r.toString())).toList())).append("]::text[];\n")
                .append("  tier_widths interval[] := ARRAY[").append(list(resolutions.stream()
                        .map(RollupSql::stride).toList())).append("]::interval[];\n")
                .append("  catalogue text := ").append(SqlLiteral.of(tables.catalogue().sql())).append(";\n")
                .append("  lows timestamptz[] := '{}';\n")
                .append("  present int[] := '{}';\n")
                .append("  raw_low timestamptz;\n")
                .append("  edge timestamptz;\n")
                .append("  upper_edge timestamptz;\n")
                .append("  lower_edge timestamptz;\n")
                .append("  coarser interval;\n")
                .append("  label_condition text := '';\n")
                .append("  lo timestamptz := coalesce(from_time, '-infinity');\n")
                .append("  hi timestamptz := coalesce(to_time, 'infinity');\n")
                .append("  k int;\n")
                .append("BEGIN\n")
                .append("  LOCK TABLE ").append(tables.raw().sql()).append(" IN ACCESS SHARE MODE;\n")
                .append("  raw_low := coalesce(").append(oldestLowerBound(SqlLiteral.of(tables.raw().sql()),
                        columns.partitionKeyWallClock() ? "::timestamp AT TIME ZONE "
                                + MetricColumns.zoneLiteral(columns.zone()) : "::timestamptz"))
                .append(", '-infinity');\n")
                .append("  IF to_regclass(catalogue) IS NOT NULL THEN\n")
                .append("    FOR n IN 1 .. coalesce(array_length(tier_tables, 1), 0) LOOP\n")
                .append("      IF to_regclass(tier_tables[n]) IS NOT NULL THEN\n")
                .append("        EXECUTE 'LOCK TABLE ' || tier_tables[n] || ' IN ACCESS SHARE MODE';\n")
                .append("        lows[n] := ").append(oldestLowerBound("tier_tables[n]", "::timestamptz")).append(";\n")
                .append("        IF lows[n] IS NOT NULL THEN present := present || n; END IF;\n")
                .append("      END IF;\n")
                .append("    END LOOP;\n")
                .append("  END IF;\n")
                // B0: R on the finest present tier's grid
                .append("  edge := raw_low;\n")
                .append("  IF array_length(present, 1) > 0 THEN edge := ")
                .append(floor("tier_widths[present[1]]", "raw_low")).append("; END IF;\n")
                .append("  IF labels_subset IS NOT NULL THEN\n")
                // NULL labels are {}: when {} cannot contain the subset, the plain form lets the GIN index help
                .append("    IF '{}'::jsonb @> labels_subset THEN\n")
                .append("      label_condition := ").append(SqlLiteral.of(" AND coalesce(r.labels, '{}'::jsonb) @> $2"))
                .append(";\n")
                .append("    ELSE\n")
                .append("      label_condition := ").append(SqlLiteral.of(" AND r.labels @> $2")).append(";\n")
                .append("    END IF;\n")
                .append("  END IF;\n")
                .append("  IF greatest(lo, edge) < hi THEN\n")
                .append("    RETURN QUERY EXECUTE ").append(rawQuery)
                .append(" USING metric_name, labels_subset, greatest(lo, edge), hi;\n")
                .append("  END IF;\n")
                .append("  FOR j IN 1 .. coalesce(array_length(present, 1), 0) LOOP\n")
                .append("    k := present[j];\n")
                .append("    upper_edge := ").append(floor("tier_widths[k]", "edge")).append(";\n")
                .append("    coarser := coalesce(tier_widths[present[j + 1]], tier_widths[k]);\n")
                .append("    lower_edge := least(").append(ceil("coarser", "lows[k]")).append(", upper_edge);\n")
                .append("    IF greatest(lo, lower_edge) < least(hi, upper_edge) THEN\n")
                .append("      RETURN QUERY EXECUTE ").append(tierQuery).append(" ")
                .append("USING metric_name, labels_subset, greatest(lo, lower_edge), least(hi, upper_edge), "
                        + "tier_names[k], tier_widths[k];\n")
                .append("    END IF;\n")
                .append("    edge := lower_edge;\n")
                .append("  END LOOP;\n")
                .append("END\n");
        return "CREATE OR REPLACE FUNCTION " + function.sql() + "(metric_name text, labels_subset jsonb, "
                + "from_time timestamptz, to_time timestamptz) RETURNS TABLE (tier text, fingerprint bigint, "
                + "metric_type text, runtime_id bigint, labels jsonb, bucket_start timestamptz, "
                + "bucket_end timestamptz, sample_count bigint, min_value float8, max_value float8, avg_value float8, "
                + "sum_value float8, first_value float8, last_value float8, increase float8) "
                // a tag no table name in the body contains, so none can end the body early
                + "LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS "
                + DollarQuote.of("\n#variable_conflict error\n" + body);
    }

    /**
     * The lower bound of the oldest non-default partition of the table whose quoted name {@code table} (a text
     * expression) is, read as an instant by {@code asInstant} (a cast, or a zone for wall-clock keys),
     * {@code -infinity} for MINVALUE, NULL when it has none; read from pg_inherits and relpartbound.
     */
    private static String oldestLowerBound(String table, String asInstant) {
        return "(SELECT min(CASE WHEN b[1] = 'MINVALUE' THEN '-infinity'::timestamptz "
                + "ELSE (btrim(b[1], '''')" + asInstant + ") END) FROM (SELECT regexp_match(pg_get_expr(c.relpartbound, "
                + "c.oid), " + RANGE_BOUND + ") AS b FROM pg_inherits inh JOIN pg_class c ON c.oid = inh.inhrelid "
                + "WHERE inh.inhparent = to_regclass(" + table + ")) x WHERE b IS NOT NULL)";
    }

    /** The grid edge at or before {@code t}; infinities stay. */
    private static String floor(String width, String t) {
        return "(CASE WHEN isfinite(" + t + ") THEN date_bin(" + width + ", " + t + ", " + RollupSql.ORIGIN + ") ELSE " + t
                + " END)";
    }

    /** The grid edge at or after {@code t}; infinities stay. */
    private static String ceil(String width, String t) {
        String down = "date_bin(" + width + ", " + t + ", " + RollupSql.ORIGIN + ")";
        return "(CASE WHEN NOT isfinite(" + t + ") THEN " + t + " WHEN " + down + " = " + t + " THEN " + t + " ELSE "
                + down + " + " + width + " END)";
    }

    private static String list(List<String> items) {
        return items.stream().collect(Collectors.joining(", "));
    }
}
