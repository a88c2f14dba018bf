package io.noetl.lifecycle.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which database a target reaches, as the server says: one database through several spellings of its URL. */
class DatabaseIdentityTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("identity");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static DatabaseTarget target(String url) {
        return new DatabaseTarget(url, TestDatabase.USER, TestDatabase.PASSWORD);
    }

    @Test
    void spellingsOfOneDatabaseAreOneDatabaseAndAnotherDatabaseIsAnother() throws Exception {
        String host = "127.0.0.1".equals(TestDatabase.HOST) ? "localhost" : TestDatabase.HOST;
        String port = "5432".equals(TestDatabase.PORT) ? "" : ":" + TestDatabase.PORT;
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        try {
            pools.acquire("test", db.target());
            String pooled = pools.identity(db.target());
            assertTrue(pooled.startsWith("cluster "), pooled);
            // no pool for these: each is read on a connection of its own
            assertEquals(pooled, pools.identity(target("postgresql://" + host + port + "/" + db.name())));
            assertEquals(pooled, pools.identity(target("jdbc:postgresql://" + host + ":" + TestDatabase.PORT + "/"
                    + db.name() + "?ApplicationName=other")));
            assertNotEquals(pooled, pools.identity(target(TestDatabase.url("postgres"))));
            // unreachable: the URL's text stands for it, and is not kept
            DatabaseTarget nowhere = target("jdbc:postgresql://127.0.0.1:1/" + db.name());
            assertEquals("unread postgresql://127.0.0.1:1/" + db.name(), pools.identity(nowhere));
        } finally {
            pools.release("test");
        }
    }
}
