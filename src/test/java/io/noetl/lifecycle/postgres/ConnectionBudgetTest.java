package io.noetl.lifecycle.postgres;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connection budget on the real PostgreSQL: connections are counted by the server ({@code pg_stat_activity} of
 * this test's own databases, so that other tests running beside it do not count), never by the operator's books.
 * Direct connections, no PgBouncer: the budget bounds the operator's client connections to whatever it connects to,
 * and only the server's own count shows that bound exactly; the tables do not matter here (PgBouncerCommandTest and
 * the live-table classes cover NoETL's path and tables).
 */
class ConnectionBudgetTest {
    /** Five databases of one server, made once: each test makes its own budget over them. */
    private static final List<TestDatabase> dbs = new ArrayList<>();
    private DatabasePools pools;

    private static OperatorConfig.Pool pool(int perServer, Duration idle, Duration reportAfter, Duration maxWait) {
        return new OperatorConfig.Pool() {
            public int connectionsPerServer() {
                return perServer;
            }

            public Duration acquisitionTimeout() {
                return Duration.ofSeconds(10);
            }

            public Duration idleTimeout() {
                return idle;
            }

            public Duration reportWaitAfter() {
                return reportAfter;
            }

            public Duration maxWait() {
                return maxWait;
            }

            public Optional<Integer> maxSize() {
                return Optional.empty();
            }
        };
    }

    @BeforeAll
    static void databases() {
        for (int i = 0; i < 5; i++) {
            dbs.add(TestDatabase.create("budget"));
        }
    }

    @AfterEach
    void closeBudget() {
        if (pools != null) {
            pools.closeAll();
        }
    }

    @AfterAll
    static void drop() {
        dbs.forEach(TestDatabase::close);
        dbs.clear();
    }

    /** Connections the server has open to this test's databases (asked from the postgres database). */
    private long serverCount() {
        return count(dbs.stream().map(TestDatabase::name).toList());
    }

    private static long count(List<String> databases) {
        try (Connection c = java.sql.DriverManager.getConnection(TestDatabase.url("postgres"), TestDatabase.USER,
                TestDatabase.PASSWORD); var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE "
                        + "datname = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", databases.toArray()));
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void work(Connection c, double seconds) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_sleep(" + seconds + ")");
        }
    }

    @Test
    void manyPassesOverFiveDatabasesNeverHoldMoreThanTheBudgetAndAllRun() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(2)),
                Optional.empty());
        AtomicLong peak = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(serverCount(), Math::max);
            }
        });
        sampler.start();
        ExecutorService passes = Executors.newFixedThreadPool(10);
        AtomicInteger done = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            TestDatabase db = dbs.get(i % dbs.size());
            int connections = i % 3 == 0 ? 2 : 1;
            futures.add(passes.submit(() -> {
                try (Lease lease = pools.lease("pass-" + db.name(), db.target(), connections, "test",
                        ServerBudget.WaitListener.NONE)) {
                    if (connections == 2) {
                        try (Connection a = lease.getConnection(); Connection b = lease.getConnection()) {
                            work(a, 0.05);
                            work(b, 0.05);
                        }
                    } else {
                        try (Connection a = lease.getConnection()) {
                            work(a, 0.1);
                        }
                    }
                }
                done.incrementAndGet();
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
        passes.shutdown();
        sampling.set(false);
        sampler.join();
        assertEquals(20, done.get());
        assertTrue(peak.get() >= 1, "the sampler saw the passes' connections");
        assertTrue(peak.get() <= 2, "at most the budget of 2 connections at any moment, the server saw " + peak.get());
        ServerBudget budget = pools.budget(dbs.get(0).target());
        assertEquals(0, budget.inUse());
        assertTrue(budget.idle() <= 2);
    }

    @Test
    void passesAreServedInTheOrderTheyCameAndABigLeaseIsNotOvertaken() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMinutes(1)),
                Optional.empty());
        ServerBudget budget = pools.budget(dbs.get(0).target());
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Lease first = pools.lease("a", dbs.get(0).target(), 1, "test", ServerBudget.WaitListener.NONE);
        ExecutorService waiters = Executors.newFixedThreadPool(3);
        // the head wants both connections; one is free, so it waits; later passes wanting one must not take it
        Future<?> big = waiters.submit(() -> {
            try (Lease l = pools.lease("b", dbs.get(1).target(), 2, "test", ServerBudget.WaitListener.NONE)) {
                order.add("big");
            }
            return null;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> budget.waiting() == 1);
        Future<?> small = waiters.submit(() -> {
            try (Lease l = pools.lease("c", dbs.get(2).target(), 1, "test", ServerBudget.WaitListener.NONE)) {
                order.add("small");
            }
            return null;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> budget.waiting() == 2);
        Thread.sleep(200); // the small lease would fit in the free connection now, if it could overtake
        assertEquals(List.of(), order);
        first.close();
        big.get(10, TimeUnit.SECONDS);
        small.get(10, TimeUnit.SECONDS);
        waiters.shutdown();
        assertEquals(List.of("big", "small"), order);
    }

    /**
     * A later pass whose database has an idle connection goes before the head (whose database has none), reusing
     * that connection, but no pass is overtaken more than {@link 4} times.
     */
    @Test
    void aPassReusingAnIdleConnectionMayGoFirstButNoPassIsOvertakenMoreThanFourTimes() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofMinutes(1)),
                Optional.empty());
        ServerBudget budget = pools.budget(dbs.get(0).target());
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<Integer> pids = Collections.synchronizedList(new ArrayList<>());
        Lease other = pools.lease("other", dbs.get(1).target(), 1, "test", ServerBudget.WaitListener.NONE);
        Lease first = pools.lease("first", dbs.get(0).target(), 1, "test", ServerBudget.WaitListener.NONE);
        int firstPid;
        try (Connection c = first.getConnection()) {
            firstPid = pid(c);
        }
        int later = ServerBudget.MAX_OVERTAKEN + 1;
        ExecutorService waiters = Executors.newFixedThreadPool(later + 1);
        List<Future<?>> futures = new ArrayList<>();
        // the head: a database with no idle connection; behind it, passes of the database whose connection comes back
        futures.add(waiters.submit(() -> {
            try (Lease l = pools.lease("head", dbs.get(2).target(), 1, "test", ServerBudget.WaitListener.NONE)) {
                order.add("head");
            }
            return null;
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> budget.waiting() == 1);
        for (int i = 0; i < later; i++) {
            String name = "same-" + i;
            futures.add(waiters.submit(() -> {
                try (Lease l = pools.lease(name, dbs.get(0).target(), 1, "test", ServerBudget.WaitListener.NONE);
                        Connection c = l.getConnection()) {
                    order.add(name);
                    pids.add(pid(c));
                }
                return null;
            }));
            int queued = i + 2;
            await().atMost(Duration.ofSeconds(10)).until(() -> budget.waiting() == queued);
        }
        first.close(); // its connection goes idle: one permit free, the head fits, and so do those behind it
        for (Future<?> f : futures) {
            f.get(20, TimeUnit.SECONDS);
        }
        other.close();
        waiters.shutdown();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < ServerBudget.MAX_OVERTAKEN; i++) {
            expected.add("same-" + i);
        }
        expected.add("head");
        expected.add("same-" + ServerBudget.MAX_OVERTAKEN);
        assertEquals(expected, order);
        assertEquals(java.util.Collections.nCopies(ServerBudget.MAX_OVERTAKEN, firstPid),
                pids.subList(0, ServerBudget.MAX_OVERTAKEN), "the overtaking passes reused the idle connection");
        assertTrue(serverCount() <= 2);
    }

    /**
     * Passes queued round-robin over the databases (a fleet's first passes come so, in the order they were applied):
     * each connection given back finds a later pass of its database, and the head goes after at most
     * {@link ServerBudget#MAX_OVERTAKEN} of them, so about one grant in {@code MAX_OVERTAKEN + 1} opens a backend.
     * When every pass an overtaker went past was counted, the first passes of the queue soon had all been passed that
     * often and went in order, each opening a backend: 38 or 39 for these 100 passes in three runs (18 to 24 now).
     */
    @Test
    void passesQueuedRoundRobinOverTheDatabasesReuseMostConnections() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofMinutes(2)),
                Optional.empty());
        ServerBudget budget = pools.budget(dbs.get(0).target());
        Set<Integer> backends = ConcurrentHashMap.newKeySet();
        int passes = 100;
        ExecutorService threads = Executors.newFixedThreadPool(20);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < passes; i++) {
            TestDatabase db = dbs.get(i % dbs.size());
            futures.add(threads.submit(() -> {
                try (Lease lease = pools.lease("pass-" + db.name(), db.target(), 1, "test",
                        ServerBudget.WaitListener.NONE); Connection c = lease.getConnection()) {
                    backends.add(pid(c));
                    work(c, 0.01);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
        threads.shutdown();
        assertEquals(0, budget.inUse());
        // one in MAX_OVERTAKEN + 1 is 20; the first passes, before the queue has formed, open a few more
        assertTrue(backends.size() <= 30, backends.size() + " backends opened for " + passes + " passes");
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void connectionsGivenBackStayIdleForTheSameDatabaseThenClose() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMinutes(1)),
                Optional.empty());
        TestDatabase db = dbs.get(0);
        int pid;
        try (Lease lease = pools.lease("a", db.target(), 1, "test", ServerBudget.WaitListener.NONE);
                Connection c = lease.getConnection(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
            c.setAutoCommit(false); // left in a transaction: comes back rolled back, in autocommit
            s.execute("CREATE TABLE left_open (x int)");
        }
        assertEquals(1, serverCount(), "kept idle for the next pass");
        try (Lease lease = pools.lease("b", db.target(), 1, "test", ServerBudget.WaitListener.NONE);
                Connection c = lease.getConnection(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT pg_backend_pid(), to_regclass('left_open') IS NULL")) {
            rs.next();
            assertEquals(pid, rs.getInt(1), "the idle connection was reused");
            assertTrue(rs.getBoolean(2), "the open transaction was rolled back");
            assertTrue(c.getAutoCommit());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> serverCount() == 0);
        assertEquals(0, pools.budget(db.target()).idle());
    }

    @Test
    void anIdleConnectionNeverKeepsAnotherDatabaseWaiting() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofSeconds(20)),
                Optional.empty());
        for (int i = 0; i < 2; i++) {
            try (Lease lease = pools.lease("owner-" + i, dbs.get(i).target(), 1, "test",
                    ServerBudget.WaitListener.NONE); Connection c = lease.getConnection()) {
                work(c, 0);
            }
        }
        assertEquals(2, serverCount(), "two idle connections fill the budget");
        try (Lease lease = pools.lease("c", dbs.get(2).target(), 2, "test", ServerBudget.WaitListener.NONE);
                Connection a = lease.getConnection(); Connection b = lease.getConnection()) {
            work(a, 0);
            work(b, 0);
            assertEquals(2, serverCount(), "the idle ones were closed to make room");
            assertEquals(2, count(List.of(dbs.get(2).name())));
        }
    }

    @Test
    void aLongWaitIsReportedOnceAndTheMaximumWaitGivesUpHoldingNothing() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofMinutes(5), Duration.ofMillis(300), Duration.ofSeconds(2)),
                Optional.empty());
        List<String> reports = Collections.synchronizedList(new ArrayList<>());
        try (Lease held = pools.lease("a", dbs.get(0).target(), 2, "test", ServerBudget.WaitListener.NONE)) {
            ServerBudget.Exhausted e = assertThrows(ServerBudget.Exhausted.class, () -> pools.lease("b",
                    dbs.get(1).target(), 1, "test", (waited, ahead, budget) -> reports.add(ahead + " ahead after "
                            + waited.toMillis() / 100 * 100 + " ms")));
            assertTrue(e.getMessage().contains("gave up"), e.getMessage());
            assertEquals(1, reports.size(), "reported once: " + reports);
            assertTrue(reports.get(0).startsWith("0 ahead"), reports.toString());
            assertEquals(0, pools.budget(dbs.get(0).target()).waiting());
        }
        try (Lease after = pools.lease("b", dbs.get(1).target(), 2, "test", ServerBudget.WaitListener.NONE)) {
            assertEquals(2, after.permits(), "the one that gave up left the whole budget");
        }
    }

    @Test
    void aPassThatUsesMoreConnectionsAtOnceThanItLeasedFailsAtOnce() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofSeconds(5)),
                Optional.empty());
        try (Lease lease = pools.lease("a", dbs.get(0).target(), 1, "test", ServerBudget.WaitListener.NONE);
                Connection c = lease.getConnection()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, lease::getConnection);
            assertTrue(e.getMessage().contains("leased"), e.getMessage());
            assertFalse(c.isClosed());
        }
    }

    @Test
    void aConnectionTheServerEndedWhileIdleIsReplacedNotHandedOut() throws Exception {
        pools = new DatabasePools(pool(2, Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofSeconds(5)),
                Optional.empty());
        TestDatabase db = dbs.get(0);
        int pid;
        try (Lease lease = pools.lease("a", db.target(), 1, "test", ServerBudget.WaitListener.NONE);
                Connection c = lease.getConnection(); var rs = c.createStatement().executeQuery(
                        "SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        db.execute("SELECT pg_terminate_backend(" + pid + ")");
        try (Lease lease = pools.lease("a", db.target(), 1, "test", ServerBudget.WaitListener.NONE);
                Connection c = lease.getConnection(); var rs = c.createStatement().executeQuery(
                        "SELECT pg_backend_pid()")) {
            rs.next();
            assertTrue(rs.getInt(1) != pid, "a new connection");
        }
        assertEquals(0, pools.budget(db.target()).inUse());
    }

    @Test
    void serversAreKeyedByHostAndPortWhateverTheDatabase() {
        assertEquals("db.example:6432", DatabasePools.serverOf("jdbc:postgresql://DB.example:6432/app?ssl=true"));
        assertEquals("db.example:5432", DatabasePools.serverOf("jdbc:postgresql://db.example/other"));
        assertEquals("a:5432,b:6432", DatabasePools.serverOf("jdbc:postgresql://a,b:6432/app"));
        assertEquals("[::1]:5432", DatabasePools.serverOf("jdbc:postgresql://[::1]/app"));
        assertEquals("localhost:5432", DatabasePools.serverOf("jdbc:postgresql:app"));
        assertEquals(pools(dbs.get(0)), pools(dbs.get(1)), "two databases of one server share one budget");
    }

    private ServerBudget pools(TestDatabase db) {
        if (pools == null) {
            pools = new DatabasePools(pool(2, Duration.ofMinutes(5), Duration.ofSeconds(5), Duration.ofSeconds(5)),
                    Optional.empty());
        }
        return pools.budget(db.target());
    }

    @Test
    void aBudgetBelowTwoIsRefusedWithTheSettingsName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DatabasePools(pool(1,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)), Optional.empty()));
        assertTrue(e.getMessage().contains("lifecycle.pool.connections-per-server"), e.getMessage());
    }
}
