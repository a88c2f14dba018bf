package io.noetl.lifecycle.partition.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javax.sql.DataSource;
import io.noetl.lifecycle.api.EventWindow;
import io.noetl.lifecycle.api.RetentionAction;
import io.noetl.lifecycle.partition.plan.IdWindowGrid;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Moving rows out of the default partition while writers keep inserting: nothing lost, nothing failed for good. */
class DefaultRowMoveTest {
    private static final TableName EVENT = new TableName("noetl", "event");
    private static final SnowflakeLayout NOETL = SnowflakeLayout.NOETL;
    private static final IdWindowGrid QUARTERS = new IdWindowGrid(EventWindow.Quarter, NOETL);
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("move_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    private static long id(String iso) {
        return NOETL.boundaryId(Instant.parse(iso));
    }

    @Test
    void concurrentWritersLoseNoInsertWhileDefaultRowsMove() throws Exception {
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        DatabaseTarget target = db.target();
        DataSource ds = pools.acquire("test", target);
        try (Connection c = ds.getConnection()) {
            SeedSchema.ensureEventTable(c, EVENT, "event_default", NOETL);
        }
        long q3 = id("2026-07-01T00:00:00Z");
        long q4 = id("2026-10-01T00:00:00Z");
        long q1 = id("2027-01-01T00:00:00Z");
        long q2 = id("2027-04-01T00:00:00Z");
        // Q2 anchors the plan, so Q3, now held only by the default partition, is a gap to fill
        db.execute("CREATE TABLE noetl.event_2026_q2 PARTITION OF noetl.event FOR VALUES FROM ("
                + id("2026-04-01T00:00:00Z") + ") TO (" + q3 + ")");
        db.execute("INSERT INTO noetl.event (execution_id, event_id, event_type, status) SELECT " + q3
                + " + g::bigint * 1000000000, g, 'step', 'done' FROM generate_series(1, 20000) g");
        long before = db.queryLong("SELECT count(*) FROM noetl.event");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong nextEventId = new AtomicLong(1_000_000);
        AtomicLong inserted = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        AtomicLong gaveUp = new AtomicLong();
        List<Thread> writers = new ArrayList<>();
        long[][] ranges = {{q3, q4}, {q4, q1}, {q1, q2}};
        for (int w = 0; w < 4; w++) {
            Thread t = new Thread(() -> write(stop, nextEventId, ranges, inserted, retried, gaveUp));
            t.start();
            writers.add(t);
        }
        // the writers are at it in every range: the default partition holds rows of theirs in Q4 and Q1 too, which the
        // plan must then move as well (a condition on the data, where a fixed pause hoped they had started)
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> defaultRows(q4, q1) > 0
                && defaultRows(q1, q2) > 0);

        TableSnapshot snapshot;
        try (Connection c = ds.getConnection()) {
            snapshot = CatalogReader.read(c, EVENT);
        }
        PartitionPlanner.Policy policy = PartitionPlanner.Policy.builder().grid(QUARTERS).tableName("event")
                .now(NOETL.boundaryId(NOW)).ahead(1).retentionAction(RetentionAction.Drop).moveDefaultRows(true)
                .defaultPartition("event_default").build();
        Plan plan = PartitionPlanner.plan(policy, snapshot);
        try (Connection c = ds.getConnection()) {
            snapshot = snapshot.withDefaultRowCounts(CatalogReader.countDefaultRows(c, snapshot, plan.uncountedRanges()));
        }
        plan = PartitionPlanner.plan(policy, snapshot);
        List<String> kinds = plan.actions().stream().map(a -> a.kind() + " " + a.partition()).toList();
        assertEquals(List.of("MoveDefaultRows event_2026_q4", "MoveDefaultRows event_2027_q1",
                "MoveDefaultRows event_2026_q3"), kinds);
        PartitionExecutor.Result result = new PartitionExecutor(ds, target, new PartitionExecutor.Parent(EVENT, "execution_id", io.noetl.lifecycle.partition.plan.KeyType.BIGINT,
                java.util.Optional.of("event_default")), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()))
                .apply(plan.actions());
        // the writers go on into the partitions just attached: a few more inserts each (or all of them done)
        long afterMoves = inserted.get();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> inserted.get() >= afterMoves + 4 * writers.size()
                || writers.stream().noneMatch(Thread::isAlive));
        stop.set(true);
        for (Thread t : writers) {
            t.join(30_000);
        }
        pools.release("test");

        assertTrue(result.failure().isEmpty(), () -> result.failure().toString());
        assertEquals(0, gaveUp.get(), "writes that failed for good");
        assertTrue(inserted.get() > 0);
        assertEquals(before + inserted.get(), db.queryLong("SELECT count(*) FROM noetl.event"), "rows lost or doubled");
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.event_default"));
        assertEquals(db.queryLong("SELECT count(*) FROM noetl.event WHERE execution_id >= ? AND execution_id < ?", q3, q4),
                db.queryLong("SELECT count(*) FROM noetl.event_2026_q3"));
        assertTrue(result.rowsMoved() >= 20000, "moved " + result.rowsMoved());
        System.out.printf("writers: %d inserts, %d retried errors; %d rows moved%n", inserted.get(), retried.get(),
                result.rowsMoved());
    }

    /** The rows the default partition holds of ids from {@code from} to {@code to}. */
    private static long defaultRows(long from, long to) {
        return db.queryLong("SELECT count(*) FROM noetl.event_default WHERE execution_id >= ? AND execution_id < ?",
                from, to);
    }

    /** A writer as NoETL's would be: insert one event at a time, retry a failed insert. */
    private static void write(AtomicBoolean stop, AtomicLong nextEventId, long[][] ranges, AtomicLong inserted,
            AtomicLong retried, AtomicLong gaveUp) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO noetl.event (execution_id, event_id, event_type, status) VALUES (?, ?, 'step', 'done')")) {
            for (int i = 0; i < 5_000 && !stop.get() && System.nanoTime() < deadline; i++) {
                long[] r = ranges[i % ranges.length];
                long executionId = ThreadLocalRandom.current().nextLong(r[0], r[1]);
                long eventId = nextEventId.incrementAndGet();
                boolean done = false;
                for (int attempt = 0; attempt < 20 && !done; attempt++) {
                    try {
                        ps.setLong(1, executionId);
                        ps.setLong(2, eventId);
                        ps.executeUpdate();
                        inserted.incrementAndGet();
                        done = true;
                    } catch (SQLException e) {
                        retried.incrementAndGet();
                        Thread.sleep(5);
                    }
                }
                if (!done) {
                    gaveUp.incrementAndGet();
                }
            }
        } catch (SQLException | InterruptedException e) {
            gaveUp.incrementAndGet();
        }
    }
}
