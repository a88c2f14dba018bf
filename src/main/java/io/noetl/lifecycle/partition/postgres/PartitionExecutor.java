package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.postgres.RollupSql;
import io.noetl.lifecycle.metric.postgres.RowExpirySql;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreateDefaultPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DetachPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DropPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.MoveDefaultRows;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.DdlTransaction;
import io.noetl.lifecycle.postgres.LockGate;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.SqlIdentifier;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Applies a plan to PostgreSQL in plan order, stopping at the first failure. Consecutive actions of one kind
 * share a transaction, at most {@link LockPolicy#batchSize()} of them; creates and retirements never share one,
 * so a failed drop never undoes the partitions writers need next. What succeeded stays, and every action is
 * safe to repeat, so the next pass converges. When a batch fails for another reason than a lock, its actions
 * are retried one by one so the failure names the action that caused it.
 *
 * <p>Creating follows the lock-friendly recipe: a plain table {@code LIKE} the parent, then ATTACH, which takes
 * only SHARE UPDATE EXCLUSIVE on the parent (where {@code CREATE TABLE ... PARTITION OF} would queue for
 * ACCESS EXCLUSIVE behind any reader, and every writer behind it). Retiring takes ACCESS EXCLUSIVE on the
 * parent (the lock DROP and DETACH need anyway), checks under that lock that each partition still has the
 * bounds the plan saw, then drops or detaches them.
 */
public final class PartitionExecutor {
    private static final Logger LOG = Logger.getLogger(PartitionExecutor.class);
    private static final String BOUNDS_CHECK = "lifecycle_bounds";

    public record Failure(PlannedAction action, DatabaseFailure cause) {
        /** The cause's message, after the action it stopped ({@code DropPartition metric_2026_01_01: ...}). */
        public String describe() {
            return actionPrefix() + cause.message();
        }

        /** {@code "<kind> <partition>: "}, or empty when the failure came before any action. */
        public String actionPrefix() {
            return action == null ? "" : action.kind() + " " + action.partition() + ": ";
        }
    }

    /**
     * A retirement refused under its lock: by the data proof (the partition holds a key at or after the retention
     * cutoff, {@link #holdsRecentRows}) or by the rollup gate (the ledger does not show it rolled into every tier).
     */
    public record Kept(PlannedAction action, Reason reason, String describe) {
        /**
         * @param newest the partition's newest key, as PostgreSQL prints it
         * @param cutoff the cutoff it was held against (server time minus retention, in key units)
         */
        public static Kept holdsRecentRows(PlannedAction action, String newest, String cutoff) {
            return new Kept(action, Reason.PARTITION_HOLDS_RECENT_ROWS, action.partition() + " holds rows up to "
                    + newest + ", at or after the retention cutoff " + cutoff + " of the database's clock: kept");
        }

        /** The finding the status, the HTTP answer and the command line report it as. */
        public Finding finding() {
            return new Finding(reason, describe);
        }
    }

    /**
     * The rollup gate: a raw partition may go only when {@code ledger} has a row for it in every one of
     * {@code tierTables} ({@code schema.table}) and each of those tables exists.
     *
     * @param rawTable the raw table as the ledger names it ({@code schema.table})
     */
    public record RollupGate(TableName ledger, String rawTable, List<TableName> tierTables) {
        public RollupGate {
            tierTables = List.copyOf(tierTables);
        }
    }

    /**
     * The export gate of a policy with {@code spec.export}: a partition may be retired only when the export ledger
     * {@code ledger} has it confirmed ({@code verified_at}) for the receiver {@code target} and, with
     * {@code holdRefused} ({@code refusedRows: Hold}), shows no row its export refused.
     */
    public record ExportGate(TableName ledger, String rawTable, String target, boolean holdRefused) {
        /**
         * A partition kept for the rows its export refused, as the findings name it: {@code name (n rows; e.g. why)}.
         *
         * @param example the ledger's {@code last_refusal}: the row's {@code metric_id}, metric name and why
         */
        public static String heldPartition(String name, long refused, Optional<String> example) {
            return name + " (" + refused + (refused == 1 ? " row" : " rows") + example.map(e -> "; e.g. " + e)
                    .orElse("") + ")";
        }

        /** How to let a partition kept for its refused rows go. */
        public String howToRelease() {
            return "to let one go, set spec.export.refusedRows: Accept, or correct or delete its refused rows and "
                    + "forget its export (DELETE FROM " + ledger.sql() + " WHERE raw_table = '" + rawTable.replace("'", "''")
                    + "' AND raw_partition = '<partition>'), which sends it again, whole, in the next pass";
        }
    }

    /**
     * NoETL's per-row TTL: a partition holding a row whose expiry ({@code expiresSql}, a {@code timestamptz}
     * expression over column {@code column}) is ahead of the server's clock is kept ({@code RowsNotExpired}).
     */
    public record RowExpiryGate(String column, String expiresSql) {
        /** The finding for a partition kept for its unexpired rows, with when it can go. */
        public static Kept kept(PlannedAction action, RowExpirySql.Unexpired u) {
            return new Kept(action, Reason.ROWS_NOT_EXPIRED, action.partition() + " is past retention but " + u.rows()
                    + " of its rows have expires_at ahead of the database's clock: kept until the last expires at "
                    + u.lastExpiry() + " (spec.rowExpiry: Ignore retires by bounds alone)");
        }
    }

    /**
     * @param rowsMoved rows moved out of the default partition by the applied actions
     * @param kept retirements the data proof refused; the pass went on without them
     */
    public record Result(List<PlannedAction> applied, Optional<Failure> failure, long rowsMoved, List<Kept> kept) {
        public Result {
            applied = List.copyOf(applied);
            kept = List.copyOf(kept);
        }
    }

    private final DataSource dataSource;
    private final TableName parent;
    private final String keyColumn;
    private final KeyType keyType;
    private final LockPolicy lockPolicy;
    private final DatabaseTarget target;
    private final Optional<TableName> defaultPartition;
    private Optional<String> retentionCutoff = Optional.empty();
    private Optional<RollupGate> gate = Optional.empty();
    private Optional<ExportGate> exportGate = Optional.empty();
    private Optional<RowExpiryGate> expiryGate = Optional.empty();
    private long rowsMoved;
    private final List<Kept> kept = new ArrayList<>();
    /** The retirements of the batch being run: each partition as the catalog shows it, by name. */
    private Map<String, Located> located = Map.of();

    /** A partition of the parent as the catalog showed it: its oid, its own schema and name, its bounds. */
    private record Located(long oid, TableName table, KeyRange range) {
    }

    /**
     * @param defaultPartition the parent's default partition, if it has one: attaching locks it
     */
    public PartitionExecutor(DataSource dataSource, DatabaseTarget target, TableName parent, String keyColumn,
            KeyType keyType, Optional<String> defaultPartition, LockPolicy lockPolicy) {
        this.dataSource = dataSource;
        this.defaultPartition = defaultPartition.map(parent::sibling);
        this.target = target;
        this.parent = parent;
        this.keyColumn = keyColumn;
        this.keyType = keyType;
        this.lockPolicy = lockPolicy;
    }

    /**
     * Makes every retirement prove from the data, under its lock, that the partition holds no key at or after
     * {@code cutoffSql} (the retention cutoff over the server's clock, in key units); a partition that fails is
     * kept and reported. Without it (a policy that keeps everything plans no retirement) nothing is checked.
     */
    public PartitionExecutor proving(Optional<String> cutoffSql) {
        this.retentionCutoff = cutoffSql;
        return this;
    }

    /**
     * Makes every retirement wait for its rollup: under the lock that drops or detaches it, in the step that re-checks
     * its bounds, the ledger must show the partition rolled into every tier of {@code gate}; one that is not is kept
     * and reported ({@code RollupPending}). Without it (a policy without rollups) nothing is gated.
     */
    public PartitionExecutor gated(Optional<RollupGate> gate) {
        this.gate = gate;
        return this;
    }

    /**
     * Makes every retirement wait for its export: under the same lock, the export ledger must show the partition
     * confirmed at the receiver; one that is not is kept and reported ({@code ExportPending}).
     */
    public PartitionExecutor exportGated(Optional<ExportGate> gate) {
        this.exportGate = gate;
        return this;
    }

    /**
     * Makes every retirement wait for the rows' own expiry: a partition with a row whose expiry is ahead of the
     * server's clock is kept. Checked before the lock (a scan of the partition, or an index probe), and again under
     * it where an index on the column makes that a probe; without one, a row written or extended in the moment
     * between the two is not seen (NoETL's TTL functions extend unexpired rows only).
     */
    public PartitionExecutor expiryGated(Optional<RowExpiryGate> gate) {
        this.expiryGate = gate;
        return this;
    }

    public Result apply(List<PlannedAction> actions) {
        List<PlannedAction> applied = new ArrayList<>();
        rowsMoved = 0;
        kept.clear();
        try (Connection c = dataSource.getConnection()) {
            for (List<PlannedAction> batch : batches(actions)) {
                try {
                    applied.addAll(run(c, batch));
                } catch (SQLException e) {
                    if (batch.size() == 1 || DatabaseFailure.isLockTimeout(e)) {
                        return failed(applied, batch.get(0), e);
                    }
                    for (PlannedAction action : batch) {
                        try {
                            applied.addAll(run(c, List.of(action)));
                        } catch (SQLException single) {
                            return failed(applied, action, single);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            PlannedAction next = actions.size() > applied.size() ? actions.get(applied.size()) : null;
            return failed(applied, next, e);
        }
        return new Result(applied, Optional.empty(), rowsMoved, kept);
    }

    private Result failed(List<PlannedAction> applied, PlannedAction action, SQLException e) {
        LOG.debugf("%s %s failed: %s", action == null ? "connection" : action.kind(),
                action == null ? "" : action.partition(), target.redact(e.getMessage()));
        return new Result(applied, Optional.of(new Failure(action, DatabaseFailure.of(e, target))), rowsMoved, kept);
    }

    private List<List<PlannedAction>> batches(List<PlannedAction> actions) {
        List<List<PlannedAction>> batches = new ArrayList<>();
        List<PlannedAction> current = new ArrayList<>();
        for (PlannedAction a : actions) {
            if (!current.isEmpty() && (current.size() >= batchLimit(a) || current.get(0).getClass() != a.getClass())) {
                batches.add(current);
                current = new ArrayList<>();
            }
            current.add(a);
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    /** Moving rows and creating the default partition each take a transaction of their own. */
    private int batchLimit(PlannedAction a) {
        return a instanceof MoveDefaultRows || a instanceof CreateDefaultPartition ? 1 : lockPolicy.batchSize();
    }

    /** Runs one batch in one transaction; returns the actions it applied (a retirement may be kept instead). */
    private List<PlannedAction> run(Connection c, List<PlannedAction> batch) throws SQLException {
        located = Map.of();
        List<LockGate.Need> needs = needs(batch);
        if (batch.get(0) instanceof MoveDefaultRows move) {
            DdlTransaction.run(c, lockPolicy, needs, conn -> rowsMoved += move(conn, move));
            return batch;
        }
        if (batch.get(0) instanceof CreatePartition || batch.get(0) instanceof CreateDefaultPartition) {
            List<String> ddl = new ArrayList<>();
            batch.forEach(a -> ddl.addAll(statements(a)));
            DdlTransaction.run(c, lockPolicy, needs, ddl);
            return batch;
        }
        // each partition as the catalog shows it: a partition moved to another schema is acted on there, never a
        // table of its name in the parent's schema
        located = locate(c, batch);
        // the data proof, first without any lock (a scan of an unindexed partition then holds nobody up)
        Map<PlannedAction, Optional<Kept>> before = prove(c, batch);
        Map<PlannedAction, Kept> unexpiredBefore = unexpired(c, batch.stream().filter(a -> before.get(a).isEmpty())
                .toList(), false);
        unexpiredBefore.forEach((a, k) -> before.put(a, Optional.of(k)));
        List<PlannedAction> candidates = batch.stream().filter(a -> before.get(a).isEmpty()).toList();
        List<Kept> refused = new ArrayList<>();
        batch.stream().map(before::get).flatMap(Optional::stream).forEach(refused::add);
        List<PlannedAction> proven = new ArrayList<>();
        List<Kept> refusedUnderLock = new ArrayList<>();
        if (!candidates.isEmpty()) {
            DdlTransaction.run(c, lockPolicy, needs(candidates), conn -> {
                proven.clear();
                refusedUnderLock.clear();
                try (Statement s = conn.createStatement()) {
                    s.execute("LOCK TABLE " + parent.sql() + " IN ACCESS EXCLUSIVE MODE");
                    verifyBounds(conn, candidates);
                    // again under the lock where an index on the key makes it a probe: nothing newer arrived since
                    Map<PlannedAction, Optional<Kept>> locked = retentionCutoff.isEmpty() ? Map.of()
                            : prove(conn, indexedOnKey(conn, candidates));
                    Map<PlannedAction, Kept> ungated = ungated(conn, candidates);
                    unexported(conn, candidates).forEach(ungated::putIfAbsent);
                    unexpired(conn, candidates, true).forEach(ungated::putIfAbsent);
                    for (PlannedAction a : candidates) {
                        Optional<Kept> refusal = locked.getOrDefault(a, Optional.empty())
                                .or(() -> Optional.ofNullable(ungated.get(a)));
                        refusal.ifPresentOrElse(refusedUnderLock::add, () -> proven.add(a));
                    }
                    List<String> ddl = new ArrayList<>();
                    proven.forEach(a -> ddl.addAll(statements(a)));
                    if (!ddl.isEmpty()) {
                        s.execute(String.join(";\n", ddl));
                    }
                }
            });
        }
        refused.addAll(refusedUnderLock);
        refused.forEach(k -> LOG.infof("%s %s: %s", k.action().kind(), k.action().partition(), k.describe()));
        kept.addAll(refused);
        return List.copyOf(proven);
    }

    /**
     * The data proof of retirements: each partition's newest key against the retention cutoff of the server's
     * clock, in one statement. {@code max()} of the key reads one end of a b-tree index whose first column is the key
     * when the partition has one; without one it scans the partition.
     */
    private Map<PlannedAction, Optional<Kept>> prove(Connection conn, List<PlannedAction> retirements)
            throws SQLException {
        // (a retirement's partition is always located by now: run() locates the batch first)
        Map<PlannedAction, Optional<Kept>> proof = new HashMap<>();
        if (retentionCutoff.isEmpty() || retirements.isEmpty()) {
            retirements.forEach(a -> proof.put(a, Optional.empty()));
            return proof;
        }
        String key = SqlIdentifier.quote(keyColumn);
        String cutoff = retentionCutoff.get();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < retirements.size(); i++) {
            parts.add("SELECT " + i + ", max(" + key + ")::text, coalesce(max(" + key + ") >= " + cutoff
                    + ", false), (" + cutoff + ")::text FROM ONLY " + child(retirements.get(i)).sql());
        }
        // in a transaction of its own unless in the caller's, where the texts of the keys are in UTC (SET LOCAL: the
        // session's zone is left to whoever gets the connection next, issue 22)
        boolean own = conn.getAutoCommit();
        conn.setAutoCommit(false);
        try (Statement s = conn.createStatement()) {
            s.execute("SET LOCAL TIME ZONE 'UTC'");
            try (ResultSet rs = s.executeQuery(String.join(" UNION ALL ", parts))) {
                while (rs.next()) {
                    PlannedAction a = retirements.get(rs.getInt(1));
                    proof.put(a, rs.getBoolean(3) ? Optional.of(Kept.holdsRecentRows(a, rs.getString(2),
                            rs.getString(4))) : Optional.empty());
                }
            }
            if (own) {
                conn.commit();
            }
        } finally {
            if (own) {
                conn.rollback();
                conn.setAutoCommit(true);
            }
        }
        return proof;
    }

    /**
     * The retirements the rollup gate refuses, read under the retirement lock: a partition without a ledger row for
     * every tier, or any partition while a tier table is missing. Rows of the ledger cannot change under the lock in a
     * way that lets one through wrongly: a rollup adds rows, and one in progress holds ACCESS SHARE on the partition,
     * which the lock taken here waited for.
     */
    private Map<PlannedAction, Kept> ungated(Connection conn, List<PlannedAction> retirements) throws SQLException {
        Map<PlannedAction, Kept> refused = new HashMap<>();
        if (gate.isEmpty() || retirements.isEmpty()) {
            return refused;
        }
        RollupGate g = gate.get();
        List<String> missingTiers = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT t FROM unnest(?::text[]) t WHERE to_regclass(t) IS NULL")) {
            ps.setArray(1, conn.createArrayOf("text", g.tierTables().stream().map(TableName::sql).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missingTiers.add(rs.getString(1));
                }
            }
        }
        Map<String, Long> tiersDone = new HashMap<>();
        if (missingTiers.isEmpty()) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT raw_partition, count(DISTINCT tier_table) FROM "
                    + g.ledger().sql() + " WHERE raw_table = ? AND raw_partition = ANY (?) AND tier_table = ANY (?) "
                    + "GROUP BY raw_partition")) {
                ps.setString(1, g.rawTable());
                ps.setArray(2, conn.createArrayOf("text", retirements.stream().map(PlannedAction::partition).toArray()));
                ps.setArray(3, conn.createArrayOf("text", g.tierTables().stream().map(TableName::toString).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tiersDone.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
        }
        for (PlannedAction a : retirements) {
            long done = tiersDone.getOrDefault(a.partition(), 0L);
            if (!missingTiers.isEmpty()) {
                refused.put(a, new Kept(a, Reason.ROLLUP_FAILED, a.partition() + " is kept: the tier table "
                        + String.join(", ", missingTiers) + " is missing, so its history cannot be kept"));
            } else if (done < g.tierTables().size()) {
                refused.put(a, new Kept(a, Reason.ROLLUP_PENDING, a.partition() + " is past retention but rolled into "
                        + done + " of " + g.tierTables().size() + " tiers: kept until its rollup is done"));
            }
        }
        return refused;
    }

    /**
     * The retirements the export gate refuses, read under the retirement lock: a partition whose export ledger row for
     * the receiver is missing or not confirmed. An export in progress reads the partition under ACCESS SHARE, which
     * the lock taken here waited for; confirmation only ever adds a timestamp.
     */
    private Map<PlannedAction, Kept> unexported(Connection conn, List<PlannedAction> retirements) throws SQLException {
        Map<PlannedAction, Kept> refused = new HashMap<>();
        if (exportGate.isEmpty() || retirements.isEmpty()) {
            return refused;
        }
        ExportGate g = exportGate.get();
        java.util.Set<String> confirmed = new java.util.HashSet<>();
        Map<String, String> held = new HashMap<>();
        if (RollupSql.exists(conn, g.ledger())) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT raw_partition, rows_refused, last_refusal FROM "
                    + g.ledger().sql() + " WHERE raw_table = ? AND target = ? AND raw_partition = ANY (?) AND "
                    + "verified_at IS NOT NULL")) {
                ps.setString(1, g.rawTable());
                ps.setString(2, g.target());
                ps.setArray(3, conn.createArrayOf("text", retirements.stream().map(PlannedAction::partition).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        confirmed.add(rs.getString(1));
                        if (g.holdRefused() && rs.getLong(2) > 0) {
                            held.put(rs.getString(1), ExportGate.heldPartition(rs.getString(1), rs.getLong(2),
                                    Optional.ofNullable(rs.getString(3))));
                        }
                    }
                }
            }
        }
        for (PlannedAction a : retirements) {
            if (!confirmed.contains(a.partition())) {
                refused.put(a, new Kept(a, Reason.EXPORT_PENDING, a.partition() + " is past retention but not yet "
                        + "exported to " + g.target() + " and confirmed there: kept until it is"));
            } else if (held.containsKey(a.partition())) {
                refused.put(a, new Kept(a, Reason.EXPORT_REFUSED_ROWS, a.partition() + " is past retention and "
                        + "confirmed at " + g.target() + ", but its export refused rows, which are at no receiver "
                        + "(spec.export.refusedRows: Hold): " + held.get(a.partition()) + "; " + g.howToRelease()));
            }
        }
        return refused;
    }

    /** The retirements whose partition has a valid b-tree index with the key as its first column. */
    private List<PlannedAction> indexedOnKey(Connection conn, List<PlannedAction> retirements) throws SQLException {
        return indexedOn(conn, retirements, keyColumn);
    }

    private List<PlannedAction> indexedOn(Connection conn, List<PlannedAction> retirements, String column)
            throws SQLException {
        List<String> indexed = RowExpirySql.indexedOn(conn, retirements.stream().map(this::child).toList(), column);
        return retirements.stream().filter(a -> indexed.contains(a.partition())).toList();
    }

    /**
     * The retirements the row-expiry gate refuses: partitions holding a row whose expiry is ahead of the server's
     * clock. {@code underLock}: only those where an index on the expiry column makes the check a probe.
     */
    private Map<PlannedAction, Kept> unexpired(Connection conn, List<PlannedAction> retirements, boolean underLock)
            throws SQLException {
        Map<PlannedAction, Kept> refused = new HashMap<>();
        if (expiryGate.isEmpty() || retirements.isEmpty()) {
            return refused;
        }
        RowExpiryGate g = expiryGate.get();
        List<PlannedAction> checked = underLock ? indexedOn(conn, retirements, g.column()) : retirements;
        Map<String, RowExpirySql.Unexpired> found = RowExpirySql.unexpired(conn, checked.stream().map(this::child)
                .toList(), g.expiresSql());
        for (PlannedAction a : checked) {
            RowExpirySql.Unexpired u = found.get(a.partition());
            if (u != null) {
                refused.put(a, RowExpiryGate.kept(a, u));
            }
        }
        return refused;
    }

    /** The table locks a batch takes, for the {@link LockGate}. */
    private List<LockGate.Need> needs(List<PlannedAction> batch) {
        List<LockGate.Need> needs = new ArrayList<>();
        PlannedAction first = batch.get(0);
        if (first.retires()) {
            needs.add(new LockGate.Need(parent, LockGate.Mode.ACCESS_EXCLUSIVE));
            batch.forEach(a -> needs.add(new LockGate.Need(child(a), LockGate.Mode.ACCESS_EXCLUSIVE)));
            return needs;
        }
        needs.add(new LockGate.Need(parent, LockGate.Mode.SHARE_UPDATE_EXCLUSIVE));
        if (first instanceof MoveDefaultRows move) {
            needs.add(new LockGate.Need(parent.sibling(move.defaultPartition()), LockGate.Mode.ACCESS_EXCLUSIVE));
        } else if (!(first instanceof CreateDefaultPartition)) {
            defaultPartition.ifPresent(d -> needs.add(new LockGate.Need(d, LockGate.Mode.ACCESS_EXCLUSIVE)));
        }
        return needs;
    }

    /** The DDL one action runs inside its transaction (retirements also lock the parent and check bounds). */
    public List<String> statements(PlannedAction action) {
        if (action instanceof CreatePartition create) {
            TableName child = parent.sibling(create.partition());
            // the new table is empty, so ATTACH's validation scan of it costs nothing
            return List.of(createLike(child), attach(child, keyType.sqlLiteral(create.window().from()),
                    keyType.sqlLiteral(create.window().to())));
        } else if (action instanceof CreateDefaultPartition create) {
            TableName child = parent.sibling(create.partition());
            return List.of(createLike(child),
                    "ALTER TABLE " + parent.sql() + " ATTACH PARTITION " + child.sql() + " DEFAULT");
        } else if (action instanceof DropPartition drop) {
            return List.of("DROP TABLE " + child(drop).sql());
        } else if (action instanceof DetachPartition detach) {
            TableName child = child(detach);
            String archive = SqlIdentifier.quote(detach.archiveSchema());
            return List.of("ALTER TABLE " + parent.sql() + " DETACH PARTITION " + child.sql(),
                    "CREATE SCHEMA IF NOT EXISTS " + archive,
                    "ALTER TABLE " + child.sql() + " SET SCHEMA " + archive);
        }
        throw new IllegalArgumentException("no executor for " + action.kind());
    }

    /**
     * Creates the partition and moves the default partition's rows for its range into it, in the caller's
     * transaction: the default partition is locked first (writers whose rows route there wait; others do
     * not), the rows are counted, copied and deleted, and the three counts must agree or everything rolls back.
     * A CHECK matching the bounds spares ATTACH its scan of the filled table. Returns the rows moved.
     */
    private long move(Connection c, MoveDefaultRows move) throws SQLException {
        TableName child = parent.sibling(move.partition());
        TableName dflt = parent.sibling(move.defaultPartition());
        String key = SqlIdentifier.quote(keyColumn);
        String lo = keyType.sqlLiteral(move.window().from());
        String hi = keyType.sqlLiteral(move.window().to());
        String inRange = key + " >= " + lo + " AND " + key + " < " + hi;
        String check = SqlIdentifier.quote(BOUNDS_CHECK);
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE " + dflt.sql() + " IN ACCESS EXCLUSIVE MODE");
            s.execute(createLike(child));
            String columns = String.join(", ", insertableColumns(c));
            long expected;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + dflt.sql() + " WHERE " + inRange)) {
                rs.next();
                expected = rs.getLong(1);
            }
            long copied = s.executeLargeUpdate("INSERT INTO " + child.sql() + " (" + columns + ") SELECT " + columns
                    + " FROM " + dflt.sql() + " WHERE " + inRange);
            long deleted = s.executeLargeUpdate("DELETE FROM " + dflt.sql() + " WHERE " + inRange);
            if (copied != expected || deleted != expected) {
                throw new SQLException("moving rows into " + child + " counted " + expected + ", copied " + copied
                        + " and deleted " + deleted + "; rolled back", DatabaseFailure.ROW_COUNT_MISMATCH_STATE);
            }
            s.execute(String.join(";\n",
                    "ALTER TABLE " + child.sql() + " ADD CONSTRAINT " + check + " CHECK (" + key + " IS NOT NULL AND "
                            + inRange + ")",
                    attach(child, lo, hi),
                    "ALTER TABLE " + child.sql() + " DROP CONSTRAINT " + check));
            return copied;
        }
    }

    /** A new, unattached table shaped like the parent. */
    private String createLike(TableName child) {
        return "CREATE TABLE " + child.sql() + " (LIKE " + parent.sql()
                + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)";
    }

    /** Attaching {@code child} for keys from {@code lo} (inclusive) to {@code hi} (exclusive), as SQL literals. */
    private String attach(TableName child, String lo, String hi) {
        return "ALTER TABLE " + parent.sql() + " ATTACH PARTITION " + child.sql() + " FOR VALUES FROM (" + lo
                + ") TO (" + hi + ")";
    }

    /** The parent's columns that take values on INSERT (not dropped, not generated), quoted, in order. */
    private List<String> insertableColumns(Connection c) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                + "to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")) {
            ps.setString(1, parent.sql());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(SqlIdentifier.quote(rs.getString(1)));
                }
            }
        }
        return columns;
    }

    /**
     * The table a retirement acts on: its partition as {@link #locate} found it among the parent's (in its own schema,
     * which a partition moved with {@code ALTER TABLE ... SET SCHEMA} does not share with the parent), else, for an
     * action not located, the parent's schema.
     */
    private TableName child(PlannedAction a) {
        Located l = located.get(a.partition());
        return l == null ? parent.sibling(a.partition()) : l.table();
    }

    /** The parent's partitions named by {@code batch}, each with its oid, own schema and bounds. */
    private Map<String, Located> partitionsNamed(Connection c, List<PlannedAction> batch) throws SQLException {
        Map<String, Located> found = new HashMap<>();
        java.util.Set<String> twice = new java.util.HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(CatalogReader.partitionsQuery(keyType,
                "i.inhparent = to_regclass(?) AND c.relname = ANY (?)"))) {
            ps.setString(1, parent.sql());
            Array names = c.createArrayOf("text", batch.stream().map(PlannedAction::partition).toArray());
            ps.setArray(2, names);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getBoolean("is_default")) {
                        String name = rs.getString("relname");
                        Located l = new Located(rs.getLong("relid"), new TableName(rs.getString("nspname"), name),
                                new KeyRange(CatalogReader.nullableLong(rs, "lo_units"),
                                        CatalogReader.nullableLong(rs, "hi_units")));
                        if (found.put(name, l) != null) {
                            twice.add(name); // two partitions of one name in two schemas: neither is the plan's
                        }
                    }
                }
            }
        }
        twice.forEach(found::remove);
        return found;
    }

    /**
     * Finds each retirement's partition among the parent's, before any lock; fails with
     * {@value DatabaseFailure#PARTITION_CHANGED_STATE} unless each is there, once, with the bounds the plan saw.
     */
    private Map<String, Located> locate(Connection c, List<PlannedAction> batch) throws SQLException {
        Map<String, Located> found = partitionsNamed(c, batch);
        for (PlannedAction a : batch) {
            Located l = found.get(a.partition());
            if (l == null || !Objects.equals(l.range(), a.range())) {
                throw new SQLException(parent.sibling(a.partition()) + " is no longer the partition the plan saw; "
                        + "nothing was retired", DatabaseFailure.PARTITION_CHANGED_STATE);
            }
        }
        return found;
    }

    /**
     * Under the retirement lock: fails with {@value DatabaseFailure#PARTITION_CHANGED_STATE} unless every partition is
     * still the relation {@link #locate} found (same oid, schema and bounds). The lock on the parent locks its
     * partitions too, so none can move or change between this check and the DDL.
     */
    private void verifyBounds(Connection c, List<PlannedAction> batch) throws SQLException {
        Map<String, Located> actual = partitionsNamed(c, batch);
        for (PlannedAction a : batch) {
            Located now = actual.get(a.partition());
            if (now == null || !now.equals(located.get(a.partition())) || !Objects.equals(now.range(), a.range())) {
                throw new SQLException(child(a) + " is no longer the partition the plan saw; "
                        + "nothing was retired", DatabaseFailure.PARTITION_CHANGED_STATE);
            }
        }
    }
}
