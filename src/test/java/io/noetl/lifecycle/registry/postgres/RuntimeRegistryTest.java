package io.noetl.lifecycle.registry.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.ComponentPhase;
import io.noetl.lifecycle.api.ComponentType;
import io.noetl.lifecycle.api.Precedence;
import io.noetl.lifecycle.plan.SnowflakeId;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.registry.plan.ComponentLiveness;
import io.noetl.lifecycle.registry.plan.DeclaredColumn;
import io.noetl.lifecycle.registry.plan.RegistryIncompatibleException;
import io.noetl.lifecycle.registry.plan.RegistryMapping.Role;
import io.noetl.lifecycle.registry.plan.RegistryMapping;
import io.noetl.lifecycle.registry.plan.RegistryRow;
import io.noetl.lifecycle.registry.plan.RegistryShape;
import io.noetl.lifecycle.registry.plan.RuntimeDeclaration;
import io.noetl.lifecycle.registry.plan.RuntimeIdGenerator;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry SQL against a real PostgreSQL, for the seed's column names and the other NoETL versions' names. */
class RuntimeRegistryTest {
    private static TestDatabase db;
    private final RuntimeIdGenerator ids = new RuntimeIdGenerator(31);

    /** Another NoETL version's registry: kind, uri, heartbeat; json (not jsonb) and numeric capacity. */
    static final String LEGACY_REGISTRY = "CREATE TABLE noetl.runtime (runtime_id bigint PRIMARY KEY, "
            + "name text NOT NULL, kind varchar(32) NOT NULL, uri text, status text NOT NULL, labels json, "
            + "capabilities jsonb, capacity numeric, runtime jsonb, heartbeat timestamp, "
            + "UNIQUE (kind, name))";

    /** NoETL's current registry (schema_ddl.sql): kind and uri, and a heartbeat that is NOT NULL DEFAULT now(). */
    static final String CURRENT_NOETL_REGISTRY = "CREATE TABLE noetl.runtime (runtime_id BIGINT PRIMARY KEY, "
            + "name TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('worker_pool','server_api','broker')), "
            + "uri TEXT, status TEXT NOT NULL, labels JSONB, capabilities JSONB, capacity INTEGER, runtime JSONB, "
            + "heartbeat TIMESTAMPTZ NOT NULL DEFAULT now(), created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
            + "updated_at TIMESTAMPTZ NOT NULL DEFAULT now())";

    /** Seed 000's example registry: component_type, base_url and a nullable last_heartbeat. */
    static final String SEED_REGISTRY = "CREATE TABLE noetl.runtime (runtime_id BIGINT PRIMARY KEY, "
            + "name TEXT NOT NULL, component_type TEXT NOT NULL, base_url TEXT, status TEXT NOT NULL, labels JSONB, "
            + "capabilities JSONB, capacity INTEGER, runtime JSONB, last_heartbeat TIMESTAMPTZ, "
            + "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
            + "CONSTRAINT runtime_component_type_name_key UNIQUE (component_type, name))";

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("rtc_sql");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void reset() {
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE");
    }

    private static RuntimeDeclaration worker(String url, String labels, Integer capacity) {
        return new RuntimeDeclaration(ComponentType.WORKER_POOL, "cpu-01", url, labels, "{\"http\": true}",
                capacity, "{\"type\": \"python\"}");
    }

    /** {@code {"pool": "<pool>"}} as the registry prints it: jsonb normalized, json as written. */
    private static String labels(String typeCol, String pool) {
        return "kind".equals(typeCol) ? "{\"pool\":\"" + pool + "\"}" : "{\"pool\": \"" + pool + "\"}";
    }

    private RegistryMapping mapping(Connection c) throws Exception {
        return RegistryMapping.choose("noetl.runtime", RuntimeRegistry.inspect(c));
    }

    @Test
    void readsNoetlsRegistryAsBootstrapCreatesIt() throws Exception {
        try (Connection c = db.connect()) {
            assertFalse(RuntimeRegistry.inspect(c).exists());
            RuntimeRegistry.bootstrap(c, new LockPolicy(Duration.ofMillis(500), 3, Duration.ofMillis(10),
                    Duration.ofMinutes(1), false, 16, Duration.ofSeconds(5), Duration.ofMillis(50)));
            RegistryShape shape = RuntimeRegistry.inspect(c);
            // NoETL's own registry, as its schema makes it: kind, uri, heartbeat, unique on (kind, name)
            assertTrue(shape.uniqueKeys().contains(Set.of("kind", "name")), shape.toString());
            assertTrue(shape.uniqueKeys().contains(Set.of("runtime_id")));
            RegistryMapping m = RegistryMapping.choose("noetl.runtime", shape);
            assertEquals("kind", m.name(Role.TYPE));
            assertEquals("uri", m.name(Role.URL));
            assertEquals("heartbeat", m.name(Role.HEARTBEAT));
            assertEquals(List.of("idx_runtime_kind", "idx_runtime_kind_name", "idx_runtime_runtime_type",
                    "idx_runtime_status", "runtime_pkey"), db.queryStrings("SELECT indexname::text FROM pg_indexes "
                    + "WHERE schemaname = 'noetl' AND tablename = 'runtime' ORDER BY 1"));
            assertFalse(m.snowflakeFunction());
        }
    }

    @Test
    void registersOnceAndThenOnlyRewritesDeclaredColumnsThatChanged() throws Exception {
        seedRegistry();
        registersAndKeepsWhatBelongsToTheComponent("component_type", "base_url", "last_heartbeat");
    }

    @Test
    void worksTheSameWithTheOtherVersionsColumnNames() throws Exception {
        db.execute("CREATE SCHEMA noetl", LEGACY_REGISTRY);
        registersAndKeepsWhatBelongsToTheComponent("kind", "uri", "heartbeat");
    }

    private void registersAndKeepsWhatBelongsToTheComponent(String typeCol, String urlCol, String hbCol)
            throws Exception {
        try (Connection c = db.connect()) {
            RegistryMapping m = mapping(c);
            assertEquals(typeCol, m.name(Role.TYPE));
            RuntimeDeclaration first = worker("http://w1:8080", "{\"pool\":\"cpu\"}", 4);
            RuntimeRegistry.Registration r = RuntimeRegistry.register(c, m, first, () -> ids.next(1000));
            assertTrue(r.inserted());
            assertTrue(r.declaredWritten());
            assertEquals("offline", r.row().status());
            assertNull(r.row().heartbeat());
            long id = r.row().runtimeId();
            assertEquals(SnowflakeId.compose(1000, 31, 0), id);
            assertEquals("http://w1:8080", db.queryStrings("SELECT " + urlCol + " FROM noetl.runtime").get(0));

            // the same declaration again writes nothing and reads the row back
            RuntimeRegistry.Registration again = RuntimeRegistry.register(c, m, first, () -> ids.next(2000));
            assertFalse(again.inserted());
            assertFalse(again.declaredWritten());
            assertEquals(id, again.row().runtimeId());
            assertFalse(RuntimeRegistry.observe(c, m, first).orElseThrow().declaredDiffer());

            // before the component writes its row, a changed declaration is written
            RuntimeDeclaration fixed = worker("http://w1:8081", "{\"pool\":\"cpu\"}", 4);
            assertTrue(RuntimeRegistry.observe(c, m, fixed).orElseThrow().declaredDiffer());
            assertTrue(RuntimeRegistry.register(c, m, fixed, () -> ids.next(2500)).declaredWritten());
            assertEquals("http://w1:8081", db.queryStrings("SELECT " + urlCol + " FROM noetl.runtime").get(0));

            // the component heartbeats: from now on the columns it reports are its own (issue 28)
            Instant beat = Instant.parse("2026-11-21T10:00:00Z");
            db.execute("UPDATE noetl.runtime SET " + hbCol + " = '2026-11-21 10:00:00+00', status = 'ready'");
            RuntimeDeclaration changed = worker("https://w1.example:8443/api", "{\"pool\":\"gpu\"}", 8);
            RuntimeRegistry.Observation seen = RuntimeRegistry.observe(c, m, changed).orElseThrow();
            assertFalse(seen.declaredDiffer(), "nothing the declaration owns differs");
            assertEquals(List.of("baseUrl http://w1:8081 (declared https://w1.example:8443/api)",
                    "labels " + labels(typeCol, "cpu") + " (declared " + labels(typeCol, "gpu") + ")",
                    "capacity 4 (declared 8)"),
                    seen.drift().stream().map(DeclaredColumn::describe).toList());
            RuntimeRegistry.Registration kept = RuntimeRegistry.register(c, m, changed, () -> ids.next(3000));
            assertFalse(kept.inserted());
            assertFalse(kept.declaredWritten());
            assertEquals(seen.drift(), kept.drift());
            assertEquals(List.of(), kept.restored());
            assertEquals("http://w1:8081", db.queryStrings("SELECT " + urlCol + " FROM noetl.runtime").get(0));
            assertEquals(4, db.queryLong("SELECT capacity FROM noetl.runtime"));

            // capabilities, which the component never reports, stay the declaration's
            RuntimeDeclaration moreCapable = new RuntimeDeclaration(ComponentType.WORKER_POOL, "cpu-01",
                    "https://w1.example:8443/api", "{\"pool\":\"gpu\"}", "{\"http\": true, \"gpu\": true}", 8,
                    "{\"type\": \"python\"}");
            RuntimeRegistry.Registration capabilities = RuntimeRegistry.register(c, m, moreCapable,
                    () -> ids.next(3500));
            assertTrue(capabilities.declaredWritten());
            assertEquals(List.of(), capabilities.restored());
            assertEquals("true", db.queryStrings("SELECT capabilities->>'gpu' FROM noetl.runtime").get(0));
            assertEquals("http://w1:8081", db.queryStrings("SELECT " + urlCol + " FROM noetl.runtime").get(0));

            // precedence Declaration: the declared values written back, once; id, heartbeat and status kept
            RuntimeDeclaration declarationWins = new RuntimeDeclaration(ComponentType.WORKER_POOL, "cpu-01",
                    "https://w1.example:8443/api", "{\"pool\":\"gpu\"}", "{\"http\": true, \"gpu\": true}", 8,
                    "{\"type\": \"python\"}", Precedence.Declaration);
            assertTrue(RuntimeRegistry.observe(c, m, declarationWins).orElseThrow().declaredDiffer());
            RuntimeRegistry.Registration updated = RuntimeRegistry.register(c, m, declarationWins,
                    () -> ids.next(4000));
            assertFalse(updated.inserted());
            assertTrue(updated.declaredWritten());
            assertEquals(List.of(Role.URL, Role.LABELS, Role.CAPACITY),
                    updated.restored().stream().map(DeclaredColumn::role).toList());
            assertEquals("http://w1:8081", updated.restored().get(0).row(), "the value it replaced");
            assertEquals(List.of(), updated.drift());
            assertEquals(id, updated.row().runtimeId());
            assertEquals(beat, updated.row().heartbeat());
            assertEquals("ready", updated.row().status());
            assertEquals("https://w1.example:8443/api",
                    db.queryStrings("SELECT " + urlCol + " FROM noetl.runtime").get(0));
            assertEquals(8, db.queryLong("SELECT capacity FROM noetl.runtime"));
            assertEquals("gpu", db.queryStrings("SELECT labels->>'pool' FROM noetl.runtime").get(0));
            assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime"));
            assertFalse(RuntimeRegistry.register(c, m, declarationWins, () -> ids.next(4500)).declaredWritten());

            // a field the spec does not set is never written into the component's row, whatever the precedence
            RuntimeDeclaration unset = new RuntimeDeclaration(ComponentType.WORKER_POOL, "cpu-01", null, null, null,
                    null, null, Precedence.Declaration);
            assertFalse(RuntimeRegistry.register(c, m, unset, () -> ids.next(4600)).declaredWritten());
            assertEquals(8, db.queryLong("SELECT capacity FROM noetl.runtime"));

            // JSON that differs only in spacing is the same value for json and jsonb columns
            RuntimeDeclaration respaced = new RuntimeDeclaration(ComponentType.WORKER_POOL, "cpu-01",
                    "https://w1.example:8443/api", "{ \"pool\" : \"gpu\" }", "{\"http\": true, \"gpu\": true}", 8,
                    "{\"type\": \"python\"}", Precedence.Declaration);
            assertFalse(RuntimeRegistry.register(c, m, respaced, () -> ids.next(5000)).declaredWritten());
            assertEquals(List.of(), RuntimeRegistry.observe(c, m, respaced).orElseThrow().drift());
        }
    }

    @Test
    void aHeartbeatColumnDefaultingToNowIsNoHeartbeatUntilTheComponentWrites() throws Exception {
        db.execute("CREATE SCHEMA noetl", CURRENT_NOETL_REGISTRY,
                "CREATE UNIQUE INDEX idx_runtime_kind_name ON noetl.runtime (kind, name)");
        Duration timeout = Duration.ofSeconds(60);
        try (Connection c = db.connect()) {
            RegistryMapping m = mapping(c);
            assertEquals("heartbeat", m.name(Role.HEARTBEAT));
            RuntimeDeclaration d = worker("http://w1:8080", null, 4);
            RuntimeRegistry.Registration r = RuntimeRegistry.register(c, m, d, () -> ids.next(1000));
            assertTrue(r.inserted());
            // the column holds the insert's now(); that is not the component's heartbeat
            assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime WHERE heartbeat IS NOT NULL "
                    + "AND heartbeat = created_at AND status = 'offline'"));
            assertNull(r.row().heartbeat());
            assertEquals(ComponentPhase.Registered, ComponentLiveness.phase(r.row(), Instant.now(), timeout));
            // so is every later look, a rewrite of the declared columns included
            assertNull(RuntimeRegistry.observe(c, m, d).orElseThrow().row().heartbeat());
            RuntimeRegistry.Registration rewritten = RuntimeRegistry.register(c, m,
                    worker("http://w1:9090", null, 4), () -> ids.next(2000));
            assertTrue(rewritten.declaredWritten());
            assertNull(rewritten.row().heartbeat());
            assertEquals(ComponentPhase.Registered, ComponentLiveness.phase(rewritten.row(), Instant.now(), timeout));

            // the component's first heartbeat, two seconds after the insert
            db.execute("UPDATE noetl.runtime SET heartbeat = created_at + interval '2 seconds', status = 'ready'");
            Instant beat = micros("SELECT heartbeat FROM noetl.runtime");
            RegistryRow live = RuntimeRegistry.observe(c, m, d).orElseThrow().row();
            assertEquals(beat, live.heartbeat());
            assertEquals(ComponentPhase.Live, ComponentLiveness.phase(live, beat.plusSeconds(5), timeout));
            // a component that then says offline is Offline, with its heartbeat
            db.execute("UPDATE noetl.runtime SET status = 'offline'");
            RegistryRow gone = RuntimeRegistry.observe(c, m, d).orElseThrow().row();
            assertEquals(live.heartbeat(), gone.heartbeat());
            assertEquals(ComponentPhase.Offline, ComponentLiveness.phase(gone, beat.plusSeconds(5), timeout));
        }
    }

    @Test
    void aRowTheComponentInsertedItselfKeepsItsHeartbeat() throws Exception {
        db.execute("CREATE SCHEMA noetl", CURRENT_NOETL_REGISTRY,
                "CREATE UNIQUE INDEX idx_runtime_kind_name ON noetl.runtime (kind, name)",
                // as NoETL's server registers a worker: its own insert, status ready, every default now()
                "INSERT INTO noetl.runtime (runtime_id, name, kind, status) VALUES (7, 'cpu-01', 'worker_pool', "
                        + "'ready')");
        try (Connection c = db.connect()) {
            RegistryMapping m = mapping(c);
            RuntimeRegistry.Registration r = RuntimeRegistry.register(c, m, worker(null, null, null),
                    () -> ids.next(1));
            assertFalse(r.inserted());
            assertEquals(7, r.row().runtimeId());
            assertEquals(micros("SELECT heartbeat FROM noetl.runtime"), r.row().heartbeat());
            assertEquals(ComponentPhase.Live, ComponentLiveness.phase(r.row(), r.row().heartbeat(),
                    Duration.ofSeconds(60)));
        }
    }

    @Test
    void usesNoetlSnowflakeIdWhenTheDatabaseHasIt() throws Exception {
        seedRegistry();
        db.execute("CREATE FUNCTION noetl.snowflake_id() RETURNS bigint LANGUAGE sql AS "
                + "$$ SELECT 4242::bigint $$");
        try (Connection c = db.connect()) {
            RegistryMapping m = mapping(c);
            assertTrue(m.snowflakeFunction());
            RuntimeRegistry.Registration r = RuntimeRegistry.register(c, m, worker(null, null, null),
                    () -> {
                        throw new AssertionError("the database makes the id");
                    });
            assertEquals(4242, r.row().runtimeId());
        }
    }

    @Test
    void aTakenIdIsRetriedWithAFreshOne() throws Exception {
        seedRegistry();
        long taken = SnowflakeId.compose(5, 31, 0);
        db.execute("INSERT INTO noetl.runtime (runtime_id, name, component_type, status) VALUES (" + taken
                + ", 'other', 'broker', 'ready')");
        long[] next = {taken, taken + 1};
        int[] calls = {0};
        try (Connection c = db.connect()) {
            RuntimeRegistry.Registration r = RuntimeRegistry.register(c, mapping(c), worker(null, null, null),
                    () -> next[calls[0]++]);
            assertEquals(taken + 1, r.row().runtimeId());
        }
    }

    /**
     * Issue 28: a row NoETL's servers use as a lease ({@code runtime->>'type' = 'server_control'}) is written by no
     * statement of the registry, nor locked by the registration, whether runtime is jsonb or JSON held as text.
     */
    @Test
    void noStatementWritesALeaseRow() throws Exception {
        for (String runtimeType : List.of("JSONB", "TEXT")) {
            db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "CREATE SCHEMA noetl",
                    CURRENT_NOETL_REGISTRY.replace("runtime JSONB", "runtime " + runtimeType),
                    "CREATE UNIQUE INDEX idx_runtime_kind_name ON noetl.runtime (kind, name)",
                    "INSERT INTO noetl.runtime (runtime_id, name, kind, uri, status, labels, runtime, heartbeat, "
                            + "created_at) VALUES (9, 'ctl', 'server_api', 'http://noetl:8082', 'ready', "
                            + "'[\"task:ctl\"]', '{\"type\": \"server_control\", \"owner_instance\": \"s0\"}', "
                            + "'2026-11-21 10:00:00+00', '2026-11-21 09:00:00+00')");
            String before = db.queryStrings("SELECT row_to_json(r)::text || xmin::text FROM noetl.runtime r").get(0);
            try (Connection c = db.connect()) {
                RegistryMapping m = mapping(c);
                for (Precedence precedence : Precedence.values()) {
                    RuntimeDeclaration d = new RuntimeDeclaration(ComponentType.SERVER_API, "ctl", "http://other:1",
                            "{\"a\": \"b\"}", "{\"x\": 1}", 2, "{\"type\": \"python\"}", precedence);
                    RuntimeRegistry.Observation seen = RuntimeRegistry.observe(c, m, d).orElseThrow();
                    assertTrue(seen.lease(), runtimeType);
                    assertFalse(seen.declaredDiffer(), runtimeType);
                    RuntimeRegistry.Registration r = RuntimeRegistry.register(c, m, d, () -> ids.next(1));
                    assertTrue(r.lease(), runtimeType);
                    assertFalse(r.declaredWritten(), runtimeType);
                    assertEquals(9, r.row().runtimeId());
                    assertTrue(RuntimeRegistry.markStaleOffline(c, m, d, Instant.parse("2026-11-22T00:00:00Z"))
                            .isEmpty(), runtimeType);
                    assertFalse(RuntimeRegistry.markOffline(c, m, d), runtimeType);
                    assertFalse(RuntimeRegistry.markOffline(c, m, d, Optional.of(9L)), runtimeType);
                    assertEquals(RuntimeRegistry.Removal.NOT_FOUND, RuntimeRegistry.delete(c, m, d, 9, true).getKey(),
                            runtimeType);
                }
            }
            assertEquals(before, db.queryStrings("SELECT row_to_json(r)::text || xmin::text FROM noetl.runtime r")
                    .get(0), runtimeType + ": the lease row is as NoETL wrote it, not even locked anew");
            assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.runtime r WHERE r.xmax::text <> '0'"), runtimeType
                    + ": no lock left on it either");
        }
    }

    @Test
    void marksOfflineOnlyWhileTheHeartbeatIsStillOld() throws Exception {
        seedRegistry();
        try (Connection c = db.connect()) {
            RegistryMapping m = mapping(c);
            RuntimeDeclaration d = worker(null, null, null);
            RuntimeRegistry.register(c, m, d, () -> ids.next(1));
            db.execute("UPDATE noetl.runtime SET last_heartbeat = '2026-11-21 10:00:00+00', status = 'busy'");
            // a heartbeat newer than the cut-off wins
            assertTrue(RuntimeRegistry.markStaleOffline(c, m, d, Instant.parse("2026-11-21T09:59:59Z")).isEmpty());
            assertEquals("busy", db.queryStrings("SELECT status FROM noetl.runtime").get(0));
            assertEquals("offline", RuntimeRegistry.markStaleOffline(c, m, d, Instant.parse("2026-11-21T10:05:00Z"))
                    .orElseThrow().status());
            assertFalse(RuntimeRegistry.markOffline(c, m, d), "already offline");
        }
    }

    /**
     * Issue 23, 3: a deletion acts on the id it holds, keeps a row metric rows reference unless asked to take them,
     * and never touches another row of the key.
     */
    @Test
    void deletingByIdKeepsReferencedRowsUnlessAskedAndTakesMetricsOnlyThen() throws Exception {
        seedRegistry();
        db.execute("CREATE TABLE noetl.metric (runtime_id bigint NOT NULL REFERENCES noetl.runtime "
                + "ON DELETE CASCADE, metric_name text)");
        try (Connection c = db.connect()) {
            RegistryMapping m = mapping(c);
            RuntimeDeclaration d = worker(null, null, null);
            long id = RuntimeRegistry.register(c, m, d, () -> ids.next(1)).row().runtimeId();
            RuntimeDeclaration other = new RuntimeDeclaration(ComponentType.BROKER, "b1", null, null, null, null,
                    null);
            long otherId = RuntimeRegistry.register(c, m, other, () -> ids.next(2)).row().runtimeId();
            assertNotEquals(id, otherId);
            db.execute("INSERT INTO noetl.metric SELECT " + id + ", 'cpu' FROM generate_series(1, 3)",
                    "INSERT INTO noetl.metric VALUES (" + otherId + ", 'cpu')");
            assertEquals(3, RuntimeRegistry.referencingRows(c, id, 10));
            assertEquals(2, RuntimeRegistry.referencingRows(c, id, 2), "counted up to the cap");
            // another id of the key: nothing
            assertEquals(Map.entry(RuntimeRegistry.Removal.NOT_FOUND, 0L), RuntimeRegistry.delete(c, m, d, otherId,
                    true));
            // referenced and not asked to take the metrics: kept, all of them
            assertEquals(Map.entry(RuntimeRegistry.Removal.REFERENCED, 3L), RuntimeRegistry.delete(c, m, d, id, false));
            assertEquals(4, db.queryLong("SELECT count(*) FROM noetl.metric"));
            assertEquals(2, db.queryLong("SELECT count(*) FROM noetl.runtime"));
            // asked: the row and its metrics go through the cascade, the other row's stay
            assertEquals(Map.entry(RuntimeRegistry.Removal.DELETED, 3L), RuntimeRegistry.delete(c, m, d, id, true));
            assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric"));
            assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.runtime"));
            assertTrue(c.getAutoCommit());
        }
    }

    @Test
    void aRegistryWithoutTheUniqueKeyOrARequiredColumnIsIncompatibleAndNamed() throws Exception {
        db.execute("CREATE SCHEMA noetl", "CREATE TABLE noetl.runtime (runtime_id bigint PRIMARY KEY, "
                + "name text NOT NULL, kind text NOT NULL, status text NOT NULL, heartbeat timestamptz)");
        try (Connection c = db.connect()) {
            RegistryShape shape = RuntimeRegistry.inspect(c);
            RegistryIncompatibleException e = assertThrows(RegistryIncompatibleException.class,
                    () -> RegistryMapping.choose("noetl.runtime", shape));
            assertTrue(e.getMessage().contains("unique index on (kind, name)"), e.getMessage());
        }
        db.execute("CREATE UNIQUE INDEX ON noetl.runtime (name, kind)", "ALTER TABLE noetl.runtime DROP COLUMN status");
        try (Connection c = db.connect()) {
            RegistryShape shape = RuntimeRegistry.inspect(c);
            RegistryIncompatibleException e = assertThrows(RegistryIncompatibleException.class,
                    () -> RegistryMapping.choose("noetl.runtime", shape));
            assertTrue(e.getMessage().contains("no column status"), e.getMessage());
        }
    }

    /** The instant a query's one timestamptz value holds, to the microsecond. */
    private static Instant micros(String query) {
        long us = db.queryLong("SELECT floor(extract(epoch FROM t) * 1000000)::bigint FROM (" + query + ") q(t)");
        return Instant.EPOCH.plus(us, java.time.temporal.ChronoUnit.MICROS);
    }

    /** Seed 000's example registry ({@link #SEED_REGISTRY}); bootstrap now makes NoETL's own. */
    private static void seedRegistry() throws SQLException {
        db.execute("CREATE SCHEMA IF NOT EXISTS noetl", SEED_REGISTRY);
    }
}
