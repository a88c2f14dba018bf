package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import javax.sql.DataSource;
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
    void eachConnectionOfAnAcquiredDataSourceIsALeaseGivenBackOnClose() throws SQLException {
        DataSource a = pools.acquire("mrp/ns/a", target);
        ServerBudget budget = pools.budget(target);
        try (Connection c = a.getConnection()) {
            assertEquals(false, c.isClosed());
            assertEquals(1, budget.inUse());
        }
        assertEquals(0, budget.inUse());
        assertEquals(1, budget.idle());
        pools.release("mrp/ns/a");
        assertEquals(0, budget.idle(), "the last owner of the target gone, its idle connections close");
    }

    @Test
    void aRotatedSecretIsANewTargetAndTheOldOnesIdleConnectionsClose() throws SQLException {
        try (Connection c = pools.acquire("mrp/ns/a", target).getConnection()) {
            assertEquals(false, c.isClosed());
        }
        assertEquals(1, pools.budget(target).idle());
        DatabaseTarget rotated = new DatabaseTarget(TestDatabase.url("postgres"), TestDatabase.USER, "rotated-secret");
        pools.acquire("mrp/ns/a", rotated);
        assertEquals(0, pools.budget(target).idle());
        pools.release("mrp/ns/a");
    }

    /**
     * Nothing outlives a transaction (issue 22: a transaction-pooling PgBouncer hands the server connection to another
     * client next): the pool's connections run no initial SQL, so their session is what a plain connection gets, and
     * prepare no named server-side statement even for a statement run many times.
     */
    @Test
    void connectionsSetNothingOnTheSessionAndNameNoStatement() throws SQLException {
        DataSource ds = pools.acquire("x", target);
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
