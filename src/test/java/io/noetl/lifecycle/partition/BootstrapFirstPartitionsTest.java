package io.noetl.lifecycle.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.metric.MetricRetentionPolicyReconciler;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.PgBouncerServer;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bootstrap: IfMissing} creates the table and its first partitions in one transaction: no commit of the pass
 * leaves the table visible without its partitions (a writer in between would find no partition for its row), and a
 * partition made so ({@code CREATE TABLE ... PARTITION OF}, which only a parent nobody else can see yet allows) has
 * what one a later pass attaches has.
 *
 * <p>On NoETL's live metric table ({@code created_at TIMESTAMP}, {@code expires_at}, the foreign key to
 * {@code noetl.runtime}) as the metric kind bootstraps it, on real PostgreSQL with its real clock. Each commit of the pass
 * is watched from a connection of the test's own. The pass's connections are direct, and in one test go through the
 * operator's own pool and the transaction-pooling PgBouncer NoETL uses (the in-transaction savepoint, catalog reads and
 * lock check must hold there too).
 */
class BootstrapFirstPartitionsTest {
    private static final String TABLE = "noetl.metric";

    private TestDatabase db;

    @BeforeEach
    void database() {
        db = TestDatabase.createWithRealClock("bootstrap_first");
    }

    @AfterEach
    void drop() {
        db.close();
    }

    @Test
    void theTableCommitsWithItsPartitionsAndNoCommitShowsItWithout() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        MaintenancePass.Outcome o = pass(watchingCommits(direct(), seen));

        assertTrue(o.bootstrapped(), "the pass created the table");
        List<String> partitions = db.partitions(TABLE);
        assertEquals(8, partitions.size(), "today and the 7 days premade: " + partitions);
        // after every commit of the pass, from outside it: the table is either not there or there with all of them
        assertFalse(seen.isEmpty());
        assertTrue(seen.stream().allMatch(s -> s.equals("missing") || s.equals("partitions 8")),
                "what each commit of the pass left for others to see: " + seen);
        assertTrue(seen.contains("partitions 8"), String.valueOf(seen));
        // the outcome tells what was created, as a pass that attached them would
        assertEquals(0, o.before().partitions().size());
        assertEquals(8, o.after().partitions().size());
        List<PlannedAction> applied = o.result().orElseThrow().applied();
        assertEquals(partitions, applied.stream().map(PlannedAction::partition).sorted().toList());
        assertTrue(applied.stream().allMatch(a -> a instanceof PlannedAction.CreatePartition));
        assertTrue(o.failure().isEmpty());
    }

    @Test
    void throughTheTransactionPoolingPgBouncerNoetlUsesItCommitsWithItsPartitionsToo() throws Exception {
        OsTool.PGBOUNCER.assumePresent("to bootstrap through a transaction-pooling PgBouncer");
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        try (PgBouncerServer bouncer = PgBouncerServer.start()) {
            // the operator's own pool (its connection settings) to the database through the pooler
            DataSource through = pools.acquire("bootstrap-first", new DatabaseTarget(bouncer.url(db.name()),
                    TestDatabase.USER, TestDatabase.PASSWORD));
            List<String> seen = Collections.synchronizedList(new ArrayList<>());

            MaintenancePass.Outcome o = pass(watchingCommits(through, seen));

            assertTrue(o.bootstrapped());
            assertTrue(o.failure().isEmpty(), () -> o.failure().get().describe());
            assertEquals(8, db.partitions(TABLE).size());
            assertTrue(seen.stream().allMatch(x -> x.equals("missing") || x.equals("partitions 8")),
                    "what each commit of the pass left for others to see: " + seen);
            assertTrue(seen.contains("partitions 8"), String.valueOf(seen));
        } finally {
            pools.release("bootstrap-first");
        }
    }

    @Test
    void aPartitionTheBootstrapMadeHasWhatOneAPassAttachesHas() throws Exception {
        pass(direct());
        List<String> partitions = db.partitions(TABLE);
        String last = partitions.get(partitions.size() - 1);
        String kept = partitions.get(partitions.size() - 2);
        db.execute("DROP TABLE noetl." + last);

        MaintenancePass.Outcome again = pass(direct());

        assertFalse(again.bootstrapped());
        assertEquals(List.of(last), again.result().orElseThrow().applied().stream().map(PlannedAction::partition)
                .toList(), "the later pass made the dropped partition again, with LIKE and ATTACH");
        List<String> made = describe(kept);
        List<String> attached = describe(last);
        assertEquals(made, attached, "the bootstrap's " + kept + " against the later pass's " + last);
        assertTrue(made.stream().anyMatch(s -> s.startsWith("index") && s.contains("USING gin (labels)")),
                String.valueOf(made));
        assertTrue(made.stream().anyMatch(s -> s.startsWith("constraint f ") && s.contains("noetl.runtime")),
                String.valueOf(made));
    }

    @Test
    void partitionsTheBootstrapCannotMakeAreMadeByThePassAsUsual() throws Exception {
        // the stand-in for whatever refuses CREATE TABLE ... PARTITION OF (a site's event trigger, say): this one, in
        // the test database only, refuses every such statement and nothing else
        db.execute("CREATE FUNCTION refuse_partition_of() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN "
                        + "IF current_query() LIKE '%PARTITION OF%' THEN RAISE EXCEPTION 'no PARTITION OF here'; END IF; "
                        + "END $$",
                "CREATE EVENT TRIGGER refuse_partition_of ON ddl_command_start WHEN TAG IN ('CREATE TABLE') "
                        + "EXECUTE FUNCTION refuse_partition_of()");
        List<String> seen = Collections.synchronizedList(new ArrayList<>());

        MaintenancePass.Outcome o = pass(watchingCommits(direct(), seen));

        assertTrue(o.bootstrapped());
        assertTrue(o.failure().isEmpty(), () -> o.failure().get().describe());
        assertEquals(8, db.partitions(TABLE).size());
        assertEquals(8, o.result().orElseThrow().applied().size());
        // the bootstrap committed the table alone (its partitions rolled back), then the pass attached them
        assertTrue(seen.contains("partitions 0"), String.valueOf(seen));
        assertEquals("partitions 8", seen.get(seen.size() - 1), String.valueOf(seen));
    }

    /** A partition's columns, constraints other than its bounds, and indexes, with its own name replaced. */
    private List<String> describe(String partition) {
        String rel = "noetl." + partition;
        List<String> out = new ArrayList<>(db.queryStrings("SELECT 'column ' || a.attname || ' ' || "
                + "format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull || ' storage=' || a.attstorage::text "
                + "|| ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') FROM pg_attribute a "
                + "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", rel));
        out.addAll(db.queryStrings("SELECT 'constraint ' || contype::text || ' ' || pg_get_constraintdef(oid) "
                + "FROM pg_constraint WHERE conrelid = to_regclass(?) ORDER BY 1", rel));
        out.addAll(db.queryStrings("SELECT 'index ' || replace(pg_get_indexdef(indexrelid), ?, 'P') FROM pg_index "
                + "WHERE indrelid = to_regclass(?) ORDER BY 1", partition, rel));
        return out;
    }

    private MaintenancePass.Outcome pass(DataSource ds) throws Exception {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setTable(TABLE);
        spec.setBootstrap(Bootstrap.IfMissing);
        MetricPolicySettings settings = MetricPolicySettings.from(spec);
        Clock clock = Clock.systemUTC();
        return new PolicyPass(ds, db.target(), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()), clock,
                StandaloneConfig.INSTANCE.clock().maxSkew()).run(settings,
                        MetricRetentionPolicyReconciler.metricTable(settings), UnaryOperator.identity(),
                        clock.instant(), true);
    }

    /** Direct connections to the test database. */
    private DataSource direct() {
        return dataSource(null, c -> c);
    }

    /**
     * Connections to the test database whose every commit, once done, records what another connection sees of the
     * table: {@code missing}, or {@code partitions N}.
     */
    private DataSource watchingCommits(DataSource connections, List<String> seen) {
        return dataSource(connections, c -> (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                    Object r;
                    try {
                        r = m.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (m.getName().equals("commit")) {
                        seen.add(db.queryLong("SELECT count(*) FROM pg_class WHERE oid = to_regclass(?)", TABLE) == 0
                                ? "missing" : "partitions " + db.partitions(TABLE).size());
                    }
                    return r;
                }));
    }

    /** Connections of {@code connections} (the test database's own when null), each passed through {@code wrap}. */
    private DataSource dataSource(DataSource connections, UnaryOperator<Connection> wrap) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getConnection" -> wrap.apply(connections == null ? db.connect() : connections.getConnection());
                    case "unwrap", "isWrapperFor" -> throw new SQLException("not a wrapper");
                    case "getLogWriter" -> (PrintWriter) null;
                    case "getParentLogger" -> Logger.getGlobal();
                    case "toString" -> "test database " + db.name();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
