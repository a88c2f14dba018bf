package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two sessions running the same repeatable DDL at once, on the real PostgreSQL, made deterministic: the first runs it
 * in an open transaction, the second runs it and waits on the first's catalog rows (seen in {@code pg_locks}), then
 * the first commits. Each case is run twice: with a plain {@code Statement.execute}, to show that PostgreSQL really
 * fails the second session (so the case can fail), and through {@link IdempotentDdl}, which must not.
 *
 * <p>Stand-ins, and why: the tables and function here are minimal, not NoETL's live tables, because the race is in
 * PostgreSQL's catalog (pg_type, pg_namespace, pg_proc), whatever the columns; the operator's own statements
 * (lifecycle_retention beside the live noetl.metric and noetl.event) meet it at start, which the sandbox of
 * SandboxIT (NoETL's live DDL, a real API server) showed and now is Ready within its minute. The connections are
 * direct: IdempotentDdl holds no lock and sets nothing on the session, and its savepoint lives inside the caller's
 * transaction, so a transaction-pooling PgBouncer would hand it the same server connection throughout.
 */
class IdempotentDdlTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("idempotent_ddl");
        db.execute("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "CREATE TABLE public.parent (id int NOT NULL) PARTITION BY RANGE (id)");
    }

    @AfterAll
    static void dropDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @FunctionalInterface
    private interface Run {
        void on(Statement s, String sql) throws SQLException;
    }

    private static final Run PLAIN = Statement::execute;
    private static final Run IDEMPOTENT = IdempotentDdl::execute;

    @Test
    void createTableIfNotExistsRacingAnotherSession() throws Exception {
        String sql = "CREATE TABLE IF NOT EXISTS public.t_plain (id int PRIMARY KEY)";
        assertEquals("23505", race(sql, PLAIN, true).getSQLState(), "PostgreSQL fails the second creator");
        assertNull(race(sql.replace("t_plain", "t_idem"), IDEMPOTENT, true));
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 't_idem'"));
    }

    /**
     * The second create passes its {@code IF NOT EXISTS} check, then waits for the parent's lock, which the first holds
     * until it commits; by then the partition is there, and PostgreSQL reports an ordinary duplicate. The same
     * happens, without a lock to wait for and so only now and then, when the first commits between the second's
     * check and its look for the table's row type: {@code type "x" already exists} (42710), which CI met with eight
     * policies bootstrapping one {@code lifecycle_retention}.
     */
    @Test
    void createPartitionIfNotExistsRacingAnotherSession() throws Exception {
        String sql = "CREATE TABLE IF NOT EXISTS public.parent_plain PARTITION OF public.parent FOR VALUES FROM (0) TO (10)";
        SQLException plain = race(sql, PLAIN, true);
        assertEquals("42P07", plain.getSQLState(), "PostgreSQL fails the second creator: " + plain.getMessage());
        assertNull(race(sql.replace("parent_plain", "parent_idem").replace("(0) TO (10)", "(10) TO (20)"), IDEMPOTENT,
                true));
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_inherits WHERE inhrelid = 'public.parent_idem'::regclass"));
    }

    @Test
    void createSchemaIfNotExistsRacingAnotherSession() throws Exception {
        assertEquals("23505", race("CREATE SCHEMA IF NOT EXISTS s_plain", PLAIN, true).getSQLState());
        assertNull(race("CREATE SCHEMA IF NOT EXISTS s_idem", IDEMPOTENT, true));
    }

    @Test
    void createOrReplaceFunctionRacingAnotherSession() throws Exception {
        String sql = "CREATE OR REPLACE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 2'";
        SQLException plain = race(sql, PLAIN, true);
        assertEquals("XX000", plain.getSQLState());
        assertTrue(plain.getMessage().contains("tuple concurrently updated"), plain.getMessage());
        assertNull(race(sql, IDEMPOTENT, true));
        assertEquals(2, db.queryLong("SELECT public.f()"));
    }

    @Test
    void inATransactionTheRaceLeavesTheTransactionUsable() throws Exception {
        String sql = "CREATE TABLE IF NOT EXISTS public.t_tx (id int PRIMARY KEY)";
        assertNull(race(sql, IDEMPOTENT, false));
        assertEquals(1, db.queryLong("SELECT count(*) FROM public.t_tx"), "the second session's insert committed");
    }

    @Test
    void onlyTheRacesAreRetried() {
        String create = "CREATE TABLE IF NOT EXISTS noetl.lifecycle_retention (parent_table text PRIMARY KEY)";
        assertTrue(IdempotentDdl.raced(new SQLException("duplicate key value violates unique constraint "
                + "\"pg_type_typname_nsp_index\"", "23505"), create));
        assertTrue(IdempotentDdl.raced(new SQLException("ERROR: tuple concurrently updated", "XX000"), "CREATE OR "
                + "REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"));
        assertTrue(IdempotentDdl.raced(new SQLException("ERROR: deadlock detected", "40P01"), create),
                "a deadlock's loser was rolled back whole (in autocommit, run again; in a transaction, thrown)");
        assertFalse(IdempotentDdl.raced(new SQLException("ERROR: could not open file", "XX000"), create));
        assertTrue(IdempotentDdl.raced(new SQLException("type \"lifecycle_retention\" already exists", "42710"),
                create), "CI's race: the row type's lookup saw the other session's commit");
        assertTrue(IdempotentDdl.raced(new SQLException("relation \"t\" already exists", "42P07"),
                "create index if  not\nexists t_i ON t (id)"));
        assertTrue(IdempotentDdl.raced(new SQLException("schema \"s\" already exists", "42P06"),
                "CREATE SCHEMA IF NOT EXISTS s"));
        assertFalse(IdempotentDdl.raced(new SQLException("relation \"t\" already exists", "42P07"),
                "CREATE TABLE t (id int)"), "a duplicate without IF NOT EXISTS is the caller's error");
        assertFalse(IdempotentDdl.raced(new SQLException("type \"t\" already exists", "42710"),
                "CREATE TYPE t AS (id int)"));
        assertFalse(IdempotentDdl.raced(new SQLException("permission denied for schema noetl", "42501"), create));
        assertFalse(IdempotentDdl.raced(new SQLException("no state"), create));
    }

    /**
     * Runs {@code sql} in an open transaction on one connection, then {@code how} on a second (in autocommit, or in a
     * transaction that afterwards inserts into {@code public.t_tx} and commits), waits until the second is blocked
     * on the first's locks, commits the first; returns what the second threw, or null.
     */
    private static SQLException race(String sql, Run how, boolean autocommit) throws Exception {
        try (Connection first = db.connect(); Connection second = db.connect()) {
            first.setAutoCommit(false);
            try (Statement s = first.createStatement()) {
                s.execute(sql);
            }
            int secondPid = pid(second);
            CompletableFuture<Void> racing = CompletableFuture.runAsync(() -> {
                try (Statement s = second.createStatement()) {
                    second.setAutoCommit(autocommit);
                    how.on(s, sql);
                    if (!autocommit) {
                        s.execute("INSERT INTO public.t_tx VALUES (1)");
                        second.commit();
                    }
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> db.queryLong("SELECT count(*) FROM pg_locks "
                    + "WHERE pid = ? AND NOT granted", secondPid) > 0);
            first.commit();
            try {
                racing.get(20, TimeUnit.SECONDS);
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return (SQLException) e.getCause();
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
