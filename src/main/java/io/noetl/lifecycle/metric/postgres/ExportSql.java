package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.ReadAhead;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.postgres.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.postgresql.PGStatement;

/**
 * The export's PostgreSQL side: the ledger {@code <schema>.metric_export_ledger}, one row per (raw table, raw
 * partition, receiver), and the ordered read of a closed raw partition.
 *
 * <p>The ledger row of a partition moves forward only after the receiver acknowledged a batch: it holds the key of the
 * last row of that batch ({@code last_time}, {@code last_id}: the sample time and {@code metric_id}, the order the
 * rows are read in), the samples and refused rows counted so far, and the oldest and newest sample time sent. A run
 * killed between an acknowledgement and its ledger update sends that one batch again when it resumes; nothing else is
 * sent twice and nothing is skipped. {@code done_at} is set when the last batch is acknowledged, {@code verified_at}
 * when the receiver's count reached {@code samples_sent} ({@code verify: Query}) or, under {@code AckOnly}, with
 * {@code done_at}. The retirement gate lets a partition go only with {@code verified_at} set for the policy's receiver
 * and, under {@code refusedRows: Hold}, no row refused.
 *
 * <p>Beside it, {@code <ledger>_series} holds, for a partition exported under {@code verify: Query} and not yet
 * confirmed, the samples sent of each series (by its {@code SeriesHash}, with its metric name), added in the
 * transaction that moves the ledger row, so that they always sum to {@code samples_sent}; the receiver's count is
 * compared with them series by series, and they are deleted once the partition is confirmed (and with the ledger row,
 * which they reference).
 */
public final class ExportSql {
    public static final String LEDGER = "metric_export_ledger";

    private ExportSql() {
    }

    /** The ledger of the policy's schema. */
    public static TableName ledgerOf(TableName raw) {
        return raw.sibling(LEDGER);
    }

    /** The samples sent of each series of the partitions not yet confirmed, beside {@code ledger}. */
    public static TableName seriesOf(TableName ledger) {
        return ledger.sibling(ledger.name() + "_series");
    }

    /**
     * One receiver's rows of a ledger for the partitions of one table: the ledger {@code table}, the table whose
     * partitions are exported ({@code raw}: the raw table, or the tier table {@code spec.export.source} names), and
     * the receiver {@code target}.
     */
    public record Ledger(TableName table, TableName raw, String target) {
    }

    /** How an acknowledged batch leaves its partition's export. */
    public enum Stage {
        /** More batches follow. */
        MORE,
        /** It was the last: the partition is done, and is confirmed by the receiver's count. */
        LAST,
        /** It was the last, and the partition is confirmed with it ({@code verify: AckOnly}). */
        LAST_CONFIRMED
    }

    /**
     * One batch the receiver acknowledged, as the ledger records it: the key of its last row ({@code lastTime},
     * {@code lastId}: where a resumed export goes on; empty for a batch that only refused rows), its samples and the
     * sample-time span they cover, the rows it refused with one refusal's words, and whether it was the last.
     */
    public record Batch(Optional<OffsetDateTime> lastTime, long lastId, long samples, Optional<Instant> oldest,
            Optional<Instant> newest, long refused, Optional<String> refusal, Stage stage) {

        public static Builder builder() {
            return new Builder();
        }

        /** Builds a {@link Batch}; a batch of nothing that is not the last unless told. */
        public static final class Builder {
            private Optional<OffsetDateTime> lastTime = Optional.empty();
            private long lastId;
            private long samples;
            private Optional<Instant> oldest = Optional.empty();
            private Optional<Instant> newest = Optional.empty();
            private long refused;
            private Optional<String> refusal = Optional.empty();
            private Stage stage = Stage.MORE;

            private Builder() {
            }

            /** The key of the batch's last row. */
            public Builder after(Optional<OffsetDateTime> time, long id) {
                this.lastTime = time;
                this.lastId = id;
                return this;
            }

            /** The samples it sent, and their oldest and newest sample time. */
            public Builder samples(long count, Optional<Instant> oldest, Optional<Instant> newest) {
                this.samples = count;
                this.oldest = oldest;
                this.newest = newest;
                return this;
            }

            /** The rows it refused, and the words of one refusal. */
            public Builder refused(long count, Optional<String> refusal) {
                this.refused = count;
                this.refusal = refusal;
                return this;
            }

            public Builder stage(Stage stage) {
                this.stage = stage;
                return this;
            }

            public Batch build() {
                return new Batch(lastTime, lastId, samples, oldest, newest, refused, refusal, stage);
            }
        }
    }

    /** What was sent of one series of a partition: its (sanitised) metric name and its number of samples. */
    public record SentSeries(String metricName, long samples) {
    }

    /** Where one partition's export stands for one receiver. */
    public record Entry(String partition, Optional<OffsetDateTime> lastTime, long lastId, long samplesSent,
            long rowsRefused, long batches, Optional<Instant> oldestSample, Optional<Instant> newestSample,
            Optional<String> lastRefusal, Optional<Instant> doneAt, Optional<Instant> verifiedAt,
            Optional<Long> verifiedSamples) {
        public static Entry fresh(String partition) {
            return new Entry(partition, Optional.empty(), 0, 0, 0, 0, Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }

        public boolean done() {
            return doneAt.isPresent();
        }

        public boolean verified() {
            return verifiedAt.isPresent();
        }
    }

    public static void ensureLedger(Connection c, TableName ledger) throws SQLException {
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(ledger.schema()));
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + ledger.sql() + " ("
                    + "raw_table TEXT NOT NULL, "
                    + "raw_partition TEXT NOT NULL, "
                    + "target TEXT NOT NULL, "
                    + "last_time TIMESTAMPTZ, "
                    + "last_id BIGINT NOT NULL DEFAULT 0, "
                    + "samples_sent BIGINT NOT NULL DEFAULT 0, "
                    + "rows_refused BIGINT NOT NULL DEFAULT 0, "
                    + "batches BIGINT NOT NULL DEFAULT 0, "
                    + "oldest_sample TIMESTAMPTZ, "
                    + "newest_sample TIMESTAMPTZ, "
                    + "last_refusal TEXT, "
                    + "started_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "done_at TIMESTAMPTZ, "
                    + "verified_at TIMESTAMPTZ, "
                    + "verified_samples BIGINT, "
                    + "PRIMARY KEY (raw_table, raw_partition, target))");
            s.execute("COMMENT ON TABLE " + ledger.sql() + " IS 'Export of raw metric partitions by Prometheus "
                    + "remote-write, kept by the noetl lifecycle operator: one row per partition and receiver; a "
                    + "partition is retired only once verified_at is set'");
        }
        ensureSeries(c, ledger);
    }

    /** Creates {@link #seriesOf} the ledger when it is missing (a ledger made before it). */
    public static void ensureSeries(Connection c, TableName ledger) throws SQLException {
        TableName series = seriesOf(ledger);
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + series.sql() + " ("
                    + "raw_table TEXT NOT NULL, "
                    + "raw_partition TEXT NOT NULL, "
                    + "target TEXT NOT NULL, "
                    + "series BIGINT NOT NULL, "
                    + "metric_name TEXT NOT NULL, "
                    + "samples BIGINT NOT NULL, "
                    + "PRIMARY KEY (raw_table, raw_partition, target, series), "
                    + "FOREIGN KEY (raw_table, raw_partition, target) REFERENCES " + ledger.sql()
                    + " ON DELETE CASCADE)");
            s.execute("COMMENT ON TABLE " + series.sql() + " IS 'Samples sent of each series (by a 64-bit hash of "
                    + "its labels) of the partitions in " + ledger.name() + " not yet confirmed, kept by the noetl "
                    + "lifecycle operator to compare with the receiver''s count series by series'");
        }
    }

    /** The ledger's rows, by partition name. */
    public static Map<String, Entry> entries(Connection c, Ledger ledger) throws SQLException {
        Map<String, Entry> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT raw_partition, last_time, last_id, samples_sent, "
                + "rows_refused, batches, oldest_sample, newest_sample, last_refusal, done_at, verified_at, "
                + "verified_samples FROM " + ledger.table().sql() + " WHERE raw_table = ? AND target = ?")) {
            ps.setString(1, ledger.raw().toString());
            ps.setString(2, ledger.target());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long verified = rs.getLong(12);
                    Optional<Long> verifiedSamples = rs.wasNull() ? Optional.empty() : Optional.of(verified);
                    out.put(rs.getString(1), new Entry(rs.getString(1),
                            Optional.ofNullable(rs.getObject(2, OffsetDateTime.class)), rs.getLong(3), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6), instant(rs, 7), instant(rs, 8),
                            Optional.ofNullable(rs.getString(9)), instant(rs, 10), instant(rs, 11), verifiedSamples));
                }
            }
        }
        return out;
    }

    /**
     * Records one acknowledged batch of {@code partition}: the key of its last row, its samples and refusals, the
     * sample-time span; and, when it was the last, that the partition is done (and, {@link Stage#LAST_CONFIRMED},
     * verified). A batch that sent samples counts as one; one that only refused rows does not.
     */
    public static void acknowledged(Connection c, Ledger ledger, String partition, Batch batch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + ledger.table().sql() + " AS l (raw_table, "
                + "raw_partition, target, last_time, last_id, samples_sent, rows_refused, batches, oldest_sample, "
                + "newest_sample, last_refusal, done_at, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                + "CASE WHEN ? THEN now() END, CASE WHEN ? THEN now() END) "
                + "ON CONFLICT (raw_table, raw_partition, target) DO UPDATE SET "
                + "last_time = coalesce(EXCLUDED.last_time, l.last_time), "
                + "last_id = CASE WHEN EXCLUDED.last_time IS NULL THEN l.last_id ELSE EXCLUDED.last_id END, "
                + "samples_sent = l.samples_sent + EXCLUDED.samples_sent, "
                + "rows_refused = l.rows_refused + EXCLUDED.rows_refused, "
                + "batches = l.batches + EXCLUDED.batches, "
                + "oldest_sample = least(l.oldest_sample, EXCLUDED.oldest_sample), "
                + "newest_sample = greatest(l.newest_sample, EXCLUDED.newest_sample), "
                + "last_refusal = coalesce(EXCLUDED.last_refusal, l.last_refusal), "
                + "updated_at = now(), "
                + "done_at = coalesce(EXCLUDED.done_at, l.done_at), "
                + "verified_at = coalesce(EXCLUDED.verified_at, l.verified_at)")) {
            key(ps, ledger, partition);
            if (batch.lastTime().isPresent()) {
                ps.setObject(4, batch.lastTime().get());
            } else {
                ps.setNull(4, Types.TIMESTAMP_WITH_TIMEZONE);
            }
            ps.setLong(5, batch.lastId());
            ps.setLong(6, batch.samples());
            ps.setLong(7, batch.refused());
            ps.setLong(8, batch.samples() > 0 ? 1 : 0);
            timestamp(ps, 9, batch.oldest());
            timestamp(ps, 10, batch.newest());
            ps.setString(11, batch.refusal().orElse(null));
            ps.setBoolean(12, batch.stage() != Stage.MORE);
            ps.setBoolean(13, batch.stage() == Stage.LAST_CONFIRMED);
            ps.executeUpdate();
        }
    }

    /**
     * Adds what one acknowledged batch sent of each series (by {@code SeriesHash}) to {@link #seriesOf} the ledger; in
     * the transaction of the batch's {@link #acknowledged}, after it (the rows reference the ledger row).
     */
    public static void seriesSent(Connection c, Ledger ledger, String partition, Map<Long, SentSeries> series)
            throws SQLException {
        if (series.isEmpty()) {
            return;
        }
        TableName table = seriesOf(ledger.table());
        Long[] hashes = new Long[series.size()];
        String[] names = new String[series.size()];
        Long[] samples = new Long[series.size()];
        int i = 0;
        for (Map.Entry<Long, SentSeries> e : series.entrySet()) {
            hashes[i] = e.getKey();
            names[i] = e.getValue().metricName();
            samples[i] = e.getValue().samples();
            i++;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table.sql() + " AS s (raw_table, "
                + "raw_partition, target, series, metric_name, samples) SELECT ?, ?, ?, u.series, u.metric_name, "
                + "u.samples FROM unnest(?::bigint[], ?::text[], ?::bigint[]) AS u(series, metric_name, samples) "
                + "ON CONFLICT (raw_table, raw_partition, target, series) DO UPDATE SET "
                + "samples = s.samples + EXCLUDED.samples")) {
            key(ps, ledger, partition);
            ps.setArray(4, c.createArrayOf("bigint", hashes));
            ps.setArray(5, c.createArrayOf("text", names));
            ps.setArray(6, c.createArrayOf("bigint", samples));
            ps.executeUpdate();
        }
    }

    /** What was sent of each series of a partition not yet confirmed, by {@code SeriesHash}. */
    public static Map<Long, SentSeries> sentSeries(Connection c, Ledger ledger, String partition)
            throws SQLException {
        Map<Long, SentSeries> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT series, metric_name, samples FROM "
                + seriesOf(ledger.table()).sql() + " WHERE raw_table = ? AND raw_partition = ? AND target = ?")) {
            key(ps, ledger, partition);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), new SentSeries(rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return out;
    }

    /**
     * Records the receiver's count of a done partition; verified when every series holds what was sent of it, and then
     * its series' rows are no longer needed.
     */
    public static void counted(Connection c, Ledger ledger, String partition, long count, boolean verified)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + ledger.table().sql() + " SET verified_samples = ?, "
                + "verified_at = CASE WHEN ? THEN coalesce(verified_at, now()) END, updated_at = now() "
                + "WHERE raw_table = ? AND raw_partition = ? AND target = ?")) {
            ps.setLong(1, count);
            ps.setBoolean(2, verified);
            ps.setString(3, ledger.raw().toString());
            ps.setString(4, partition);
            ps.setString(5, ledger.target());
            ps.executeUpdate();
        }
        if (verified) {
            forgetSeries(c, ledger, partition);
        }
    }

    /** Deletes what {@link #seriesOf} the ledger holds of a partition: it is confirmed, or no longer counted. */
    public static void forgetSeries(Connection c, Ledger ledger, String partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + seriesOf(ledger.table()).sql() + " WHERE "
                + "raw_table = ? AND raw_partition = ? AND target = ?")) {
            key(ps, ledger, partition);
            ps.executeUpdate();
        }
    }

    /** The exact number of rows of a partition. */
    public static long rows(Connection c, TableName partition) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM ONLY "
                + partition.sql())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Forgets a partition's export to {@code target}: the next pass sends it again from its first row. */
    public static void forget(Connection c, Ledger ledger, String partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + ledger.table().sql() + " WHERE raw_table = ? "
                + "AND raw_partition = ? AND target = ?")) {
            key(ps, ledger, partition);
            ps.executeUpdate();
        }
    }

    /**
     * The registry's name and type columns for the export's {@code runtime_name} and {@code runtime_type} labels:
     * {@code name}, and {@code component_type} (seed 000) or {@code kind} (NoETL's live registry), as the registry
     * mapping names them; empty when the registry lacks them.
     */
    static Optional<String[]> registryColumns(Connection c, TableName registry) throws SQLException {
        Set<String> present = CatalogReader.columns(c, registry);
        if (!present.contains("name")) {
            return Optional.empty();
        }
        for (String type : List.of("component_type", "kind")) {
            if (present.contains(type)) {
                return Optional.of(new String[] {"name", type});
            }
        }
        return Optional.empty();
    }

    /** One row of a raw partition as the export reads it. */
    public record Row(OffsetDateTime time, long millis, long id, String metricName, String metricType, String unit,
            String help, double value, String labelsJson, String runtimeName, String runtimeType) {
    }

    /**
     * What a read of a raw partition needs: the partition, the registry its rows' runtimes are named in (when the
     * table has {@code runtime_id}), and the mapping of its table's columns.
     */
    public record Source(TableName partition, Optional<TableName> registry, MetricColumns columns) {
    }

    /**
     * A tier partition to read: its relation, the series catalogue its fingerprints are named in, the registry its
     * series' runtimes are named in, and the tier's resolution as its series names carry it ({@code 5m}).
     */
    public record TierSource(TableName partition, TableName catalogue, Optional<TableName> registry,
            String resolution) {
    }

    /**
     * Where a read of a partition starts and how it fetches: after the key ({@code afterTime}, {@code afterId}) when
     * there is one (a resumed export), {@code fetch} rows at a time.
     */
    public record Cursor(Optional<OffsetDateTime> afterTime, long afterId, int fetch) {
        /** From the first row. */
        public static Cursor fromStart(int fetch) {
            return new Cursor(Optional.empty(), 0, fetch);
        }

        /** After the last row the ledger entry records. */
        public static Cursor after(Entry entry, int fetch) {
            return new Cursor(entry.lastTime(), entry.lastId(), fetch);
        }
    }

    /** Takes the rows of a read; false stops the read (its transaction ends, and nothing is lost: see the ledger). */
    @FunctionalInterface
    public interface RowSink<E extends Exception> {
        boolean accept(Row row) throws E;
    }

    /**
     * Reads the rows of the source's partition after the cursor's key in the order of that key, {@code fetch} rows at
     * a time through a cursor, so that only one fetch is held at a time; {@code sink} sees each row.
     * The read runs in one transaction (a consistent snapshot of the closed partition) on {@code c}, which it leaves
     * in autocommit. The registry's name and type of each row's runtime are joined when the raw table has
     * {@code runtime_id} and {@code registry} exists.
     */
    public static <E extends Exception> void read(Connection c, Source source, Cursor from, RowSink<E> sink)
            throws SQLException, InterruptedException, E {
        MetricColumns cols = source.columns();
        Optional<TableName> registry = source.registry();
        Optional<String[]> names = registry.isPresent() && cols.optional(MetricColumns.Role.RUNTIME_ID).isPresent()
                && CatalogReader.exists(c, registry.get()) ? registryColumns(c, registry.get()) : Optional.empty();
        String time = cols.sampleTimeSql("m");
        String sql = "SELECT " + time + ", floor(extract(epoch FROM " + time + ") * 1000)::bigint, m.metric_id, "
                + "m.metric_name, " + cols.textOrNull("m", MetricColumns.Role.TYPE) + ", "
                + cols.textOrNull("m", MetricColumns.Role.UNIT) + ", " + cols.textOrNull("m", MetricColumns.Role.HELP)
                + ", m.metric_value, m.labels::text, "
                // a row whose runtime has no registry row is sent without runtime_name and runtime_type
                + names.map(n -> "r." + SqlIdentifier.quote(n[0]) + ", r." + SqlIdentifier.quote(n[1]))
                        .orElse("NULL::text, NULL::text")
                + " FROM ONLY " + source.partition().sql() + " m"
                + (names.isPresent() ? " LEFT JOIN " + registry.get().sql() + " r ON r.runtime_id = m.runtime_id" : "")
                + (from.afterTime().isPresent() ? " WHERE (" + time + ", m.metric_id) > (?, ?)" : "")
                + " ORDER BY " + time + ", m.metric_id";
        cursor(c, new Query(sql, from), (rs, out) -> out.add(new Row(rs.getObject(1, OffsetDateTime.class),
                rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                rs.getDouble(8), rs.getString(9), rs.getString(10), rs.getString(11))), sink);
    }

    /** Rows handed from the read's thread to the sink's at a time: small beside a fetch, large beside a queue's cost. */
    private static final int READ_AHEAD_CHUNK = 1_000;

    /** Maps the cursor's current row into rows for the sink; false (from {@code out.add}) stops the read. */
    @FunctionalInterface
    private interface RowMapper {
        boolean map(ResultSet rs, ReadAhead.Out<Row> out) throws SQLException, InterruptedException;
    }

    /** A keyed read: {@code sql}, whose parameters, when there is a key, are the cursor's key after which to read. */
    private record Query(String sql, Cursor from) {
    }

    /**
     * Runs the query through a cursor of {@code fetch} rows in one transaction on {@code c}, which it leaves in its
     * autocommit mode, mapping each row on a thread of its own ({@link ReadAhead}: the next rows are fetched and
     * decoded while {@code sink} works on the ones before) until {@code sink} says stop; returns once the read's
     * transaction has ended.
     */
    private static <E extends Exception> void cursor(Connection c, Query query, RowMapper mapper, RowSink<E> sink)
            throws SQLException, InterruptedException, E {
        ReadAhead.<Row, E>run("export-read-ahead", Math.min(query.from().fetch(), READ_AHEAD_CHUNK),
                out -> cursor(c, query, mapper, out), sink::accept);
    }

    private static void cursor(Connection c, Query query, RowMapper mapper, ReadAhead.Out<Row> out)
            throws SQLException, InterruptedException {
        Cursor from = query.from();
        Transactions.inOne(c, () -> {
            try (PreparedStatement ps = c.prepareStatement(query.sql())) {
                ps.setFetchSize(from.fetch());
                if (ps.isWrapperFor(PGStatement.class)) {
                    // results in binary from the first execution: the timestamps, ids and values are then neither
                    // formatted as text by the server nor parsed by the driver, row by row (a negative threshold is
                    // the driver's switch for binary transfer; the statement is prepared on the server once)
                    ps.unwrap(PGStatement.class).setPrepareThreshold(-1);
                }
                if (from.afterTime().isPresent()) {
                    ps.setObject(1, from.afterTime().get());
                    ps.setLong(2, from.afterId());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    boolean more = true;
                    while (more && rs.next()) {
                        more = mapper.map(rs, out);
                    }
                }
                // closed before the commit, so that the named statement is deallocated in this transaction (the
                // connections cache none, DatabasePools): a transaction-pooling PgBouncer may run the next
                // transaction on another server connection and give this one to another client (issue 22)
            }
            return null;
        });
    }

    /** The statistics a tier bucket is sent as, each a series {@code <name>:<stat>_<resolution>}. */
    public static final List<String> TIER_STATS = List.of("avg", "min", "max", "sum", "count", "last");
    /** Sent for counters only: the bucket's increase (exact, or its lower bound, as the tier holds it). */
    public static final String TIER_INCREASE = "increase";

    /** The name a tier bucket's statistic is sent under. */
    public static String tierSeries(String metricName, String stat, String resolution) {
        return metricName + ":" + stat + "_" + resolution;
    }

    /**
     * Reads the buckets of a tier partition after the cursor's key, (bucket start, fingerprint), in that order, joined to the series catalogue (name, type, labels) and the
     * registry (runtime name and type); each bucket becomes one row per statistic ({@link #TIER_STATS}, and
     * {@link #TIER_INCREASE} for counters), all at the bucket's start, all with the bucket's key. As {@link #read}
     * otherwise.
     */
    public static <E extends Exception> void readTier(Connection c, TierSource source, Cursor from, RowSink<E> sink)
            throws SQLException, InterruptedException, E {
        Optional<TableName> registry = source.registry();
        Optional<String[]> names = registry.isPresent() && CatalogReader.exists(c, registry.get())
                ? registryColumns(c, registry.get()) : Optional.empty();
        boolean joined = names.isPresent();
        String sql = "SELECT t.bucket_start, floor(extract(epoch FROM t.bucket_start) * 1000)::bigint, t.fingerprint, "
                + "s.metric_name, s.metric_type, s.labels::text, "
                + names.map(n -> "r." + SqlIdentifier.quote(n[0]) + ", r." + SqlIdentifier.quote(n[1]))
                        .orElse("NULL::text, NULL::text") + ", "
                + "(t.positive_sum + t.negative_sum) / t.sample_count, t.min_value, t.max_value, "
                + "t.positive_sum + t.negative_sum, t.sample_count::double precision, t.last_value, t.increase"
                + " FROM ONLY " + source.partition().sql() + " t JOIN " + source.catalogue().sql()
                + " s ON s.fingerprint = t.fingerprint"
                + (joined ? " LEFT JOIN " + registry.get().sql() + " r ON r.runtime_id = s.runtime_id" : "")
                + (from.afterTime().isPresent() ? " WHERE (t.bucket_start, t.fingerprint) > (?, ?)" : "")
                + " ORDER BY t.bucket_start, t.fingerprint";
        cursor(c, new Query(sql, from), (rs, out) -> {
            OffsetDateTime time = rs.getObject(1, OffsetDateTime.class);
            String type = rs.getString(5);
            int stats = "counter".equals(type) ? TIER_STATS.size() + 1 : TIER_STATS.size();
            boolean more = true;
            for (int i = 0; i < stats && more; i++) {
                String stat = i < TIER_STATS.size() ? TIER_STATS.get(i) : TIER_INCREASE;
                more = out.add(new Row(time, rs.getLong(2), rs.getLong(3), tierSeries(rs.getString(4), stat,
                        source.resolution()), "gauge", null, null, rs.getDouble(9 + i), rs.getString(6), rs.getString(7),
                        rs.getString(8)));
            }
            return more;
        }, sink);
    }

    /** Binds the key of {@code partition}'s ledger row: raw table, partition and receiver, as parameters 1 to 3. */
    private static void key(PreparedStatement ps, Ledger ledger, String partition) throws SQLException {
        ps.setString(1, ledger.raw().toString());
        ps.setString(2, partition);
        ps.setString(3, ledger.target());
    }

    private static Optional<Instant> instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? Optional.empty() : Optional.of(t.toInstant());
    }

    private static void timestamp(PreparedStatement ps, int index, Optional<Instant> value) throws SQLException {
        if (value.isPresent()) {
            ps.setObject(index, OffsetDateTime.ofInstant(value.get(), java.time.ZoneOffset.UTC));
        } else {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        }
    }
}
