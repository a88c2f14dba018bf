package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.postgres.Transactions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rollup of one closed raw partition in steps, each its own transaction, so that no step writes more WAL than a
 * few MB (a rollup of a large partition in one transaction wrote about 1 GB and set off a checkpoint,
 * docs/benchmarks.md) and the pass can yield to the database's other work between steps.
 *
 * <p><b>The steps.</b> A first transaction reads the partition's series once, as {@link RollupSql#rollUp} does:
 * fingerprints, the collision check (a collision fails the rollup before any tier is touched), the rows refused, and
 * the catalogue upsert; it records the rollup in the progress table ({@value #PROGRESS}, beside the ledger) with the
 * tiers it goes into. Then each step takes the next slice of the partition by sample time, whole buckets of the
 * coarsest tier (so that every bucket of every tier this partition contributes comes from one slice, and the tiers
 * are exactly what one transaction would have made), about {@code stepRows} rows by the partition's average density,
 * computes its finest buckets, merges every tier, and moves the progress row on, in one transaction. The last
 * transaction writes the ledger rows and removes the progress row. The ledger therefore shows a partition only once
 * every step has committed; the retirement gate, which reads the ledger, keeps the partition until then.
 *
 * <p><b>Exactly once.</b> Every transaction first locks the partition's progress row ({@code FOR UPDATE}) and then
 * reads the ledger: a slice is merged only by the transaction that moves {@code done_until} past it, so a second
 * process (another replica, {@code apply --once}) waits for the first's step and goes on from where it left, and a
 * stop anywhere resumes after the last committed step. Nothing outlives a transaction but the progress row: no
 * temporary table, no session setting (a transaction-pooling PgBouncer may hand each step another server connection).
 */
public final class RollupSteps {
    public static final String PROGRESS = "metric_rollup_progress";

    private RollupSteps() {
    }

    /** What the pass does between steps: its pace, and where the step's measures go. */
    public interface Stepper {
        /** Before each step: the pace's hold. */
        void beforeStep() throws InterruptedException;

        /** After each committed step: its raw rows and the server's WAL written while it ran. */
        void stepDone(long rows, long walBytes);
    }

    /** A stepper that neither waits nor measures. */
    public static final Stepper UNPACED = new Stepper() {
        @Override
        public void beforeStep() {
        }

        @Override
        public void stepDone(long rows, long walBytes) {
        }
    };

    /** The progress table beside {@code tables}' ledger. */
    public static TableName progressOf(RollupSql.Tables tables) {
        return tables.ledger().sibling(PROGRESS);
    }

    /** Creates the progress table when missing; idempotent. */
    public static void ensureProgress(Connection c, RollupSql.Tables tables) throws SQLException {
        try (Statement s = c.createStatement()) {
            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS " + progressOf(tables).sql() + " ("
                    + "raw_table TEXT NOT NULL, "
                    + "raw_partition TEXT NOT NULL, "
                    + "tier_tables TEXT[] NOT NULL, "
                    + "buckets BIGINT[] NOT NULL, "
                    + "span_from TIMESTAMPTZ, "
                    + "span_to TIMESTAMPTZ, "
                    + "done_until TIMESTAMPTZ, "
                    + "raw_rows BIGINT NOT NULL, "
                    + "series BIGINT NOT NULL, "
                    + "rows_refused BIGINT NOT NULL, "
                    + "refused_example BIGINT, "
                    + "steps INT NOT NULL DEFAULT 0, "
                    + "wal_bytes NUMERIC NOT NULL DEFAULT 0, "
                    + "started_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                    + "PRIMARY KEY (raw_table, raw_partition))");
        }
    }

    /**
     * What one stepped rollup did: the {@link RollupSql.Rolled} of the whole partition, and its steps.
     *
     * @param steps the steps this call committed (a resumed rollup counts only its own)
     * @param walBytes the server's WAL written while those steps ran (other sessions' included: an upper bound)
     * @param maxStepWalBytes the most of it in one step
     */
    public record Stepped(RollupSql.Rolled rolled, int steps, long walBytes, long maxStepWalBytes) {
    }

    /** A rollup's progress row, read under its lock. */
    private record Progress(List<String> tierTables, long[] buckets, Optional<Instant> spanFrom,
            Optional<Instant> spanTo, Optional<Instant> doneUntil, long rawRows, long series, long rowsRefused,
            Optional<Long> refusedExample) {
    }

    /**
     * Rolls {@code partition} into every tier of {@code tiers} the ledger lacks, in steps of about {@code stepRows}
     * raw rows, each committed; {@code stepper} is asked before each step. Every transaction begins with
     * {@code SET LOCAL lock_timeout} of {@code lockTimeoutMillis}. A failure leaves the steps committed before it
     * and the progress row, and the next call goes on after them. A rollup begun into other tiers (the spec changed
     * meanwhile) is finished into those, and the tiers it lacks are rolled by the next call.
     */
    public static Stepped rollUp(Connection c, RollupSql.Tables tables, RollupSql.RawPartition partition,
            List<RollupSql.Tier> tiers, long stepRows, long lockTimeoutMillis, Stepper stepper)
            throws SQLException, InterruptedException {
        return Transactions.withoutAutoCommit(c, () -> new Run(c, tables, partition, tiers, stepRows,
                lockTimeoutMillis).run(stepper));
    }

    private static final class Run {
        private final Connection c;
        private final RollupSql.Tables tables;
        private final RollupSql.RawPartition partition;
        private final List<RollupSql.Tier> requested;
        private final long stepRows;
        private final long lockTimeoutMillis;
        private final TableName raw;
        private final TableName progress;
        private final MetricColumns columns;
        private int steps;
        private long walBytes;
        private long maxStepWal;
        /** Rows per coarsest bucket in the last step this call took; 0 before its first. */
        private double lastPerBucket;

        Run(Connection c, RollupSql.Tables tables, RollupSql.RawPartition partition, List<RollupSql.Tier> tiers,
                long stepRows, long lockTimeoutMillis) {
            this.c = c;
            this.tables = tables;
            this.partition = partition;
            this.requested = tiers;
            this.stepRows = Math.max(1, stepRows);
            this.lockTimeoutMillis = lockTimeoutMillis;
            this.raw = partition.relation(tables.raw());
            this.progress = progressOf(tables);
            this.columns = partition.columns();
        }

        Stepped run(Stepper stepper) throws SQLException, InterruptedException {
            Optional<Progress> p = Optional.empty();
            List<RollupSql.Tier> into = List.of();
            while (p.isEmpty()) {
                begin();
                p = lockedProgress();
                if (p.isEmpty()) {
                    into = unrolled(requested);
                    if (into.isEmpty()) {
                        c.rollback();
                        return new Stepped(empty(), 0, 0, 0);
                    }
                    p = start(into);
                    if (p.isEmpty()) {
                        // another process began it at the same moment: go on with its progress row
                        c.rollback();
                    }
                } else {
                    into = tiersOf(p.get());
                }
            }
            c.commit();
            Resolution finest = into.get(0).resolution();
            Duration coarse = into.get(into.size() - 1).resolution().width();
            while (true) {
                Progress now = p.get();
                Optional<Instant[]> slice = nextSlice(now, coarse);
                if (slice.isEmpty()) {
                    break;
                }
                // between transactions: the pace's reads of pg_stat_activity each in a transaction of their own
                // (the server keeps one snapshot of it per transaction), and no transaction held open while it waits
                c.setAutoCommit(true);
                stepper.beforeStep();
                c.setAutoCommit(false);
                begin();
                Optional<Progress> locked = lockedProgress();
                if (locked.isEmpty()) {
                    // another process finished it (its ledger rows are there) while this one waited
                    c.rollback();
                    return new Stepped(empty(), steps, walBytes, maxStepWal);
                }
                if (!locked.get().doneUntil().equals(now.doneUntil())) {
                    // another process took this slice: go on from where it stands
                    c.rollback();
                    p = locked;
                    continue;
                }
                long[] rowsAndWal = step(into, finest, slice.get()[0], slice.get()[1]);
                c.commit();
                steps++;
                walBytes += rowsAndWal[1];
                maxStepWal = Math.max(maxStepWal, rowsAndWal[1]);
                stepper.stepDone(rowsAndWal[0], rowsAndWal[1]);
                lastPerBucket = (double) rowsAndWal[0] * coarse.toMillis()
                        / Duration.between(slice.get()[0], slice.get()[1]).toMillis();
                p = Optional.of(withDone(now, slice.get()[1]));
            }
            begin();
            Optional<Progress> last = lockedProgress();
            if (last.isEmpty()) {
                c.rollback();
                return new Stepped(empty(), steps, walBytes, maxStepWal);
            }
            RollupSql.Rolled rolled = finish(into, last.get());
            c.commit();
            return new Stepped(rolled, steps, walBytes, maxStepWal);
        }

        private RollupSql.Rolled empty() {
            return new RollupSql.Rolled(partition.name(), List.of(), 0, 0, Map.of(), 0, Optional.empty());
        }

        private void begin() throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL lock_timeout = " + Math.max(1, lockTimeoutMillis));
                // one core: parallel workers would take the database's other core from the writers
                s.execute("SET LOCAL max_parallel_workers_per_gather = 0");
            }
        }

        /** The progress row, locked; empty when there is none (none begun, or finished). */
        private Optional<Progress> lockedProgress() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT tier_tables, buckets, span_from, span_to, "
                    + "done_until, raw_rows, rows_refused, refused_example, series FROM " + progress.sql()
                    + " WHERE raw_table = ? AND raw_partition = ? FOR UPDATE")) {
                ps.setString(1, tables.raw().toString());
                ps.setString(2, partition.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    List<String> tierTables = List.of((String[]) rs.getArray(1).getArray());
                    Long[] b = (Long[]) rs.getArray(2).getArray();
                    long[] buckets = new long[b.length];
                    for (int i = 0; i < b.length; i++) {
                        buckets[i] = b[i];
                    }
                    long example = rs.getLong(8);
                    Optional<Long> refusedExample = rs.wasNull() ? Optional.empty() : Optional.of(example);
                    return Optional.of(new Progress(tierTables, buckets, instant(rs.getTimestamp(3)),
                            instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5)), rs.getLong(6), rs.getLong(9),
                            rs.getLong(7), refusedExample));
                }
            }
        }

        private static Optional<Instant> instant(Timestamp t) {
            return Optional.ofNullable(t).map(Timestamp::toInstant);
        }

        /** The tiers of {@code tiers} the ledger does not have the partition in (read after the progress lock). */
        private List<RollupSql.Tier> unrolled(List<RollupSql.Tier> tiers) throws SQLException {
            List<String> done = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT tier_table FROM " + tables.ledger().sql()
                    + " WHERE raw_table = ? AND raw_partition = ?")) {
                ps.setString(1, tables.raw().toString());
                ps.setString(2, partition.name());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        done.add(rs.getString(1));
                    }
                }
            }
            return tiers.stream().filter(t -> !done.contains(t.table().toString())).toList();
        }

        /** The tiers a rollup in progress goes into, as this call knows them. */
        private List<RollupSql.Tier> tiersOf(Progress p) throws SQLException {
            List<RollupSql.Tier> into = new ArrayList<>();
            for (String name : p.tierTables()) {
                into.add(requested.stream().filter(t -> t.table().toString().equals(name)).findFirst().orElseThrow(
                        () -> new SQLException("the rollup of " + partition.name() + " began into the tiers "
                                + p.tierTables() + " and is half done; " + name + " is no longer among the tiers "
                                + "(spec.rollups changed): restore it to finish the rollup, or delete its progress "
                                + "row from " + progress + " and the partition's buckets from the tiers to start "
                                + "afresh")));
            }
            return into;
        }

        /**
         * The first transaction: the partition's series, once (the collision check before any tier is touched, the
         * rows refused, the catalogue upsert), and the progress row.
         */
        private Optional<Progress> start(List<RollupSql.Tier> into) throws SQLException {
            long rawRows;
            long series;
            long rowsRefused;
            Optional<Long> example = Optional.empty();
            Optional<Instant> spanFrom;
            Optional<Instant> spanTo;
            try (Statement s = c.createStatement()) {
                series(s, Optional.empty(), true);
                try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(samples), 0), count(*) FILTER (WHERE NOT "
                        + "refused), count(*) FILTER (WHERE NOT refused) - count(DISTINCT fingerprint) FILTER (WHERE "
                        + "NOT refused), coalesce(sum(samples) FILTER (WHERE refused), 0), min(first_seen), "
                        + "max(last_seen) FROM " + RollupSql.SERIES)) {
                    rs.next();
                    rawRows = rs.getLong(1);
                    series = rs.getLong(2);
                    if (rs.getLong(3) != 0) {
                        throw RollupSql.collision(partition.name());
                    }
                    rowsRefused = rs.getLong(4);
                    spanFrom = instant(rs.getTimestamp(5));
                    spanTo = instant(rs.getTimestamp(6));
                }
                if (rowsRefused > 0) {
                    example = RollupSql.refusedExample(s, raw, columns);
                    s.execute("DELETE FROM " + RollupSql.SERIES + " WHERE refused");
                }
                long upserted = s.executeLargeUpdate("INSERT INTO " + tables.catalogue().sql() + " AS c (fingerprint, "
                        + "metric_name, metric_type, runtime_id, labels, first_seen, last_seen) SELECT fingerprint, "
                        + "metric_name, metric_type, runtime_id, labels, first_seen, last_seen FROM "
                        + RollupSql.SERIES + " ON CONFLICT (fingerprint) DO UPDATE SET first_seen = "
                        + "least(c.first_seen, excluded.first_seen), last_seen = greatest(c.last_seen, "
                        + "excluded.last_seen) WHERE (c.metric_name, c.metric_type, c.runtime_id, c.labels) "
                        + "= (excluded.metric_name, excluded.metric_type, excluded.runtime_id, excluded.labels)");
                if (upserted != series) {
                    throw RollupSql.collision(partition.name());
                }
                // the series of the steps are read again slice by slice
                s.execute("DROP TABLE " + RollupSql.SERIES);
            }
            List<String> names = into.stream().map(t -> t.table().toString()).toList();
            // no series (an empty partition, or only refused rows): no slice, the ledger rows come at once
            Optional<Instant> from = series == 0 ? Optional.empty() : spanFrom;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + progress.sql() + " (raw_table, "
                    + "raw_partition, tier_tables, buckets, span_from, span_to, done_until, raw_rows, rows_refused, "
                    + "refused_example, series) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, tables.raw().toString());
                ps.setString(2, partition.name());
                ps.setArray(3, c.createArrayOf("text", names.toArray()));
                ps.setArray(4, c.createArrayOf("int8", names.stream().map(n -> 0L).toArray()));
                ps.setTimestamp(5, from.map(Timestamp::from).orElse(null));
                ps.setTimestamp(6, from.isEmpty() ? null : spanTo.map(Timestamp::from).orElse(null));
                ps.setLong(7, rawRows);
                ps.setLong(8, rowsRefused);
                if (example.isPresent()) {
                    ps.setLong(9, example.get());
                } else {
                    ps.setNull(9, java.sql.Types.BIGINT);
                }
                ps.setLong(10, series);
                if (ps.executeUpdate() == 0) {
                    // waited for another process's first transaction, which made the row
                    return Optional.empty();
                }
            }
            if (unrolled(into).size() != into.size()) {
                // another process rolled it up whole while this one read its series: its ledger rows are there now
                return Optional.empty();
            }
            return Optional.of(new Progress(names, new long[names.size()], from, from.isEmpty() ? Optional.empty()
                    : spanTo, Optional.empty(), rawRows, series, rowsRefused, example));
        }

        /**
         * The series of the partition (or of the rows {@code slice} admits) into a temporary table dropped at commit,
         * with their fingerprints and whether they are refused; with {@code counts} also their samples and first and
         * last sample times.
         */
        private void series(Statement s, Optional<String> slice, boolean counts) throws SQLException {
            s.execute("DROP TABLE IF EXISTS pg_temp." + RollupSql.SERIES + ", pg_temp." + RollupSql.FINE);
            s.execute("CREATE TEMPORARY TABLE " + RollupSql.SERIES + " ON COMMIT DROP AS "
                    + "SELECT metric_name, metric_type, runtime_id, coalesce(labels, '{}'::jsonb) AS labels"
                    + (counts ? ", count(*) AS samples, min(" + columns.sampleTimeSql("") + ") AS first_seen, max("
                            + columns.sampleTimeSql("") + ") AS last_seen" : "")
                    + " FROM ONLY " + raw.sql() + " r" + slice.map(x -> " WHERE " + x).orElse("")
                    + " GROUP BY 1, 2, 3, 4");
            s.execute("ALTER TABLE " + RollupSql.SERIES + " ADD COLUMN fingerprint bigint, ADD COLUMN refused boolean");
            s.execute("UPDATE " + RollupSql.SERIES + " SET refused = " + SeriesFingerprintSql.tooDeep("labels")
                    + ", fingerprint = " + tables.catalogue().sibling(SeriesFingerprintSql.FINGERPRINT).sql()
                    + "(metric_name, metric_type, runtime_id, labels)");
        }

        /**
         * The next slice after what is done: whole buckets of the coarsest tier, as many as hold about
         * {@code stepRows} rows at the partition's average density or the last step's, whichever is denser (a dense
         * stretch after a sparse one makes at most one step too large), at least one; empty when the span is done.
         */
        private Optional<Instant[]> nextSlice(Progress p, Duration coarse) {
            if (p.spanFrom().isEmpty()) {
                return Optional.empty();
            }
            Instant spanFrom = p.spanFrom().get();
            Instant spanTo = p.spanTo().orElse(spanFrom);
            long width = coarse.toMillis();
            Instant first = Instant.ofEpochMilli(Math.floorDiv(spanFrom.toEpochMilli(), width) * width);
            Instant from = p.doneUntil().orElse(first);
            if (from.isAfter(spanTo)) {
                return Optional.empty();
            }
            long buckets = Math.max(1, (spanTo.toEpochMilli() - first.toEpochMilli()) / width + 1);
            double perBucket = Math.max(1.0, Math.max(lastPerBucket, (double) p.rawRows() / buckets));
            long take = Math.max(1, (long) Math.floor(stepRows / perBucket));
            return Optional.of(new Instant[] {from, from.plusMillis(take * width)});
        }

        /**
         * One step: the slice's series and finest buckets, merged into every tier, and the progress row moved on;
         * returns its raw rows, the server's WAL written meanwhile, and the buckets merged (their sum over tiers).
         */
        private long[] step(List<RollupSql.Tier> into, Resolution finest, Instant from, Instant to)
                throws SQLException {
            String lsn0;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
                rs.next();
                lsn0 = rs.getString(1);
            }
            String slice = columns.sampleTimeWithinSql("r", from, to);
            long rows = 0;
            Map<String, Long> merged = new LinkedHashMap<>();
            try (Statement s = c.createStatement()) {
                series(s, Optional.of(slice), false);
                s.execute("DELETE FROM " + RollupSql.SERIES + " WHERE refused");
                s.execute("ANALYZE " + RollupSql.SERIES);
                s.execute(RollupSql.fineBuckets(raw, columns, finest, Optional.of(slice)));
                try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(sample_count), 0) FROM " + RollupSql.FINE)) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                s.execute("ANALYZE " + RollupSql.FINE);
                for (RollupSql.Tier tier : into) {
                    merged.put(tier.table().toString(), s.executeLargeUpdate(RollupSql.merge(tier, finest)));
                }
            }
            long wal;
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + progress.sql() + " SET done_until = ?, "
                    + "steps = steps + 1, buckets = ?, wal_bytes = wal_bytes + pg_wal_lsn_diff(pg_current_wal_insert_lsn(), "
                    + "?::pg_lsn) WHERE raw_table = ? AND raw_partition = ? RETURNING pg_wal_lsn_diff("
                    + "pg_current_wal_insert_lsn(), ?::pg_lsn)")) {
                Progress before = lockedBuckets();
                Long[] buckets = new Long[before.tierTables().size()];
                for (int i = 0; i < buckets.length; i++) {
                    buckets[i] = before.buckets()[i] + merged.getOrDefault(before.tierTables().get(i), 0L);
                }
                ps.setTimestamp(1, Timestamp.from(to));
                Array array = c.createArrayOf("int8", buckets);
                ps.setArray(2, array);
                ps.setString(3, lsn0);
                ps.setString(4, tables.raw().toString());
                ps.setString(5, partition.name());
                ps.setString(6, lsn0);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    wal = rs.getBigDecimal(1).longValue();
                }
            }
            return new long[] {rows, wal, merged.values().stream().mapToLong(Long::longValue).sum()};
        }

        /** The progress row as this transaction holds it locked. */
        private Progress lockedBuckets() throws SQLException {
            return lockedProgress().orElseThrow(() -> new SQLException("the progress row of " + partition.name()
                    + " is gone"));
        }

        /** {@code p} moved on to {@code doneUntil}; its bucket counts are read again under the lock when they count. */
        private Progress withDone(Progress p, Instant doneUntil) {
            return new Progress(p.tierTables(), p.buckets(), p.spanFrom(), p.spanTo(), Optional.of(doneUntil),
                    p.rawRows(), p.series(), p.rowsRefused(), p.refusedExample());
        }

        /** The last transaction: the ledger rows, with what the steps counted, and no progress row. */
        private RollupSql.Rolled finish(List<RollupSql.Tier> into, Progress p) throws SQLException {
            Map<TableName, Long> buckets = new LinkedHashMap<>();
            List<TableName> claimed = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.ledger().sql() + " (raw_table, "
                    + "raw_partition, tier_table, range_from, range_to, resolution_seconds, raw_rows, raw_bytes, "
                    + "buckets, rows_refused) VALUES (?, ?, ?, ?, ?, ?, ?, pg_total_relation_size(to_regclass(?)), "
                    + "?, ?) ON CONFLICT DO NOTHING")) {
                for (int i = 0; i < into.size(); i++) {
                    RollupSql.Tier tier = into.get(i);
                    ps.setString(1, tables.raw().toString());
                    ps.setString(2, partition.name());
                    ps.setString(3, tier.table().toString());
                    ps.setTimestamp(4, Timestamp.from(partition.from()));
                    ps.setTimestamp(5, Timestamp.from(partition.to()));
                    ps.setLong(6, tier.resolution().width().getSeconds());
                    ps.setLong(7, p.rawRows());
                    ps.setString(8, raw.sql());
                    ps.setLong(9, p.buckets()[i]);
                    ps.setLong(10, p.rowsRefused());
                    if (ps.executeUpdate() == 1) {
                        claimed.add(tier.table());
                        buckets.put(tier.table(), p.buckets()[i]);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + progress.sql()
                    + " WHERE raw_table = ? AND raw_partition = ?")) {
                ps.setString(1, tables.raw().toString());
                ps.setString(2, partition.name());
                ps.executeUpdate();
            }
            return new RollupSql.Rolled(partition.name(), claimed, p.rawRows(), p.series(), buckets, p.rowsRefused(),
                    p.refusedExample());
        }
    }
}
