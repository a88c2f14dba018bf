package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.metric.plan.RollupPlanner;
import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.SqlLiteral;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.postgres.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rollup tiers in PostgreSQL: the series catalogue, the tier tables, the ledger, and the rollup of one closed raw
 * partition into every tier, exactly once.
 *
 * <p><b>The series catalogue</b> ({@code noetl.metric_series}) holds one row per series: its fingerprint
 * ({@code SeriesFingerprintSql}, the same as {@code SeriesFingerprint}), name, type, runtime id, labels ({@code {}}
 * for SQL NULL) and the first and last sample time seen. Tier rows carry only the fingerprint.
 *
 * <p><b>A tier table</b> ({@code noetl.metric_rollup_5m}) is RANGE-partitioned on {@code bucket_start}, with one row
 * per (fingerprint, bucket): the {@code Bucket} fields. Buckets are epoch-aligned ({@code date_bin}, PostgreSQL 14+)
 * on the sample time ({@link MetricColumns}: {@code timestamp}, or NoETL's {@code created_at}), not the insert time the raw table is partitioned by, so one bucket can draw
 * on two raw partitions and each rollup merges into what is there ({@code ON CONFLICT DO UPDATE}, the arithmetic of
 * {@code Bucket.merge} written in SQL).
 *
 * <p><b>The ledger</b> ({@code noetl.metric_rollup_ledger}) holds one row per (raw table, raw partition, tier table).
 * A rollup inserts its ledger rows first, in the transaction that merges: a partition already in the ledger for a
 * tier adds nothing to it (a second run, or another process rolling it at the same moment, whose insert waits on the
 * first's and then finds its row), and a transaction that fails leaves neither a ledger row nor a merged bucket. The
 * retirement gate reads the ledger under the lock that drops the partition.
 *
 * <p>One rollup reads the partition once: it fingerprints its distinct series (the catalogue upsert), computes the
 * finest tier's buckets of this partition into a temporary table with one sort, and builds every coarser tier from
 * those, which are few. It takes ACCESS SHARE on the raw partition and ROW EXCLUSIVE on the tiers: writers of the raw
 * table are never waited for and never wait.
 *
 * <p><b>Refused rows.</b> A row whose labels nest deeper than {@code SeriesFingerprint.MAX_LABEL_DEPTH} (32) levels has
 * no fingerprint ({@link SeriesFingerprintSql#tooDeep}, checked once per distinct series, not per row): it is left out
 * of every tier and of the catalogue, counted in the ledger ({@code rows_refused}) and in {@link Rolled}, with one
 * such row's {@code metric_id}; the rest of the partition is rolled up, and the partition may be retired as usual.
 */
public final class RollupSql {
    public static final String DEFAULT_CATALOGUE = "metric_series";
    public static final String LEDGER = "metric_rollup_ledger";
    static final String FINE = "lifecycle_rollup_fine";
    static final String SERIES = "lifecycle_rollup_series";
    /** The origin of every bucket grid, for {@code date_bin}: buckets are epoch-aligned ({@code Resolution}). */
    static final String ORIGIN = "timestamptz '1970-01-01 00:00:00+00'";

    private RollupSql() {
    }

    /**
     * A tier as the rollup sees it: its table, its bucket width, and where it starts keeping buckets.
     *
     * @param keepFrom the first bucket start the tier keeps; empty for the server's {@code now()} less
     *     {@code retention}, on the tier's grid. The pass gives the lower bound of the tier partition that holds that
     *     cutoff, so a tier partition holds every bucket of its range or none.
     */
    public record Tier(TableName table, Resolution resolution, Duration retention, Optional<Instant> keepFrom) {
        public Tier(TableName table, Resolution resolution, Duration retention) {
            this(table, resolution, retention, Optional.empty());
        }

        /** The SQL of the first bucket start kept. */
        String keepFromSql() {
            return keepFrom.map(t -> "timestamptz " + SqlLiteral.of(t.toString())).orElse("date_bin("
                    + stride(resolution) + ", now() - make_interval(secs => " + retention.getSeconds() + "), "
                    + ORIGIN + ")");
        }
    }

    /**
     * One closed raw partition to roll up: its name, the instants of its bounds, and the mapping of its table's
     * columns (which one is the sample time, and in which zone a wall-clock one is read), and the schema the catalog
     * showed it in where that is not the raw table's (a partition moved out of its parent's schema is read where it is).
     */
    public record RawPartition(String name, Instant from, Instant to, MetricColumns columns, Optional<String> schema) {
        /** A partition in the raw table's schema. */
        public RawPartition(String name, Instant from, Instant to, MetricColumns columns) {
            this(name, from, to, columns, Optional.empty());
        }

        /** The partition's relation, {@code raw} being its parent. */
        public TableName relation(TableName raw) {
            return new TableName(schema.orElse(raw.schema()), name);
        }
    }

    /** The tables a policy's rollups use besides its tiers. */
    public record Tables(TableName raw, TableName catalogue, TableName ledger) {
        public static Tables of(TableName raw, TableName catalogue) {
            return new Tables(raw, catalogue, catalogue.sibling(LEDGER));
        }
    }

    /**
     * What one rollup did.
     *
     * @param tiers the tiers it merged into (those the ledger did not have yet for this partition)
     * @param rawRows the partition's rows, refused ones included
     * @param series the partition's distinct series rolled up (refused ones not included)
     * @param buckets the buckets merged into each tier, by tier table
     * @param rowsRefused the partition's rows left out of every tier: their labels nest deeper than
     *     {@code SeriesFingerprint.MAX_LABEL_DEPTH} levels
     * @param refusedExample the {@code metric_id} of one refused row, when there are any
     */
    public record Rolled(String partition, List<TableName> tiers, long rawRows, long series,
            Map<TableName, Long> buckets, long rowsRefused, Optional<Long> refusedExample) {
    }

    /** Creates the catalogue, the ledger and the fingerprint functions when missing; idempotent. */
    public static void ensureShared(Connection c, Tables tables) throws SQLException {
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(tables.catalogue().schema()));
            SeriesFingerprintSql.ensureFunctions(s, tables.catalogue().schema());
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + tables.catalogue().sql() + " ("
                    + "fingerprint BIGINT PRIMARY KEY, "
                    + "metric_name TEXT NOT NULL, "
                    + "metric_type TEXT NOT NULL, "
                    + "runtime_id BIGINT NOT NULL, "
                    + "labels JSONB NOT NULL, "
                    + "first_seen TIMESTAMPTZ NOT NULL, "
                    + "last_seen TIMESTAMPTZ NOT NULL)");
            IdempotentDdl.execute(s, "CREATE INDEX IF NOT EXISTS " + SqlIdentifier.quote("idx_" + tables.catalogue().name() + "_name")
                    + " ON " + tables.catalogue().sql() + " (metric_name)");
            IdempotentDdl.execute(s, "CREATE INDEX IF NOT EXISTS " + SqlIdentifier.quote("idx_" + tables.catalogue().name()
                    + "_labels") + " ON " + tables.catalogue().sql() + " USING GIN (labels)");
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + tables.ledger().sql() + " ("
                    + "raw_table TEXT NOT NULL, "
                    + "raw_partition TEXT NOT NULL, "
                    + "tier_table TEXT NOT NULL, "
                    + "range_from TIMESTAMPTZ NOT NULL, "
                    + "range_to TIMESTAMPTZ NOT NULL, "
                    + "resolution_seconds BIGINT NOT NULL, "
                    + "raw_rows BIGINT, "
                    + "raw_bytes BIGINT, "
                    + "buckets BIGINT, "
                    + "rolled_up_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "rows_refused BIGINT, "
                    + "PRIMARY KEY (raw_table, raw_partition, tier_table))");
        }
    }

    /**
     * Brings what {@link #ensureShared} made with an earlier version up to this one, writing only what differs: the
     * fingerprint functions ({@link SeriesFingerprintSql#ensureCurrent}), and the ledger's {@code rows_refused}
     * (NULL in the rows before it), added only when missing, as ALTER TABLE takes ACCESS EXCLUSIVE on the ledger even
     * when there is nothing to add. Returns whether it changed anything.
     */
    public static boolean upgradeShared(Connection c, Tables tables) throws SQLException {
        boolean changed = SeriesFingerprintSql.ensureCurrent(c, tables.catalogue().schema());
        if (!hasRowsRefused(c, tables)) {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE " + tables.ledger().sql() + " ADD COLUMN IF NOT EXISTS rows_refused BIGINT");
            }
            changed = true;
        }
        return changed;
    }

    /** Whether the ledger has {@code rows_refused}: one made by an earlier version has not until a pass that writes. */
    private static boolean hasRowsRefused(Connection c, Tables tables) throws SQLException {
        return CatalogReader.columns(c, tables.ledger()).contains("rows_refused");
    }

    /** Creates a tier table, partitioned on {@code bucket_start} and with no partition yet, when missing. */
    public static void ensureTierTable(Connection c, TableName tier) throws SQLException {
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(tier.schema()));
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + tier.sql() + " ("
                    + "fingerprint BIGINT NOT NULL, "
                    + "bucket_start TIMESTAMPTZ NOT NULL, "
                    + "sample_count BIGINT NOT NULL, "
                    + "min_value DOUBLE PRECISION NOT NULL, "
                    + "max_value DOUBLE PRECISION NOT NULL, "
                    + "positive_count BIGINT NOT NULL, "
                    + "positive_sum DOUBLE PRECISION NOT NULL, "
                    + "negative_count BIGINT NOT NULL, "
                    + "negative_sum DOUBLE PRECISION NOT NULL, "
                    + "first_time TIMESTAMPTZ NOT NULL, "
                    + "first_value DOUBLE PRECISION NOT NULL, "
                    + "last_time TIMESTAMPTZ NOT NULL, "
                    + "last_value DOUBLE PRECISION NOT NULL, "
                    + "increase DOUBLE PRECISION NOT NULL, "
                    + "resets BIGINT NOT NULL, "
                    + "increase_exact BOOLEAN NOT NULL, "
                    + "PRIMARY KEY (fingerprint, bucket_start)"
                    + ") PARTITION BY RANGE (bucket_start)");
        }
    }

    /** For each raw partition of {@code raw} in the ledger, the tier tables it has been rolled into. */
    public static Map<String, Set<String>> ledger(Connection c, Tables tables) throws SQLException {
        Map<String, Set<String>> rolled = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT raw_partition, tier_table FROM " + tables.ledger().sql()
                + " WHERE raw_table = ?")) {
            ps.setString(1, tables.raw().toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rolled.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getString(2));
                }
            }
        }
        return rolled;
    }

    /**
     * What the ledger shows of one tier: how many raw partitions are rolled into it, the newest of them (the watermark:
     * its name and upper bound), the raw bytes they held when rolled up, and how many of their rows were refused.
     */
    public record TierLedger(long partitions, Optional<String> newestPartition, Optional<Instant> watermark,
            long rawBytes, long rowsRefused) {
        public static final TierLedger EMPTY = new TierLedger(0, Optional.empty(), Optional.empty(), 0, 0);
    }

    /** The ledger's summary of each tier table ({@code schema.table}) of {@code tables.raw()}. */
    public static Map<String, TierLedger> tierLedgers(Connection c, Tables tables) throws SQLException {
        Map<String, TierLedger> tiers = new HashMap<>();
        // a plan or dry run reads a ledger of an earlier version as it is
        String refused = hasRowsRefused(c, tables) ? "coalesce(sum(rows_refused), 0)" : "0";
        try (PreparedStatement ps = c.prepareStatement("SELECT tier_table, count(*), "
                + "(array_agg(raw_partition ORDER BY range_to DESC))[1], max(range_to), coalesce(sum(raw_bytes), 0), "
                + refused + " FROM " + tables.ledger().sql() + " WHERE raw_table = ? GROUP BY tier_table")) {
            ps.setString(1, tables.raw().toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tiers.put(rs.getString(1), new TierLedger(rs.getLong(2), Optional.ofNullable(rs.getString(3)),
                            Optional.ofNullable(rs.getTimestamp(4)).map(Timestamp::toInstant), rs.getLong(5),
                            rs.getLong(6)));
                }
            }
        }
        return tiers;
    }

    /** How many ledger rows name {@code tier}: a tier table that is missing while this is not 0 was lost. */
    public static long ledgerRowsFor(Connection c, Tables tables, TableName tier) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + tables.ledger().sql()
                + " WHERE raw_table = ? AND tier_table = ?")) {
            ps.setString(1, tables.raw().toString());
            ps.setString(2, tier.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * The oldest and newest sample time of a raw partition, to know which tier partitions its buckets need; empty when
     * it holds no row.
     */
    public static Optional<RollupPlanner.Span> sampleSpan(Connection c, TableName partition, MetricColumns columns)
            throws SQLException {
        String t = columns.sampleTimeSql("");
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT min(" + t + "), max(" + t
                + ") FROM ONLY " + partition.sql())) {
            rs.next();
            Timestamp lo = rs.getTimestamp(1);
            Timestamp hi = rs.getTimestamp(2);
            return lo == null ? Optional.empty() : Optional.of(new RollupPlanner.Span(lo.toInstant(), hi.toInstant()));
        }
    }

    /**
     * Rolls raw partition {@code partition} of {@code tables.raw()}, which covers {@code [from, to)} of the raw key,
     * into every tier of {@code tiers} the ledger does not have it in, in one transaction, and commits. Buckets
     * before a tier's retention cutoff (the server's {@code now()} less the tier's retention, on the tier's grid) are
     * left out of that tier, which would drop them at once; the ledger still records the partition as rolled into it.
     * Every bucket the partition contributes needs a partition of the tier table (the caller creates them first); a
     * bucket without one fails the whole rollup (SQLSTATE 23514), which then changed nothing.
     *
     * <p>{@code tiers} run from the finest to the coarsest, each a multiple of the one before ({@code Tiers.check}).
     * On failure the transaction is rolled back and the exception thrown; the connection's auto-commit is restored
     * either way.
     */
    public static Rolled rollUp(Connection c, Tables tables, RawPartition partition, List<Tier> tiers)
            throws SQLException {
        return Transactions.inOne(c, () -> rollUpInTransaction(c, tables, partition, tiers));
    }

    private static Rolled rollUpInTransaction(Connection c, Tables tables, RawPartition rawPartition,
            List<Tier> tiers) throws SQLException {
        String partition = rawPartition.name();
        Instant from = rawPartition.from();
        Instant to = rawPartition.to();
        MetricColumns columns = rawPartition.columns();
        TableName raw = rawPartition.relation(tables.raw());
        try (Statement s = c.createStatement()) {
            // one core: parallel workers would take the database's other core from the writers (docs/benchmarks.md)
            s.execute("SET LOCAL max_parallel_workers_per_gather = 0");
        }
        // the ledger first: whoever inserts a (partition, tier) row merges that tier, once
        List<Tier> claimed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.ledger().sql() + " (raw_table, "
                + "raw_partition, tier_table, range_from, range_to, resolution_seconds) VALUES (?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT DO NOTHING")) {
            for (Tier tier : tiers) {
                ps.setString(1, tables.raw().toString());
                ps.setString(2, partition);
                ps.setString(3, tier.table().toString());
                ps.setTimestamp(4, Timestamp.from(from));
                ps.setTimestamp(5, Timestamp.from(to));
                ps.setLong(6, tier.resolution().width().getSeconds());
                if (ps.executeUpdate() == 1) {
                    claimed.add(tier);
                }
            }
        }
        if (claimed.isEmpty()) {
            return new Rolled(partition, List.of(), 0, 0, Map.of(), 0, Optional.empty());
        }
        long rawRows;
        long series;
        long rowsRefused;
        Optional<Long> refusedExample = Optional.empty();
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS pg_temp." + SERIES + ", pg_temp." + FINE);
            s.execute("CREATE TEMPORARY TABLE " + SERIES + " ON COMMIT DROP AS "
                    + "SELECT metric_name, metric_type, runtime_id, coalesce(labels, '{}'::jsonb) AS labels, "
                    + "count(*) AS samples, min(" + columns.sampleTimeSql("") + ") AS first_seen, max("
                    + columns.sampleTimeSql("") + ") AS last_seen FROM ONLY " + raw.sql() + " GROUP BY 1, 2, 3, 4");
            s.execute("ALTER TABLE " + SERIES + " ADD COLUMN fingerprint bigint, ADD COLUMN refused boolean");
            // a series whose labels nest too deep has no fingerprint (NULL): its rows are refused, the others rolled
            s.execute("UPDATE " + SERIES + " SET refused = " + SeriesFingerprintSql.tooDeep("labels")
                    + ", fingerprint = " + tables.catalogue().sibling(SeriesFingerprintSql.FINGERPRINT).sql()
                    + "(metric_name, metric_type, runtime_id, labels)");
            s.execute("ANALYZE " + SERIES);
            try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(samples), 0), count(*) FILTER (WHERE NOT refused), "
                    + "count(*) FILTER (WHERE NOT refused) - count(DISTINCT fingerprint) FILTER (WHERE NOT refused), "
                    + "coalesce(sum(samples) FILTER (WHERE refused), 0) FROM " + SERIES)) {
                rs.next();
                rawRows = rs.getLong(1);
                series = rs.getLong(2);
                if (rs.getLong(3) != 0) {
                    throw collision(partition);
                }
                rowsRefused = rs.getLong(4);
            }
            if (rowsRefused > 0) {
                refusedExample = refusedExample(s, raw, columns);
                s.execute("DELETE FROM " + SERIES + " WHERE refused");
            }
            long upserted = s.executeLargeUpdate("INSERT INTO " + tables.catalogue().sql() + " AS c (fingerprint, "
                    + "metric_name, metric_type, runtime_id, labels, first_seen, last_seen) SELECT fingerprint, "
                    + "metric_name, metric_type, runtime_id, labels, first_seen, last_seen FROM " + SERIES
                    + " ON CONFLICT (fingerprint) DO UPDATE SET first_seen = least(c.first_seen, excluded.first_seen), "
                    + "last_seen = greatest(c.last_seen, excluded.last_seen) "
                    + "WHERE (c.metric_name, c.metric_type, c.runtime_id, c.labels) "
                    + "= (excluded.metric_name, excluded.metric_type, excluded.runtime_id, excluded.labels)");
            if (upserted != series) {
                // a fingerprint already in the catalogue belongs to another series
                throw collision(partition);
            }
            if (series > 0) {
                s.execute(fineBuckets(raw, columns, claimed.get(0).resolution()));
                s.execute("ANALYZE " + FINE);
            }
        }
        Map<TableName, Long> buckets = new LinkedHashMap<>();
        for (Tier tier : claimed) {
            long merged = 0;
            if (series > 0) {
                try (Statement s = c.createStatement()) {
                    merged = s.executeLargeUpdate(merge(tier, claimed.get(0).resolution()));
                }
            }
            buckets.put(tier.table(), merged);
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + tables.ledger().sql() + " SET raw_rows = ?, "
                + "raw_bytes = pg_total_relation_size(to_regclass(?)), buckets = ?, rows_refused = ? "
                + "WHERE raw_table = ? AND raw_partition = ? AND tier_table = ?")) {
            for (Tier tier : claimed) {
                ps.setLong(1, rawRows);
                ps.setString(2, raw.sql());
                ps.setLong(3, buckets.get(tier.table()));
                ps.setLong(4, rowsRefused);
                ps.setString(5, tables.raw().toString());
                ps.setString(6, partition);
                ps.setString(7, tier.table().toString());
                ps.executeUpdate();
            }
        }
        return new Rolled(partition, claimed.stream().map(Tier::table).toList(), rawRows, series, buckets,
                rowsRefused, refusedExample);
    }

    /**
     * The {@code metric_id} of one row of a refused series, for the finding that names it: the raw partition is read
     * only until one is found, and only when there are any.
     */
    static Optional<Long> refusedExample(Statement s, TableName raw, MetricColumns columns)
            throws SQLException {
        String key = SqlIdentifier.quote(columns.column(MetricColumns.Role.KEY).name());
        try (ResultSet rs = s.executeQuery("SELECT r." + key + " FROM ONLY " + raw.sql() + " r JOIN " + SERIES
                + " s ON s.metric_name = r.metric_name AND s.metric_type = r.metric_type "
                + "AND s.runtime_id = r.runtime_id AND s.labels = coalesce(r.labels, '{}'::jsonb) "
                + "WHERE s.refused LIMIT 1")) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    static SQLException collision(String partition) {
        return new SQLException("two series of " + partition + " share one 64-bit fingerprint, or a fingerprint in "
                + "the catalogue belongs to another series; nothing was rolled up",
                DatabaseFailure.ROLLUP_COLLISION_STATE);
    }

    /**
     * The finest tier's buckets of one raw partition, into a temporary table: one sort by (series, bucket, time,
     * value), {@code Sample.ORDER}, gives each sample its predecessor in its bucket, hence the reset-aware increase,
     * and marks the first and last sample of each bucket.
     */
    private static String fineBuckets(TableName raw, MetricColumns columns, Resolution finest) {
        return fineBuckets(raw, columns, finest, Optional.empty());
    }

    /** {@link #fineBuckets}, of the raw rows {@code slice} (an SQL condition on alias {@code r}) admits. */
    static String fineBuckets(TableName raw, MetricColumns columns, Resolution finest, Optional<String> slice) {
        String time = columns.sampleTimeSql("r");
        return "CREATE TEMPORARY TABLE " + FINE + " ON COMMIT DROP AS "
                + "SELECT fingerprint, bucket_start, count(*) AS sample_count, min(v) AS min_value, max(v) AS max_value, "
                + "count(*) FILTER (WHERE v > 0) AS positive_count, "
                + "coalesce(sum(v) FILTER (WHERE v > 0), 0) AS positive_sum, "
                + "count(*) FILTER (WHERE v < 0) AS negative_count, "
                + "coalesce(sum(v) FILTER (WHERE v < 0), 0) AS negative_sum, "
                + "min(t) AS first_time, min(v) FILTER (WHERE NOT has_prev) AS first_value, "
                + "max(t) AS last_time, min(v) FILTER (WHERE NOT has_next) AS last_value, "
                + "coalesce(sum(" + step("prev", "v") + ") FILTER (WHERE has_prev), 0) AS increase, "
                + "count(*) FILTER (WHERE v < prev) AS resets "
                + "FROM (SELECT s.fingerprint, date_bin(" + stride(finest) + ", " + time + ", " + ORIGIN
                + ") AS bucket_start, " + time + " AS t, r.metric_value AS v, "
                + "lag(r.metric_value) OVER w AS prev, lag(true, 1, false) OVER w AS has_prev, "
                + "lead(true, 1, false) OVER w AS has_next "
                + "FROM ONLY " + raw.sql() + " r JOIN " + SERIES + " s ON s.metric_name = r.metric_name "
                + "AND s.metric_type = r.metric_type AND s.runtime_id = r.runtime_id "
                + "AND s.labels = coalesce(r.labels, '{}'::jsonb) "
                // only finite values, as Sample: NaN (Prometheus's staleness marker) and infinities would poison every sum
                + "WHERE r.metric_value NOT IN ('NaN', 'Infinity', '-Infinity') "
                + slice.map(x -> "AND " + x + " ").orElse("")
                + "WINDOW w AS (PARTITION BY s.fingerprint, date_bin(" + stride(finest) + ", " + time
                + ", " + ORIGIN + ") ORDER BY " + time + ", r.metric_value)) x "
                + "GROUP BY fingerprint, bucket_start";
    }

    /**
     * Merges this partition's buckets of {@code tier}, built from the finest tier's ({@code finest} divides the tier's
     * resolution), into the tier table. Coarsening joins neighbouring buckets, exact: each fine bucket's increase plus
     * the step from the one before's last sample to its first. Merging into a bucket already there is
     * {@code Bucket.merge}: neighbours in time add the step across the seam; parts that interleave keep the larger
     * increase and mark it inexact.
     */
    static String merge(Tier tier, Resolution finest) {
        String stride = stride(tier.resolution());
        String bucket = "date_bin(" + stride + ", bucket_start, " + ORIGIN + ")";
        String coarse = "SELECT fingerprint, " + bucket + " AS b, sum(sample_count) AS sample_count, "
                + "min(min_value) AS min_value, max(max_value) AS max_value, sum(positive_count) AS positive_count, "
                + "sum(positive_sum) AS positive_sum, sum(negative_count) AS negative_count, "
                + "sum(negative_sum) AS negative_sum, min(first_time) AS first_time, "
                + "min(first_value) FILTER (WHERE NOT has_prev) AS first_value, max(last_time) AS last_time, "
                + "min(last_value) FILTER (WHERE NOT has_next) AS last_value, "
                + "sum(increase) + coalesce(sum(" + step("prev_last", "first_value") + ") FILTER (WHERE has_prev), 0)"
                + " AS increase, sum(resets) + count(*) FILTER (WHERE first_value < prev_last) AS resets "
                + "FROM (SELECT f.*, lag(last_value) OVER w AS prev_last, lag(true, 1, false) OVER w AS has_prev, "
                + "lead(true, 1, false) OVER w AS has_next FROM " + FINE + " f "
                + "WINDOW w AS (PARTITION BY fingerprint, " + bucket + " ORDER BY bucket_start)) x "
                + "WHERE " + bucket + " >= " + tier.keepFromSql() + " "
                + "GROUP BY fingerprint, " + bucket;
        if (tier.resolution().equals(finest)) {
            coarse = "SELECT fingerprint, bucket_start AS b, sample_count, min_value, max_value, positive_count, "
                    + "positive_sum, negative_count, negative_sum, first_time, first_value, last_time, last_value, "
                    + "increase, resets FROM " + FINE + " WHERE bucket_start >= " + tier.keepFromSql();
        }
        // t is the bucket already there, e the part merged into it
        String tFirst = "(t.first_time, t.first_value)";
        String eFirst = "(excluded.first_time, excluded.first_value)";
        String tLast = "(t.last_time, t.last_value)";
        String eLast = "(excluded.last_time, excluded.last_value)";
        String tBefore = tLast + " <= " + eFirst;
        String eBefore = eLast + " <= " + tFirst;
        String firstValue = "CASE WHEN " + eFirst + " < " + tFirst + " THEN excluded.first_value ELSE t.first_value END";
        String lastValue = "CASE WHEN " + eLast + " > " + tLast + " THEN excluded.last_value ELSE t.last_value END";
        return "INSERT INTO " + tier.table().sql() + " AS t (fingerprint, bucket_start, sample_count, min_value, "
                + "max_value, positive_count, positive_sum, negative_count, negative_sum, first_time, first_value, "
                + "last_time, last_value, increase, resets, increase_exact) "
                + "SELECT fingerprint, b, sample_count, min_value, max_value, positive_count, positive_sum, "
                + "negative_count, negative_sum, first_time, first_value, last_time, last_value, increase, resets, "
                + "true FROM (" + coarse + ") c "
                + "ON CONFLICT (fingerprint, bucket_start) DO UPDATE SET "
                + "sample_count = t.sample_count + excluded.sample_count, "
                + "min_value = least(t.min_value, excluded.min_value), "
                + "max_value = greatest(t.max_value, excluded.max_value), "
                + "positive_count = t.positive_count + excluded.positive_count, "
                + "positive_sum = t.positive_sum + excluded.positive_sum, "
                + "negative_count = t.negative_count + excluded.negative_count, "
                + "negative_sum = t.negative_sum + excluded.negative_sum, "
                + "first_time = least(t.first_time, excluded.first_time), "
                + "first_value = " + firstValue + ", "
                + "last_time = greatest(t.last_time, excluded.last_time), "
                + "last_value = " + lastValue + ", "
                + "increase = CASE WHEN " + tBefore + " THEN t.increase + " + step("t.last_value", "excluded.first_value")
                + " + excluded.increase WHEN " + eBefore + " THEN excluded.increase + "
                + step("excluded.last_value", "t.first_value") + " + t.increase "
                + "ELSE greatest(t.increase, excluded.increase, " + step(firstValue, lastValue) + ") END, "
                + "resets = CASE WHEN " + tBefore + " THEN t.resets + excluded.resets + (excluded.first_value < "
                + "t.last_value)::int WHEN " + eBefore + " THEN excluded.resets + t.resets + (t.first_value < "
                + "excluded.last_value)::int ELSE greatest(t.resets, excluded.resets, ((" + lastValue + ") < ("
                + firstValue + "))::int) END, "
                + "increase_exact = t.increase_exact AND excluded.increase_exact AND (" + tBefore + " OR " + eBefore
                + ")";
    }

    /** {@code Bucket.step}: what a counter gained from {@code previous} to {@code next}, resets included. */
    private static String step(String previous, String next) {
        return "(CASE WHEN (" + next + ") >= (" + previous + ") THEN (" + next + ") - (" + previous + ") ELSE ("
                + next + ") END)";
    }

    /** A resolution as an SQL interval, the stride of {@code date_bin}. */
    static String stride(Resolution r) {
        return "interval " + SqlLiteral.of(r.width().getSeconds() + " seconds");
    }
}
