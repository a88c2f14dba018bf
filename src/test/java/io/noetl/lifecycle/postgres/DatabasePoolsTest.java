package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.agroal.api.AgroalDataSource;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabasePoolsTest {
    private final DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
    private final DatabaseTarget target = new DatabaseTarget(TestDatabase.url("postgres"), TestDatabase.USER,
            TestDatabase.PASSWORD);

    @Test
    void resourcesNamingTheSameDatabaseShareOnePoolThatClosesWithItsLastUser() throws SQLException {
        AgroalDataSource a = pools.acquire("mrp/ns/a", target);
        AgroalDataSource b = pools.acquire("epp/ns/b", new DatabaseTarget(TestDatabase.url("postgres"),
                TestDatabase.USER, TestDatabase.PASSWORD));
        assertSame(a, b);
        assertEquals(1, pools.openPools());
        pools.release("mrp/ns/a");
        assertEquals(1, pools.openPools());
        try (Connection c = b.getConnection()) {
            assertEquals(false, c.isClosed());
        }
        pools.release("epp/ns/b");
        assertEquals(0, pools.openPools());
        assertThrows(SQLException.class, a::getConnection);
    }

    @Test
    void aRotatedSecretIsANewTargetAndTheOldPoolCloses() throws SQLException {
        AgroalDataSource before = pools.acquire("mrp/ns/a", target);
        DatabaseTarget rotated = new DatabaseTarget(TestDatabase.url("postgres"), TestDatabase.USER, "rotated-secret");
        AgroalDataSource after = pools.acquire("mrp/ns/a", rotated);
        assertNotSame(before, after);
        assertEquals(1, pools.openPools());
        pools.release("mrp/ns/a");
        assertEquals(0, pools.openPools());
    }

    /**
     * Nothing outlives a transaction (issue 22: a transaction-pooling PgBouncer hands the server connection to another
     * client next): the pool's connections run no initial SQL, so their session is what a plain connection gets, and
     * prepare no named server-side statement even for a statement run many times.
     */
    @Test
    void connectionsSetNothingOnTheSessionAndNameNoStatement() throws SQLException {
        AgroalDataSource ds = pools.acquire("x", target);
        String sql = "SELECT current_setting('TimeZone') || ' ' || current_setting('default_transaction_read_only') "
                + "|| ' ' || current_setting('lock_timeout')";
        try (Connection plain = java.sql.DriverManager.getConnection(target.jdbcUrl(), TestDatabase.USER,
                TestDatabase.PASSWORD); var rs = plain.createStatement().executeQuery(sql);
                Connection c = ds.getConnection()) {
            rs.next();
            for (int i = 0; i < 10; i++) {
                try (var ps = c.prepareStatement(sql); var own = ps.executeQuery()) {
                    own.next();
                    assertEquals(rs.getString(1), own.getString(1));
                }
            }
            try (var named = c.createStatement().executeQuery("SELECT count(*) FROM pg_prepared_statements")) {
                named.next();
                assertEquals(0, named.getLong(1));
            }
        } finally {
            pools.release("x");
        }
    }

    @Test
    void uriTargetsBecomeJdbcUrlsAndNeverShowThePassword() {
        DatabaseTarget t = new DatabaseTarget("postgresql://app:p%40ss@db.example:6432/noetl?sslmode=require", null,
                null);
        assertEquals("jdbc:postgresql://db.example:6432/noetl?sslmode=require", t.jdbcUrl());
        assertEquals("app", t.username());
        assertEquals("p@ss", t.password());
        assertEquals("postgresql://db.example:6432/noetl", t.describe());
        assertEquals("failed for **** at postgresql://db.example:6432/noetl",
                t.redact("failed for p@ss at jdbc:postgresql://db.example:6432/noetl?sslmode=require"));
        assertThrows(IllegalArgumentException.class, () -> new DatabaseTarget("mysql://x/y", "u", "p"));
    }
}
