package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two passes of one database creating tables that reference one table, on the real PostgreSQL. Every metric table
 * references {@code noetl.runtime}, and a create of such a table (or of a partition, which clones the foreign key)
 * asks for {@code SHARE ROW EXCLUSIVE} on it: two at once can deadlock, and PostgreSQL then ends one transaction
 * (40P01). ConnectionBudgetReconcileTest met it in CI with three bootstrapping policies of one database, and the
 * policy that lost showed {@code Ready=False, DatabaseError: deadlock detected}. A deadlock's loser was rolled back
 * whole; {@link DdlTransaction} runs it again.
 *
 * <p>The deadlock is made deterministic: each transaction first takes {@code ROW EXCLUSIVE} on the referenced table
 * (as a pass's earlier statements might), both meet at a barrier, then both create. The same two transactions
 * without the retry show that PostgreSQL really ends one of them, so the case can fail. The lock timeout is longer
 * than the server's {@code deadlock_timeout} (1 s) so that the deadlock, not the timeout, ends the wait. The tables
 * are NoETL's live shapes where it matters ({@link MetricSchema#ensureMetricTable}, NoETL's {@code noetl.metric}
 * DDL); the deterministic case uses a minimal referencing table, because the deadlock is in the lock on the
 * referenced table, whatever the columns. The connections are direct: a deadlock is between server backends, each
 * running one transaction, and a transaction-pooling PgBouncer keeps a transaction on one server connection, so the
 * same two transactions meet the same way behind one.
 */
class DdlDeadlockTest {
    private static final LockPolicy PATIENT = new LockPolicy(Duration.ofSeconds(5), 5, Duration.ofMillis(200),
            Duration.ofSeconds(30), true, 50, Duration.ZERO, Duration.ofSeconds(1));
    /** The operator's defaults (lifecycle.ddl.*): a 300 ms lock timeout, 5 attempts, 200 ms backoff. */
    private static final LockPolicy DEFAULTS = new LockPolicy(Duration.ofMillis(300), 5, Duration.ofMillis(200),
            Duration.ofSeconds(30), false, 50, Duration.ofMinutes(2), Duration.ofMillis(50));
    private TestDatabase db;

    @BeforeEach
    void createDatabase() {
        db = TestDatabase.create("ddl_deadlock");
        db.execute("CREATE TABLE public.ref (id bigint PRIMARY KEY)");
    }

    @AfterEach
    void dropDatabase() {
        db.close();
    }

    @FunctionalInterface
    private interface Runner {
        void run(Connection c, DdlTransaction.Work work) throws SQLException;
    }

    /** Once per side, the first time only: lock, meet, create. A retry just creates. */
    private List<SQLException> meetAndCreate(Runner runner) throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(2);
        List<CompletableFuture<Void>> sides = new ArrayList<>();
        for (String table : List.of("a", "b")) {
            AtomicInteger attempts = new AtomicInteger();
            sides.add(CompletableFuture.runAsync(() -> {
                try (Connection c = db.connect()) {
                    runner.run(c, conn -> {
                        try (Statement s = conn.createStatement()) {
                            if (attempts.incrementAndGet() == 1) {
                                s.execute("LOCK TABLE public.ref IN ROW EXCLUSIVE MODE");
                                await(barrier);
                            }
                            IdempotentDdl.execute(s, "CREATE TABLE IF NOT EXISTS public." + table
                                    + " (id bigint REFERENCES public.ref (id))");
                        }
                    });
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            }));
        }
        List<SQLException> failures = new ArrayList<>();
        for (CompletableFuture<Void> side : sides) {
            try {
                side.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failures.add((SQLException) e.getCause());
            }
        }
        return failures;
    }

    private static void await(CyclicBarrier barrier) throws SQLException {
        try {
            barrier.await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new SQLException("the other side never came", e);
        }
    }

    @Test
    void withoutARetryPostgresEndsOneOfTwoCreatesReferencingOneTable() throws Exception {
        List<SQLException> failures = meetAndCreate((c, work) -> {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '5s'");
            }
            try {
                work.run(c);
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        });
        assertEquals(1, failures.size(), "one side lost: " + failures);
        assertEquals(DatabaseFailure.DEADLOCK_DETECTED_STATE, failures.get(0).getSQLState());
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b')"));
    }

    @Test
    void ddlTransactionRunsTheDeadlocksLoserAgainAndBothTablesAreMade() throws Exception {
        List<SQLException> failures = meetAndCreate((c, work) -> DdlTransaction.run(c, PATIENT, List.of(), work));
        assertEquals(List.of(), failures);
        assertEquals(2, db.queryLong("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b')"));
        assertEquals(2, db.queryLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = "
                + "'public.ref'::regclass"), "both foreign keys are there");
    }

    /**
     * Eight of NoETL's metric tables of one database bootstrapped at once, as eight policies' first passes would. The
     * first round starts on an empty database (no registry yet: whichever comes first makes it, and a deadlock there
     * is retried, with the operator's defaults); in the rounds after, with the registry there, each bootstrap takes
     * the registry's strong lock before any other, so they queue and never deadlock: one attempt each, and a lock
     * timeout long enough to queue behind seven others, so that a deadlock would fail the test.
     */
    @Test
    void manyMetricTablesOfOneDatabaseBootstrappedAtOnceAllComeUp() throws Exception {
        LockPolicy oneAttempt = new LockPolicy(Duration.ofSeconds(20), 1, Duration.ofMillis(200),
                Duration.ofSeconds(30), false, 50, Duration.ofMinutes(2), Duration.ofMillis(50));
        int tables = 8;
        for (int round = 0; round < 4; round++) {
            LockPolicy policy = round == 0 ? DEFAULTS : oneAttempt;
            CyclicBarrier start = new CyclicBarrier(tables);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < tables; i++) {
                TableName table = new TableName("noetl", "metric_" + round + "_" + i);
                all.add(CompletableFuture.runAsync(() -> {
                    try (Connection c = db.connect()) {
                        await(start);
                        DdlTransaction.run(c, policy, List.of(), conn -> MetricSchema.ensureMetricTable(conn, table));
                    } catch (SQLException e) {
                        throw new CompletionException(e);
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            assertEquals(tables, db.queryLong("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                    + "c.relnamespace WHERE n.nspname = 'noetl' AND c.relkind = 'p' AND c.relname LIKE ?",
                    "metric\\_" + round + "\\_%"), "round " + round);
        }
        assertTrue(db.queryLong("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = "
                + "'noetl.runtime'::regclass") >= 4L * tables, "every table references noetl.runtime");
    }
}
