package io.noetl.lifecycle.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.RuntimeComponentSpec;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.registry.plan.RuntimeComponentSettings;
import io.noetl.lifecycle.registry.plan.RuntimeIdGenerator;
import io.noetl.lifecycle.registry.postgres.RegistryCatalog;
import io.noetl.lifecycle.support.OsTool;
import io.noetl.lifecycle.support.PgBouncerServer;
import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The registry through a real PgBouncer in transaction pooling on the operator's pool (issue 22: 30 RuntimeComponents
 * behind PgBouncer, 12 of them failed with {@code prepared statement "S_n" already exists}). 1,000 components are
 * registered by the registrar the reconciler calls, from four threads at once as the reconciler's workers do, without
 * the API server (RuntimeComponentScaleTest runs the reconciler itself, directly on PostgreSQL); then a second client
 * of the pool finds every server connection as before.
 */
class PgBouncerRegistryTest {
    private static final int COMPONENTS = 1_000;
    private static TestDatabase db;
    private static PgBouncerServer pgbouncer;

    @BeforeAll
    static void start() {
        OsTool.PGBOUNCER.assumePresent("to run the tests through a transaction-pooling PgBouncer");
        db = TestDatabase.create("rtc_pgbouncer");
        pgbouncer = PgBouncerServer.start();
    }

    @AfterAll
    static void stop() {
        Teardown.close(pgbouncer, db);
    }

    private static RuntimeComponentSettings component(int i) throws Exception {
        RuntimeComponentSpec spec = new RuntimeComponentSpec();
        spec.setComponentType("worker_pool");
        spec.setName("worker-" + i);
        spec.setBaseUrl("http://worker-" + i + ".noetl:8080");
        spec.setCapacity(4);
        spec.setBootstrap(Bootstrap.IfMissing);
        return RuntimeComponentSettings.from(spec, "worker-" + i);
    }

    @Test
    void aThousandComponentsRegisterThroughPgBouncer() throws Exception {
        List<String> untouched = pgbouncer.secondClient(db.name());
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        DatabaseTarget target = new DatabaseTarget(pgbouncer.url(db.name()), TestDatabase.USER, TestDatabase.PASSWORD);
        DataSource pool = pools.acquire("rtc", target);
        ComponentRegistrar registrar = new ComponentRegistrar(new RegistryCatalog(Duration.ofMinutes(1)),
                new RuntimeIdGenerator(7), LockPolicy.from(StandaloneConfig.INSTANCE.ddl()), Clock.systemUTC());
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                done.add(workers.submit(() -> {
                    for (int i = first; i < COMPONENTS; i += 4) {
                        // twice: the second is the reconciler's next pass over a registered component
                        for (boolean known : List.of(false, true)) {
                            ComponentRegistrar.Outcome outcome = registrar.run(pool, target, component(i), Mode.APPLY,
                                    known, Instant.now());
                            if (outcome.row() == null) {
                                throw new AssertionError("worker-" + i + ": " + outcome.note());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            workers.shutdownNow();
            pools.release("rtc");
        }
        assertEquals(COMPONENTS, db.queryLong("SELECT count(*) FROM noetl.runtime"));
        assertEquals(untouched, pgbouncer.secondClient(db.name()), "a second client of the pool after the registry");
    }
}
