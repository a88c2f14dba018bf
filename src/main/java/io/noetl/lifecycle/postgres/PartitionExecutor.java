package io.noetl.lifecycle.postgres;

import io.noetl.lifecycle.plan.KeyRange;
import io.noetl.lifecycle.plan.KeyType;
import io.noetl.lifecycle.plan.PlannedAction;
import io.noetl.lifecycle.plan.PlannedAction.CreatePartition;
import io.noetl.lifecycle.plan.PlannedAction.DetachPartition;
import io.noetl.lifecycle.plan.PlannedAction.DropPartition;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Applies a plan to PostgreSQL, one action per transaction, in plan order, stopping at the first failure.
 * What succeeded stays; every action is safe to repeat, so the next pass converges.
 *
 * <p>Creating follows the lock-friendly recipe: a plain table {@code LIKE} the parent, a CHECK matching the
 * bounds (so ATTACH skips its validation scan), then ATTACH, which takes only SHARE UPDATE EXCLUSIVE on the
 * parent, and the CHECK is dropped again. Retiring takes ACCESS EXCLUSIVE on the parent, re-checks the
 * partition's bounds under that lock, then drops or detaches. Every transaction sets {@code lock_timeout},
 * and a lock not granted in time is retried a bounded number of times with jittered backoff.
 */
public final class PartitionExecutor {
    private static final Logger LOG = Logger.getLogger(PartitionExecutor.class);
    /** Marks the tables the operator created, for people reading the catalog. */
    public static final String MANAGED_COMMENT = "managed by lifecycle.noetl.io";
    private static final String BOUNDS_CHECK = "lifecycle_bounds";

    public record Failure(PlannedAction action, DatabaseFailure cause) {
    }

    public record Result(List<PlannedAction> applied, Optional<Failure> failure) {
    }

    private final DataSource dataSource;
    private final TableName parent;
    private final String keyColumn;
    private final KeyType keyType;
    private final LockPolicy lockPolicy;
    private final DatabaseTarget target;

    public PartitionExecutor(DataSource dataSource, DatabaseTarget target, TableName parent, String keyColumn,
            KeyType keyType, LockPolicy lockPolicy) {
        this.dataSource = dataSource;
        this.target = target;
        this.parent = parent;
        this.keyColumn = keyColumn;
        this.keyType = keyType;
        this.lockPolicy = lockPolicy;
    }

    public Result apply(List<PlannedAction> actions) {
        List<PlannedAction> applied = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            for (PlannedAction action : actions) {
                try {
                    DdlTransaction.run(c, lockPolicy, conn -> execute(conn, action));
                    applied.add(action);
                } catch (SQLException e) {
                    LOG.debugf("%s %s failed: %s", action.kind(), action.partition(), target.redact(e.getMessage()));
                    return new Result(applied, Optional.of(new Failure(action, DatabaseFailure.of(e, target))));
                } catch (StaleSnapshotException e) {
                    return new Result(applied, Optional.of(new Failure(action,
                            new DatabaseFailure("PartitionChanged", e.getMessage()))));
                }
            }
        } catch (SQLException e) {
            PlannedAction next = actions.size() > applied.size() ? actions.get(applied.size()) : null;
            return new Result(applied, Optional.of(new Failure(next, DatabaseFailure.of(e, target))));
        }
        return new Result(applied, Optional.empty());
    }

    private void execute(Connection c, PlannedAction action) throws SQLException {
        if (action instanceof CreatePartition create) {
            create(c, create);
        } else if (action instanceof DropPartition drop) {
            retire(c, drop.partition(), drop.range(), null);
        } else if (action instanceof DetachPartition detach) {
            retire(c, detach.partition(), detach.range(), detach.archiveSchema());
        } else {
            throw new IllegalArgumentException("no executor for " + action.kind());
        }
    }

    private void create(Connection c, CreatePartition action) throws SQLException {
        TableName child = parent.sibling(action.partition());
        String lo = keyType.sqlLiteral(action.window().from());
        String hi = keyType.sqlLiteral(action.window().to());
        String key = SqlIdentifier.quote(keyColumn);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + child.sql() + " (LIKE " + parent.sql()
                    + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)");
            s.execute("ALTER TABLE " + child.sql() + " ADD CONSTRAINT " + SqlIdentifier.quote(BOUNDS_CHECK)
                    + " CHECK (" + key + " IS NOT NULL AND " + key + " >= " + lo + " AND " + key + " < " + hi + ")");
            s.execute("ALTER TABLE " + parent.sql() + " ATTACH PARTITION " + child.sql() + " FOR VALUES FROM ("
                    + lo + ") TO (" + hi + ")");
            s.execute("ALTER TABLE " + child.sql() + " DROP CONSTRAINT " + SqlIdentifier.quote(BOUNDS_CHECK));
            // COMMENT takes no parameters; the text is a constant of this class
            s.execute("COMMENT ON TABLE " + child.sql() + " IS '" + MANAGED_COMMENT + "'");
        }
    }

    private void retire(Connection c, String partition, KeyRange expected, String archiveSchema) throws SQLException {
        TableName child = parent.sibling(partition);
        try (Statement s = c.createStatement()) {
            // the lock DROP and DETACH take anyway; taken first so the bounds cannot change under the check
            s.execute("LOCK TABLE " + parent.sql() + " IN ACCESS EXCLUSIVE MODE");
        }
        Optional<KeyRange> actual = CatalogReader.rangeOf(c, parent, partition, keyType);
        if (actual.isEmpty() || !actual.get().equals(expected)) {
            throw new StaleSnapshotException(child + " is no longer the partition the plan saw; nothing was retired");
        }
        try (Statement s = c.createStatement()) {
            if (archiveSchema == null) {
                s.execute("DROP TABLE " + child.sql());
            } else {
                s.execute("ALTER TABLE " + parent.sql() + " DETACH PARTITION " + child.sql());
                s.execute("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier.quote(archiveSchema));
                s.execute("ALTER TABLE " + child.sql() + " SET SCHEMA " + SqlIdentifier.quote(archiveSchema));
            }
        }
    }

    /** The catalog changed between the snapshot and the action. */
    static final class StaleSnapshotException extends RuntimeException {
        StaleSnapshotException(String message) {
            super(message);
        }
    }
}
