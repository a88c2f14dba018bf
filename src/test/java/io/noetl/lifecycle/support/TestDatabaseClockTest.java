package io.noetl.lifecycle.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stand-in for the database's {@code now()} ({@link TestDatabase}): set by hand, moved by the test clock, back to
 * the real time, and no other name changed. Real PostgreSQL; the clock is put back as it was after each test.
 */
class TestDatabaseClockTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final MutableClock CLOCK = TestClockProducer.CLOCK;

    private Instant clockBefore;

    @BeforeEach
    void rememberTheClock() {
        clockBefore = CLOCK.instant();
    }

    @AfterEach
    void restoreTheClock() {
        CLOCK.set(clockBefore);
    }

    /** Close to the real time: the stand-in's row is absent, so now() is PostgreSQL's. */
    private static void assertReal(TestDatabase db) {
        Instant server = db.serverTime();
        Instant real = db.realServerTime();
        assertTrue(Duration.between(server, real).abs().compareTo(Duration.ofSeconds(5)) < 0, server + " / " + real);
        assertTrue(Duration.between(server, Instant.now()).abs().compareTo(Duration.ofMinutes(1)) < 0,
                server + " is not the real time");
    }

    @Test
    void aNewDatabaseKeepsTheRealTimeUntilItIsSet() {
        try (TestDatabase db = TestDatabase.create("clock_new")) {
            assertReal(db);

            db.setServerTime(NOW);
            assertEquals(NOW, db.serverTime());
            assertNotEquals(NOW, db.realServerTime());
            db.setServerTime(NOW.plusSeconds(1));
            assertEquals(NOW.plusSeconds(1), db.serverTime());
            assertEquals(1, db.queryLong("SELECT count(*) FROM lifecycle_test.clock"));

            db.useRealServerTime();
            assertReal(db);
            assertEquals(0, db.queryLong("SELECT count(*) FROM lifecycle_test.clock"));
        }
    }

    @Test
    void anOpenSessionSeesTheNewTimeAtItsNextStatement() throws Exception {
        try (TestDatabase db = TestDatabase.create("clock_session"); Connection c = db.connect();
                Statement s = c.createStatement()) {
            db.setServerTime(NOW);
            assertEquals(NOW, now(s));
            CLOCK.set(NOW.plusSeconds(42));
            assertEquals(NOW.plusSeconds(42), now(s));
            db.useRealServerTime();
            assertNotEquals(NOW.plusSeconds(42), now(s));
        }
    }

    private static Instant now(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT now()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    @Test
    void everyOpenDatabaseFollowsTheTestClock() {
        try (TestDatabase a = TestDatabase.create("clock_a"); TestDatabase b = TestDatabase.create("clock_b")) {
            CLOCK.set(NOW);
            assertEquals(NOW, a.serverTime());
            assertEquals(NOW, b.serverTime());

            CLOCK.advance(Duration.ofHours(1));
            assertEquals(NOW.plus(Duration.ofHours(1)), a.serverTime());
            assertEquals(NOW.plus(Duration.ofHours(1)), b.serverTime());

            // the last of a set by hand and a move of the clock wins
            a.setServerTime(NOW.minusSeconds(5));
            assertEquals(NOW.minusSeconds(5), a.serverTime());
            assertEquals(NOW.plus(Duration.ofHours(1)), b.serverTime());
            CLOCK.advance(Duration.ofSeconds(1));
            assertEquals(NOW.plus(Duration.ofHours(1)).plusSeconds(1), a.serverTime());

            // a closed database no longer follows, the others still do
            a.close();
            CLOCK.set(NOW.plusSeconds(7));
            assertEquals(NOW.plusSeconds(7), b.serverTime());
            assertThrows(IllegalStateException.class, () -> a.setServerTime(NOW));
        }
    }

    @Test
    void aDatabaseCreatedAfterTheClockMovedKeepsTheRealTimeUntilTheNextMove() {
        CLOCK.set(NOW);
        try (TestDatabase db = TestDatabase.create("clock_late")) {
            assertReal(db);
            CLOCK.advance(Duration.ofSeconds(3));
            assertEquals(NOW.plusSeconds(3), db.serverTime());
        }
    }

    @Test
    void aDatabaseDroppedByHandStopsFollowingWithoutFailingTheClock() throws Exception {
        try (TestDatabase gone = TestDatabase.create("clock_gone");
                TestDatabase kept = TestDatabase.create("clock_kept")) {
            try (Connection c = DriverManager.getConnection(TestDatabase.url("postgres"), TestDatabase.USER,
                    TestDatabase.PASSWORD); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE \"" + gone.name() + "\" WITH (FORCE)");
            }
            CLOCK.set(NOW);
            CLOCK.advance(Duration.ofSeconds(1));
            assertEquals(NOW.plusSeconds(1), kept.serverTime());
        }
    }

    @Test
    void noOtherNameChanges() {
        try (TestDatabase db = TestDatabase.create("clock_names")) {
            db.setServerTime(NOW);
            db.execute("CREATE TABLE plain (id int, created_at timestamptz NOT NULL DEFAULT now())",
                    "INSERT INTO plain (id) VALUES (1)");
            assertEquals(List.of("public"), db.queryStrings("SELECT n.nspname::text FROM pg_class c "
                    + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'plain'"));
            // a column default follows the stand-in
            assertEquals(NOW, ((Timestamp) db.query("SELECT created_at FROM plain").get(0).get(0)).toInstant());
            // the real now() and the SQL keyword are PostgreSQL's own
            assertNotEquals(NOW, db.realServerTime());
            assertEquals(List.of("false"), db.queryStrings("SELECT (CURRENT_TIMESTAMP = now())::text"));
            // other built-ins still resolve to pg_catalog
            assertEquals(List.of("pg_catalog"), db.queryStrings("SELECT n.nspname::text FROM pg_proc p "
                    + "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = 'clock_timestamp()'::regprocedure"));
            assertEquals(List.of("\"$user\", public, lifecycle_test, pg_catalog"),
                    db.queryStrings("SELECT current_setting('search_path')"));
        }
    }
}
