package io.noetl.lifecycle.partition;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.EventPartitionPlan;
import io.noetl.lifecycle.api.EventPartitionPlanSpec;
import io.noetl.lifecycle.api.EventPartitionPlanStatus;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.PartitionRef;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The EventPartitionPlan reconciler on a messy, pre-built noetl.event, against a real kube-apiserver and PostgreSQL. */
@QuarkusTest
@WithApiServer("epp")
class EventPartitionPlanReconcilerTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final SnowflakeLayout NOETL = SnowflakeLayout.NOETL;
    private static TestDatabase db;

    ApiServerContext kube;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("epp_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void setUp() {
        TestClockProducer.CLOCK.set(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "DROP SCHEMA IF EXISTS archive CASCADE");
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "events-db", db);
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), EventPartitionPlan.class, kube.namespace());
    }

    private static long id(String iso) {
        return NOETL.boundaryId(Instant.parse(iso));
    }

    private void apply(String name, Consumer<EventPartitionPlanSpec> customize) {
        KubeFixtures.apply(kube.admin(), new EventPartitionPlan(), new EventPartitionPlanSpec(), kube.namespace(), name, "events-db", customize);
    }

    private EventPartitionPlan awaitStatus(String name, Predicate<LifecycleStatus> check) {
        return KubeFixtures.await(kube.admin(), EventPartitionPlan.class, kube.namespace(), name, EventPartitionPlan::getStatus, check);
    }

    /** Inserts {@code n} events with ids spread over [from, to). */
    private void events(long from, long to, int n) {
        db.execute("INSERT INTO noetl.event (execution_id, event_id, event_type, status) "
                + "SELECT " + from + " + (g::numeric * (" + to + " - " + from + ") / " + (n + 1) + ")::bigint, g, "
                + "'step', 'done' FROM generate_series(1, " + n + ") g");
    }

    /**
     * The messy table the issue describes: partitions named unlike their bounds, one holding ids of another
     * layout, a protected one, a quarter covered only by the default partition holding rows, a plain table
     * holding the name of a quarter ahead, and rows in the default partition outside every window.
     */
    private void createMessyEventTable() {
        db.execute("CREATE SCHEMA noetl",
                "CREATE TABLE noetl.event (execution_id bigint NOT NULL, event_id bigint NOT NULL, "
                        + "event_type text NOT NULL, status text NOT NULL, created_at timestamptz DEFAULT now(), "
                        + "PRIMARY KEY (execution_id, event_id)) PARTITION BY RANGE (execution_id)",
                "CREATE TABLE noetl.event_default PARTITION OF noetl.event DEFAULT",
                "CREATE TABLE noetl.events_old_q1 PARTITION OF noetl.event FOR VALUES FROM (" + id("2026-01-01T00:00:00Z")
                        + ") TO (" + id("2026-04-01T00:00:00Z") + ")",
                "CREATE TABLE noetl.misc_q2 PARTITION OF noetl.event FOR VALUES FROM (" + id("2026-04-01T00:00:00Z")
                        + ") TO (" + id("2026-07-01T00:00:00Z") + ")",
                "CREATE TABLE noetl.event_2026_gke PARTITION OF noetl.event FOR VALUES FROM (569000000000000) "
                        + "TO (600000000000000)",
                "CREATE TABLE noetl.event_2025_q4 PARTITION OF noetl.event FOR VALUES FROM ("
                        + id("2025-10-01T00:00:00Z") + ") TO (" + id("2026-01-01T00:00:00Z") + ")",
                "CREATE TABLE noetl.event_2027_q1 (note text)");
        events(id("2026-01-01T00:00:00Z"), id("2026-04-01T00:00:00Z"), 100); // old Q1
        events(id("2026-04-01T00:00:00Z"), id("2026-07-01T00:00:00Z"), 100); // Q2
        events(569_000_000_000_000L, 600_000_000_000_000L, 10);              // the other layout
        events(id("2025-10-01T00:00:00Z"), id("2026-01-01T00:00:00Z"), 10);  // protected
        events(id("2026-07-01T00:00:00Z"), id("2026-10-01T00:00:00Z"), 500); // Q3: only the default covers it
        events(id("2026-10-01T00:00:00Z"), id("2026-11-21T00:00:00Z"), 20);  // current quarter, in the default
        events(id("2023-01-01T00:00:00Z"), id("2023-02-01T00:00:00Z"), 7);   // before the epoch: stays in default
    }

    @Test
    void aMessyTableIsTidiedWithoutLosingAnythingAndStatusListsIt() {
        createMessyEventTable();
        long total = db.queryLong("SELECT count(*) FROM noetl.event");
        long expiredQ1 = db.queryLong("SELECT count(*) FROM noetl.events_old_q1");
        long q3InDefault = db.queryLong("SELECT count(*) FROM noetl.event_default WHERE execution_id >= ? AND execution_id < ?",
                id("2026-07-01T00:00:00Z"), id("2026-10-01T00:00:00Z"));
        assertEquals(500, q3InDefault);

        apply("events", s -> {
            s.setRetention("180d");
            s.setProtect(List.of("event_2025_q4"));
        });
        EventPartitionPlan p = awaitStatus("events", s -> condition("Ready", "True", "Maintained").test(s)
                && ((EventPartitionPlanStatus) s).getLastMaintenance() != null);
        EventPartitionPlanStatus status = p.getStatus();

        // nothing unmanaged or protected is dropped; the expired managed quarter is, whatever its name
        List<String> partitions = db.partitions("noetl.event");
        assertTrue(partitions.contains("event_2026_gke"), partitions.toString());
        assertTrue(partitions.contains("event_2025_q4"), partitions.toString());
        assertTrue(partitions.contains("misc_q2"), partitions.toString());
        assertTrue(!partitions.contains("events_old_q1"), partitions.toString());
        // the gap quarter exists and holds exactly the rows the default held for it
        assertEquals(500, db.queryLong("SELECT count(*) FROM noetl.event_2026_q3"));
        assertEquals(20, db.queryLong("SELECT count(*) FROM noetl.event_2026_q4"));
        assertEquals(7, db.queryLong("SELECT count(*) FROM noetl.event_default"));
        // every row is still there but those of the one quarter that expired
        assertEquals(100, expiredQ1);
        assertEquals(total - expiredQ1, db.queryLong("SELECT count(*) FROM noetl.event"));
        // the windows ahead exist; the one whose name was taken got a distinct name
        assertTrue(partitions.contains("event_2027_q1_1"), partitions.toString());
        assertTrue(partitions.contains("event_2027_q2"), partitions.toString());
        assertEquals("FOR VALUES FROM ('" + id("2027-01-01T00:00:00Z") + "') TO ('" + id("2027-04-01T00:00:00Z") + "')",
                db.queryStrings("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'event_2027_q1_1'")
                        .get(0));

        assertEquals(520L, (long) status.getLastMaintenance().getRowsMoved());
        assertEquals("event_2027_q2", status.getWindows().get(0).getName());
        assertEquals("2027-04-01T00:00:00Z", status.getWindows().get(0).getFrom());
        assertEquals(Long.toString(id("2027-04-01T00:00:00Z")), status.getWindows().get(0).getFromId());
        PartitionRef gke = status.getUnmanaged().stream().filter(u -> u.getName().equals("event_2026_gke"))
                .findFirst().orElseThrow();
        assertEquals("569000000000000", gke.getFrom());
        assertEquals(NOETL.timeOf(569_000_000_000_000L).toString(), gke.getFromTime());
        assertEquals(2, (int) status.getUnmanagedCount());
        assertEquals(7L, (long) status.getDefaultPartitionRows());
        assertEquals("NameCollision", status.condition("Degraded").orElseThrow().getReason());

        // Q2 expires once its upper bound (2026-07-01) is 180 days old
        TestClockProducer.CLOCK.set(Instant.parse("2026-12-28T00:00:01Z"));
        touch("events");
        awaitStatus("events", s -> !db.partitions("noetl.event").contains("misc_q2"));
        assertTrue(db.partitions("noetl.event").contains("event_2026_q3"));
        assertTrue(db.partitions("noetl.event").contains("event_2025_q4"));
    }

    private void touch(String name) {
        EventPartitionPlan p = kube.admin().resources(EventPartitionPlan.class).inNamespace(kube.namespace()).withName(name).get();
        p.getSpec().setMaintenanceInterval(p.getSpec().getMaintenanceInterval().equals("10m") ? "11m" : "10m");
        KubeFixtures.updateSpec(kube.admin(), p);
    }

    @Test
    void withoutMovingRowsTheConflictingWindowIsSkippedAndReported() {
        createMessyEventTable();
        apply("nomove", s -> {
            s.setMoveDefaultRows(false);
            s.setProtect(List.of("event_2025_q4"));
        });
        EventPartitionPlan p = awaitStatus("nomove", condition("Degraded", "True", "DefaultPartitionConflict"));
        assertTrue(!db.partitions("noetl.event").contains("event_2026_q3"));
        assertEquals(527, db.queryLong("SELECT count(*) FROM noetl.event_default"));
        assertTrue(p.getStatus().condition("Degraded").orElseThrow().getMessage().contains("moveDefaultRows"));
    }

    @Test
    void bootstrapInstallsTheSeedHelpersThatWorkWhateverTheSessionTimeZone() throws Exception {
        apply("bootstrap", s -> s.setBootstrap(Bootstrap.IfMissing));
        awaitStatus("bootstrap", condition("Ready", "True", "Maintained"));
        assertTrue(db.partitions("noetl.event").containsAll(List.of("event_default", "event_2026_q4", "event_2027_q1",
                "event_2027_q2")));

        // seed 001's checklist, from a session in another time zone
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'America/New_York'");
            s.execute("CALL noetl.ensure_event_partition('2027-07-01', '2027-10-01', 'event_2027_q3')");
            try (ResultSet rs = s.executeQuery("SELECT noetl.partition_id_for_ts('2026-10-01'), "
                    + "noetl.partition_id_for_ts('2026-07-01 00:00:00+00'::timestamptz)")) {
                rs.next();
                assertEquals(727674834124800000L, rs.getLong(1));
                assertEquals(660995466854400000L, rs.getLong(2));
            }
        }
        assertEquals(id("2027-07-01T00:00:00Z"), db.queryLong(
                "SELECT range_start FROM noetl.event_partitions WHERE partition_name = 'event_2027_q3'"));
        assertEquals(id("2027-10-01T00:00:00Z"), db.queryLong(
                "SELECT range_end FROM noetl.event_partitions WHERE partition_name = 'event_2027_q3'"));
        assertEquals(Instant.parse("2027-07-01T00:00:00Z").getEpochSecond(), db.queryLong("SELECT extract(epoch FROM "
                + "start_time)::bigint FROM noetl.event_partitions WHERE partition_name = 'event_2027_q3'"));
        db.execute("CALL noetl.drop_event_partition('event_2027_q3')");
        assertTrue(!db.partitions("noetl.event").contains("event_2027_q3"));
        // the default partition must stay
        try {
            db.execute("CALL noetl.drop_event_partition('event_default')");
            throw new AssertionError("the default partition was dropped");
        } catch (IllegalStateException expected) {
            assertTrue(expected.getCause().getMessage().contains("must stay"));
        }
        assertTrue(db.queryLong("SELECT count(*) FROM noetl.event_partitions") >= 4);
    }
}
