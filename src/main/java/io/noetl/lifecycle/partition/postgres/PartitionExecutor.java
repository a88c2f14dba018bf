package io.noetl.lifecycle.partition.postgres;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreateDefaultPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DetachPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.DropPartition;
import io.noetl.lifecycle.partition.plan.PlannedAction.MoveDefaultRows;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * bounds the plan saw, then drops or detaches them. Before and under that lock every retirement proves from the
 * data that the partition holds nothing within retention ({@link #proving}), and passes the gates of the policy's
 * kind ({@link RetirementGate}), of which the executor knows nothing else.
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
     * A retirement refused: by the data proof (the partition holds a key at or after the retention cutoff,
     * {@link #holdsRecentRows}) or by a gate of the policy's kind ({@link RetirementGate}), with its reason.
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
     * @param rowsMoved rows moved out of the default partition by the applied actions
     * @param kept retirements the data proof or a gate refused; the pass went on without them
     */
    public record Result(List<PlannedAction> applied, Optional<Failure> failure, long rowsMoved, List<Kept> kept) {
        public Result {
            applied = List.copyOf(applied);
            kept = List.copyOf(kept);
        }
    }

    /**
     * The partitioned table the executor works on.
     *
     * @param defaultPartition the parent's default partition, if it has one: attaching locks it
     */
    public record Parent(TableName table, String keyColumn, KeyType keyType, Optional<String> defaultPartition) {
        /** {@code table} as {@code snapshot} shows it. */
        public static Parent of(TableName table, TableSnapshot snapshot) {
            return new Parent(table, snapshot.keyColumn(), snapshot.keyType(),
                    snapshot.defaultPartition().map(ObservedPartition::name));
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
    private List<RetirementGate> gates = List.of();

    /** A partition of the parent as the catalog showed it: its oid, its own schema and name, its bounds. */
    private record Located(long oid, TableName table, KeyRange range) {
    }

    public PartitionExecutor(DataSource dataSource, DatabaseTarget target, Parent parent, LockPolicy lockPolicy) {
        this.dataSource = dataSource;
        this.target = target;
        this.parent = parent.table();
        this.keyColumn = parent.keyColumn();
        this.keyType = parent.keyType();
        this.defaultPartition = parent.defaultPartition().map(this.parent::sibling);
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
     * Makes every retirement pass {@code gates} too, in their order, before its lock and again under it; a partition
     * a gate refuses is kept and reported with the gate's reason. Without them only the data proof decides.
     */
    public PartitionExecutor gatedBy(List<RetirementGate> gates) {
        this.gates = List.copyOf(gates);
        return this;
    }

    public Result apply(List<PlannedAction> actions) {
        return new Application().apply(actions);
    }

    /**
     * Creates {@code creates} (partitions and the default partition only) in the caller's open transaction, with
     * {@code CREATE TABLE ... PARTITION OF}: only for a parent that same transaction created. Nobody else can see that
     * parent yet, so the ACCESS EXCLUSIVE lock the statement takes on it queues nobody (the reason {@link #apply}
     * creates with LIKE and ATTACH instead), and when the transaction commits the table appears with its partitions:
     * no writer ever finds it with none. A partition made so has the columns, defaults, constraints and indexes one
     * made by {@link #apply} has (both take them from the parent).
     */
    public void createWithNewParent(Connection c, List<PlannedAction> creates) throws SQLException {
        List<String> ddl = new ArrayList<>();
        for (PlannedAction action : creates) {
            TableName child = parent.sibling(action.partition());
            if (action instanceof CreatePartition create) {
                ddl.add("CREATE TABLE " + child.sql() + " PARTITION OF " + parent.sql() + " " + forValues(
                        keyType.sqlLiteral(create.window().from()), keyType.sqlLiteral(create.window().to())));
            } else if (action instanceof CreateDefaultPartition) {
                ddl.add("CREATE TABLE " + child.sql() + " PARTITION OF " + parent.sql() + " DEFAULT");
            } else {
                throw new IllegalArgumentException(action.kind() + " is not a create");
            }
        }
        if (!ddl.isEmpty()) {
            try (Statement s = c.createStatement()) {
                s.execute(String.join(";\n", ddl));
            }
        }
    }

    /** One call of {@link #apply}: what it has applied, kept and moved so far. */
    private final class Application {
        private final List<PlannedAction> applied = new ArrayList<>();
        private final List<Kept> kept = new ArrayList<>();
        private long rowsMoved;

        Result apply(List<PlannedAction> actions) {
            try (Connection c = dataSource.getConnection()) {
                for (List<PlannedAction> batch : batches(actions)) {
                    Optional<Result> failed = runBatch(c, batch);
                    if (failed.isPresent()) {
                        return failed.get();
                    }
                }
            } catch (SQLException e) {
                PlannedAction next = actions.size() > applied.size() ? actions.get(applied.size()) : null;
                return failed(next, e);
            }
            return new Result(applied, Optional.empty(), rowsMoved, kept);
        }

        /**
         * Runs one batch; when it fails for another reason than a lock, runs its actions one by one, so that the
         * failure names its action. The failed result, if any.
         */
        private Optional<Result> runBatch(Connection c, List<PlannedAction> batch) {
            try {
                applied.addAll(run(c, batch));
                return Optional.empty();
            } catch (SQLException e) {
                if (batch.size() == 1 || DatabaseFailure.isLockTimeout(e)) {
                    return Optional.of(failed(batch.get(0), e));
                }
            }
            for (PlannedAction action : batch) {
                try {
                    applied.addAll(run(c, List.of(action)));
                } catch (SQLException single) {
                    return Optional.of(failed(action, single));
                }
            }
            return Optional.empty();
        }

        private Result failed(PlannedAction action, SQLException e) {
            LOG.debugf("%s %s failed: %s", action == null ? "connection" : action.kind(),
                    action == null ? "" : action.partition(), target.redact(e.getMessage()));
            return new Result(applied, Optional.of(new Failure(action, DatabaseFailure.of(e, target))), rowsMoved,
                    kept);
        }

        /** Runs one batch in one transaction; returns the actions it applied (a retirement may be kept instead). */
        private List<PlannedAction> run(Connection c, List<PlannedAction> batch) throws SQLException {
            if (batch.get(0) instanceof MoveDefaultRows move) {
                DdlTransaction.run(c, lockPolicy, creating(batch), conn -> rowsMoved += move(conn, move));
                return batch;
            }
            if (batch.get(0) instanceof CreatePartition || batch.get(0) instanceof CreateDefaultPartition) {
                List<String> ddl = new ArrayList<>();
                batch.forEach(a -> ddl.addAll(createStatements(a)));
                DdlTransaction.run(c, lockPolicy, creating(batch), ddl);
                return batch;
            }
            // each partition as the catalog shows it: a partition moved to another schema is acted on there, never a
            // table of its name in the parent's schema
            return new Retiring(locate(c, batch)).retire(c, batch, kept);
        }
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

    /** One batch of retirements, its partitions located in the catalog before any lock. */
    private final class Retiring {
        private final Map<String, Located> located;

        Retiring(Map<String, Located> located) {
            this.located = located;
        }

        /**
         * Proves and gates the batch's retirements before the lock, then again under it, and retires those that pass;
         * adds those kept to {@code kept} and returns those retired.
         */
        List<PlannedAction> retire(Connection c, List<PlannedAction> batch, List<Kept> kept) throws SQLException {
            // first without any lock (a scan of an unindexed partition then holds nobody up)
            Map<PlannedAction, Kept> before = refusedBeforeLock(c, batch);
            List<PlannedAction> candidates = batch.stream().filter(a -> !before.containsKey(a)).toList();
            List<Kept> refused = new ArrayList<>(batch.stream().filter(before::containsKey).map(before::get).toList());
            List<PlannedAction> proven = new ArrayList<>();
            List<Kept> refusedUnderLock = new ArrayList<>();
            if (!candidates.isEmpty()) {
                DdlTransaction.run(c, lockPolicy, needs(candidates), conn -> {
                    proven.clear();
                    refusedUnderLock.clear();
                    retireUnderLock(conn, candidates, proven, refusedUnderLock);
                });
            }
            refused.addAll(refusedUnderLock);
            refused.forEach(k -> LOG.infof("%s %s: %s", k.action().kind(), k.action().partition(), k.describe()));
            kept.addAll(refused);
            return List.copyOf(proven);
        }

        /** The data proof, then each gate's check before the lock, of those not refused yet; the first refusal counts. */
        private Map<PlannedAction, Kept> refusedBeforeLock(Connection c, List<PlannedAction> batch)
                throws SQLException {
            Map<PlannedAction, Kept> refused = prove(c, batch);
            for (RetirementGate gate : gates) {
                List<PlannedAction> left = batch.stream().filter(a -> !refused.containsKey(a)).toList();
                if (!left.isEmpty()) {
                    gate.beforeLock(c, retirements(left)).forEach(refused::putIfAbsent);
                }
            }
            return refused;
        }

        /**
         * Under the lock on the parent: the bounds again, the data proof again where an index on the key makes it a
         * probe (nothing newer arrived since), every gate; then the DDL of those that passed, into {@code proven}.
         */
        private void retireUnderLock(Connection conn, List<PlannedAction> candidates, List<PlannedAction> proven,
                List<Kept> refusedUnderLock) throws SQLException {
            try (Statement s = conn.createStatement()) {
                s.execute("LOCK TABLE " + parent.sql() + " IN ACCESS EXCLUSIVE MODE");
                verifyBounds(conn, candidates);
                Map<PlannedAction, Kept> refusals = retentionCutoff.isEmpty() ? new HashMap<>()
                        : prove(conn, indexedOn(conn, candidates, keyColumn));
                for (RetirementGate gate : gates) {
                    gate.underLock(conn, retirements(candidates)).forEach(refusals::putIfAbsent);
                }
                for (PlannedAction a : candidates) {
                    Kept refusal = refusals.get(a);
                    if (refusal == null) {
                        proven.add(a);
                    } else {
                        refusedUnderLock.add(refusal);
                    }
                }
                List<String> ddl = new ArrayList<>();
                proven.forEach(a -> ddl.addAll(retireStatements(a)));
                if (!ddl.isEmpty()) {
                    s.execute(String.join(";\n", ddl));
                }
            }
        }

        /**
         * The data proof of retirements: each partition's newest key against the retention cutoff of the server's
         * clock, in one statement; those that fail, with why. {@code max()} of the key reads one end of a b-tree index
         * whose first column is the key when the partition has one; without one it scans the partition.
         */
        private Map<PlannedAction, Kept> prove(Connection conn, List<PlannedAction> retirements) throws SQLException {
            Map<PlannedAction, Kept> refused = new HashMap<>();
            if (retentionCutoff.isEmpty() || retirements.isEmpty()) {
                return refused;
            }
            String key = SqlIdentifier.quote(keyColumn);
            String cutoff = retentionCutoff.get();
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < retirements.size(); i++) {
                parts.add("SELECT " + i + ", max(" + key + ")::text, coalesce(max(" + key + ") >= " + cutoff
                        + ", false), (" + cutoff + ")::text FROM ONLY " + child(retirements.get(i)).sql());
            }
            // in a transaction of its own unless in the caller's, where the texts of the keys are in UTC (SET LOCAL:
            // the session's zone is left to whoever gets the connection next, issue 22)
            boolean own = conn.getAutoCommit();
            conn.setAutoCommit(false);
            try (Statement s = conn.createStatement()) {
                s.execute("SET LOCAL TIME ZONE 'UTC'");
                try (ResultSet rs = s.executeQuery(String.join(" UNION ALL ", parts))) {
                    while (rs.next()) {
                        PlannedAction a = retirements.get(rs.getInt(1));
                        if (rs.getBoolean(3)) {
                            refused.put(a, Kept.holdsRecentRows(a, rs.getString(2), rs.getString(4)));
                        }
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
            return refused;
        }

        /** The retirements whose partition has a valid b-tree index with {@code column} as its first column. */
        private List<PlannedAction> indexedOn(Connection conn, List<PlannedAction> retirements, String column)
                throws SQLException {
            List<String> indexed = CatalogReader.indexedOn(conn, retirements.stream().map(this::child).toList(),
                    column);
            return retirements.stream().filter(a -> indexed.contains(a.partition())).toList();
        }

        /** The retirements as the gates see them: each with the relation it acts on. */
        private List<RetirementGate.Retirement> retirements(List<PlannedAction> actions) {
            return actions.stream().map(a -> new RetirementGate.Retirement(a, child(a))).toList();
        }

        /** The table locks the retirements take, for the {@link LockGate}. */
        private List<LockGate.Need> needs(List<PlannedAction> batch) {
            List<LockGate.Need> needs = new ArrayList<>();
            needs.add(new LockGate.Need(parent, LockGate.Mode.ACCESS_EXCLUSIVE));
            batch.forEach(a -> needs.add(new LockGate.Need(child(a), LockGate.Mode.ACCESS_EXCLUSIVE)));
            return needs;
        }

        /** The DDL of one retirement, run under the lock on the parent once its bounds are checked. */
        private List<String> retireStatements(PlannedAction action) {
            if (action instanceof DropPartition drop) {
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
         * Under the retirement lock: fails with {@value DatabaseFailure#PARTITION_CHANGED_STATE} unless every partition
         * is still the relation {@link #locate} found (same oid, schema and bounds). The lock on the parent locks its
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

        /**
         * The table a retirement acts on: its partition as {@link #locate} found it among the parent's (in its own
         * schema, which a partition moved with {@code ALTER TABLE ... SET SCHEMA} does not share with the parent).
         */
        private TableName child(PlannedAction a) {
            Located l = located.get(a.partition());
            return l == null ? parent.sibling(a.partition()) : l.table();
        }
    }

    /** The table locks a batch of creates (or a move of default-partition rows) takes, for the {@link LockGate}. */
    private List<LockGate.Need> creating(List<PlannedAction> batch) {
        List<LockGate.Need> needs = new ArrayList<>();
        PlannedAction first = batch.get(0);
        needs.add(new LockGate.Need(parent, LockGate.Mode.SHARE_UPDATE_EXCLUSIVE));
        if (first instanceof MoveDefaultRows move) {
            needs.add(new LockGate.Need(parent.sibling(move.defaultPartition()), LockGate.Mode.ACCESS_EXCLUSIVE));
        } else if (!(first instanceof CreateDefaultPartition)) {
            defaultPartition.ifPresent(d -> needs.add(new LockGate.Need(d, LockGate.Mode.ACCESS_EXCLUSIVE)));
        }
        return needs;
    }

    /** The DDL one create runs inside its transaction. */
    private List<String> createStatements(PlannedAction action) {
        if (action instanceof CreatePartition create) {
            TableName child = parent.sibling(create.partition());
            // the new table is empty, so ATTACH's validation scan of it costs nothing
            return List.of(createLike(child), attach(child, keyType.sqlLiteral(create.window().from()),
                    keyType.sqlLiteral(create.window().to())));
        } else if (action instanceof CreateDefaultPartition create) {
            TableName child = parent.sibling(create.partition());
            return List.of(createLike(child),
                    "ALTER TABLE " + parent.sql() + " ATTACH PARTITION " + child.sql() + " DEFAULT");
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
            String columns = String.join(", ", CatalogReader.insertableColumns(c, parent));
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
        return "ALTER TABLE " + parent.sql() + " ATTACH PARTITION " + child.sql() + " " + forValues(lo, hi);
    }

    /** The bounds clause for keys from {@code lo} (inclusive) to {@code hi} (exclusive), as SQL literals. */
    private static String forValues(String lo, String hi) {
        return "FOR VALUES FROM (" + lo + ") TO (" + hi + ")";
    }

    /** The parent's partitions named by {@code batch}, each with its oid, own schema and bounds. */
    private Map<String, Located> partitionsNamed(Connection c, List<PlannedAction> batch) throws SQLException {
        Map<String, Located> found = new HashMap<>();
        Set<String> twice = new HashSet<>();
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
}
