package io.noetl.lifecycle.support;

import io.noetl.lifecycle.postgres.DatabaseTarget;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A throw-away database on the PostgreSQL the tests use ({@link TestPostgres}: 127.0.0.1:5432, user postgres, trust
 * auth unless PG* variables say otherwise, or an embedded server when nothing listens there). Each test class makes
 * its own and drops it.
 *
 * <h2>The database's clock follows the test's</h2>
 *
 * <p>The tests move the operator's clock ({@link TestClockProducer#CLOCK}), but PostgreSQL's {@code now()} cannot be
 * moved. So each test database gets a <em>stand-in</em> that shadows it: schema {@value #CLOCK_SCHEMA} holds a table
 * {@code clock} of one row or none and a function {@code now()} returning that row's time, or
 * {@code pg_catalog.now()} when there is none; and the database's {@code search_path} is
 * {@code "$user", public, lifecycle_test, pg_catalog}, so that an unqualified {@code now()} in every new session
 * (the operator's pools, the tests' own connections) finds the stand-in first. PostgreSQL searches pg_catalog first
 * only when search_path does not name it; naming it last lets the stand-in win, and leaves every other name as it
 * was: tables created without a schema still go to public, and {@code pg_catalog.now()} is still the real time.
 *
 * <p>What follows the stand-in: every unqualified {@code now()} parsed in this database, that is the operator's
 * statements and column defaults such as {@code DEFAULT now()} (a default binds to the function it names when the
 * table is created, here the stand-in). What does not: {@code CURRENT_TIMESTAMP}, {@code transaction_timestamp()},
 * {@code statement_timestamp()}, {@code clock_timestamp()}, {@code pg_stat_activity}'s times (they are real), and a
 * session whose search_path was set otherwise. Unlike the real {@code now()}, the stand-in's value is not fixed for a
 * transaction: each statement of a READ COMMITTED transaction sees the time last set before that statement began
 * (REPEATABLE READ keeps what its first statement saw). Only {@link TestClockProducer#CLOCK} is followed, not other
 * {@link MutableClock}s or fixed clocks (the CLI tests set their databases' time by hand).
 *
 * <p>Setting the time: {@link #setServerTime} and {@link #useRealServerTime}, and, for every database from
 * {@link #create} until {@link #close}, each move of {@link TestClockProducer#CLOCK} ({@link MutableClock#set},
 * {@link MutableClock#advance}) sets it to the clock's new time before the move returns. The last of these wins. A
 * database starts at the real time, and keeps it until the first of them; a database created after the clock was
 * moved does not take the clock's time until the clock moves again (call {@code setServerTime(CLOCK.instant())} to
 * start there). These writes open a connection of their own ({@code ApplicationName} {@value #CLOCK_APPLICATION}),
 * so they do not depend on any connection of the test's, and a test that terminates the operator's sessions does not
 * touch them. A database that is gone (dropped by hand, so never {@link #close}d) stops following the clock the first
 * time a move finds it missing; any other failure to write fails the move, so that no test runs against a database
 * whose time silently differs from the clock's.
 */
public final class TestDatabase implements AutoCloseable {
    // the server of this JVM: the configured one, or an embedded one when nothing listens there (TestPostgres)
    public static final String HOST = TestPostgres.SERVER.host();
    public static final String PORT = TestPostgres.SERVER.port();
    public static final String USER = TestPostgres.SERVER.user();
    public static final String PASSWORD = TestPostgres.SERVER.password();
    /** The schema of the stand-in for {@code now()}. */
    public static final String CLOCK_SCHEMA = "lifecycle_test";
    /** The application name of the connections that set the stand-in's time. */
    public static final String CLOCK_APPLICATION = "lifecycle-test-clock";

    /** SQLSTATE invalid_catalog_name: the database does not exist. */
    private static final String NO_SUCH_DATABASE = "3D000";

    private final String name;
    /** Serializes the writes of the stand-in's time with each other and with {@link #close}. */
    private final Object clockWrites = new Object();
    /** Guarded by {@link #clockWrites}. */
    private boolean closed;
    private final Consumer<Instant> followClock = this::followClock;

    private TestDatabase(String name) {
        this.name = name;
    }

    /** A new database, with the stand-in for {@code now()} installed and following {@link TestClockProducer#CLOCK}. */
    public static TestDatabase create(String prefix) {
        return create(prefix, true);
    }

    /**
     * A new database as production has it: PostgreSQL's own {@code now()}, no stand-in, not following the test clock
     * (the benchmarks: an unqualified {@code now()}, as in {@code DEFAULT now()}, would otherwise cost a SQL function
     * call per row). {@link #setServerTime} fails on it.
     */
    public static TestDatabase createWithRealClock(String prefix) {
        return create(prefix, false);
    }

    private static TestDatabase create(String prefix, boolean standIn) {
        String name = (prefix + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL))
                .toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + HOST + ":" + PORT, e);
        }
        TestDatabase db = new TestDatabase(name);
        if (!standIn) {
            return db;
        }
        try {
            db.installClock();
        } catch (RuntimeException e) {
            try {
                db.drop();
            } catch (RuntimeException dropFailure) {
                e.addSuppressed(dropFailure);
            }
            throw e;
        }
        TestClockProducer.CLOCK.addListener(db.followClock);
        return db;
    }

    /** The stand-in (see the class's comment), and a check, in a new session, that {@code now()} is it. */
    private void installClock() {
        String schema = "\"" + CLOCK_SCHEMA + "\"";
        execute("CREATE SCHEMA " + schema,
                "COMMENT ON SCHEMA " + schema + " IS 'tests only: a stand-in for now() that follows the test clock "
                        + "(TestDatabase); PostgreSQL''s own now() cannot be moved'",
                // one row or none: the key admits only true
                "CREATE TABLE " + schema + ".clock (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
                        + "t timestamptz NOT NULL)",
                "CREATE FUNCTION " + schema + ".now() RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS "
                        + "$$ SELECT coalesce((SELECT t FROM " + schema + ".clock LIMIT 1), pg_catalog.now()) $$",
                "ALTER DATABASE \"" + name + "\" SET search_path = \"$user\", public, " + schema + ", pg_catalog");
        List<List<Object>> check = query("SELECT 'now()'::regprocedure = '" + schema + ".now()'::regprocedure, "
                + "current_setting('search_path')");
        if (!Boolean.TRUE.equals(check.get(0).get(0))) {
            throw new IllegalStateException("in a new session of test database " + name + " now() is not "
                    + CLOCK_SCHEMA + ".now(): search_path is " + check.get(0).get(1)
                    + " (set for the role, or in the connection's options?)");
        }
    }

    public static String url(String database) {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database;
    }

    public String name() {
        return name;
    }

    public String url() {
        return url(name);
    }

    /** This database as the operator's pools and executors take it. */
    public DatabaseTarget target() {
        return new DatabaseTarget(url(), USER, PASSWORD);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), USER, PASSWORD);
    }

    public void execute(String... statements) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public long queryLong(String sql, Object... params) {
        List<List<Object>> rows = query(sql, params);
        Object v = rows.get(0).get(0);
        return v == null ? 0 : ((Number) v).longValue();
    }

    public List<String> queryStrings(String sql, Object... params) {
        return query(sql, params).stream().map(r -> r.get(0) == null ? null : r.get(0).toString()).toList();
    }

    public List<List<Object>> query(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<List<Object>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * From now on {@code now()} in this database (in every session, at once) is {@code time}, until the next call
     * of this, of {@link #useRealServerTime}, or move of {@link TestClockProducer#CLOCK}.
     */
    public void setServerTime(Instant time) {
        synchronized (clockWrites) {
            requireOpen();
            writeClock(time);
        }
    }

    /**
     * From now on {@code now()} in this database is PostgreSQL's own, until the next {@link #setServerTime} or move
     * of {@link TestClockProducer#CLOCK}.
     */
    public void useRealServerTime() {
        synchronized (clockWrites) {
            requireOpen();
            writeClock(null);
        }
    }

    /** What {@code now()} says in a new session of this database. */
    public Instant serverTime() {
        return instant("SELECT now()");
    }

    /** What PostgreSQL's own {@code now()} says, the stand-in aside. */
    public Instant realServerTime() {
        return instant("SELECT pg_catalog.now()");
    }

    private Instant instant(String sql) {
        return ((Timestamp) query(sql).get(0).get(0)).toInstant();
    }

    /** The listener of {@link TestClockProducer#CLOCK}: a closed or vanished database ignores it. */
    private void followClock(Instant time) {
        synchronized (clockWrites) {
            if (closed) {
                return;
            }
            try {
                writeClock(time);
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof SQLException sql && NO_SUCH_DATABASE.equals(sql.getSQLState())) {
                    closed = true;
                    TestClockProducer.CLOCK.removeListener(followClock);
                    return;
                }
                throw e;
            }
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("test database " + name + " is closed");
        }
    }

    /** The stand-in's row: {@code time}, or none for null. Callers hold {@link #clockWrites}. */
    private void writeClock(Instant time) {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("password", PASSWORD);
        props.setProperty("ApplicationName", CLOCK_APPLICATION);
        String table = "\"" + CLOCK_SCHEMA + "\".clock";
        try (Connection c = DriverManager.getConnection(url(), props);
                PreparedStatement ps = c.prepareStatement(time == null ? "DELETE FROM " + table
                        : "INSERT INTO " + table + " (t) VALUES (?) ON CONFLICT (one) DO UPDATE SET t = EXCLUDED.t")) {
            if (time != null) {
                ps.setObject(1, OffsetDateTime.ofInstant(time, ZoneOffset.UTC));
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set the time of test database " + name + " to "
                    + (time == null ? "the real time" : time), e);
        }
    }

    /** Partition names of {@code parent} ({@code schema.table}), sorted. */
    public List<String> partitions(String parent) {
        return queryStrings("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = to_regclass(?) ORDER BY 1", parent);
    }

    /** Stops following the test clock, then drops the database. */
    @Override
    public void close() {
        synchronized (clockWrites) {
            closed = true;
        }
        TestClockProducer.CLOCK.removeListener(followClock);
        drop();
    }

    private void drop() {
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name, e);
        }
    }
}
