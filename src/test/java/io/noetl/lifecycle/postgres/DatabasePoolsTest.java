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

    @Test
    void connectionsRunInUtcWhateverTheServerDefault() throws SQLException {
        AgroalDataSource ds = pools.acquire("x", target);
        try (Connection c = ds.getConnection(); var rs = c.createStatement().executeQuery("SHOW TimeZone")) {
            rs.next();
            assertEquals("UTC", rs.getString(1));
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
