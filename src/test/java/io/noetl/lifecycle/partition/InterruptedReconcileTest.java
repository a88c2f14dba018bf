package io.noetl.lifecycle.partition;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's database connections are killed at random points while it works through a large plan, 20
 * times. It retries by itself; at every moment the catalog holds only complete partitions and every row, and
 * in the end a reconcile reaches Ready=True.
 */
@QuarkusTest
@WithApiServer("fault")
class InterruptedReconcileTest {
    private static TestDatabase db;

    ApiServerContext kube;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("fault_op");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @Test
    void killedConnectionsMidPlanLeaveOnlyCompletePartitionsAndTheNextReconcileFinishes() throws Exception {
        TestClockProducer.CLOCK.set(Instant.parse("2026-11-21T10:00:00Z"));
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "db", db);
        db.execute("CREATE SCHEMA noetl",
                "CREATE TABLE noetl.runtime (runtime_id bigint PRIMARY KEY)",
                "INSERT INTO noetl.runtime VALUES (1)",
                "CREATE TABLE noetl.metric (metric_id bigserial, runtime_id bigint NOT NULL REFERENCES noetl.runtime "
                        + "ON DELETE CASCADE, metric_name text NOT NULL, created_at timestamptz NOT NULL, "
                        + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)",
                "CREATE INDEX ON noetl.metric (metric_name)",
                "CREATE TABLE noetl.metric_default PARTITION OF noetl.metric DEFAULT",
                // 90 days back: an anchor partition; the days since hold rows only in the default partition
                "CREATE TABLE noetl.metric_2026_08_23 PARTITION OF noetl.metric FOR VALUES FROM ('2026-08-23 00:00+00') "
                        + "TO ('2026-08-24 00:00+00')",
                "INSERT INTO noetl.metric (runtime_id, metric_name, created_at) SELECT 1, 'cpu', "
                        + "timestamptz '2026-08-23 00:00+00' + (g % 2160) * interval '1 hour' FROM generate_series(1, 40000) g");
        long rows = db.queryLong("SELECT count(*) FROM noetl.metric");

        MetricRetentionPolicy policy = new MetricRetentionPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withName("big").withNamespace(kube.namespace()).build());
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setDatabase(KubeFixtures.databaseRef("db"));
        spec.setRetention("120d");
        spec.setPremake(300);
        spec.setBootstrap(Bootstrap.Never);
        policy.setSpec(spec);
        kube.admin().resource(policy).create();

        Random random = new Random(7);
        int hits = 0;
        for (int round = 0; round < 20; round++) {
            // wait until the operator is at work, then kill it at a random moment
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                    .until(() -> db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                            + "'noetl-lifecycle-operator' AND datname = current_database() AND state <> 'idle'") > 0
                            || isReady());
            if (isReady()) {
                break;
            }
            Thread.sleep(random.nextInt(40));
            hits += (int) db.queryLong("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                    + "application_name = 'noetl-lifecycle-operator' AND datname = current_database()");
            assertWhole(rows);
            // the failed pass is retried after lifecycle.maintenance.retry-after-failure
            TestClockProducer.CLOCK.advance(Duration.ofSeconds(3));
        }
        assertTrue(hits >= 10, "only " + hits + " connections were killed");

        TestClockProducer.CLOCK.advance(Duration.ofSeconds(3));
        KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), "big", MetricRetentionPolicy::getStatus,
                condition("Ready", "True", "Maintained"));
        assertWhole(rows);
        assertEquals(0, db.queryLong("SELECT count(*) FROM noetl.metric_default"));
        assertEquals(rows, db.queryLong("SELECT count(*) FROM noetl.metric"));
        KubeFixtures.deleteAll(kube.admin(), MetricRetentionPolicy.class, kube.namespace());
    }

    private boolean isReady() {
        MetricRetentionPolicy p = kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName("big").get();
        return p != null && p.getStatus() != null && condition("Ready", "True", "Maintained").test(p.getStatus());
    }

    /** No half-made partition, every partition with the parent's indexes, and no row lost. */
    private static void assertWhole(long rows) {
        assertEquals(rows, db.queryLong("SELECT count(*) FROM noetl.metric"), "rows lost");
        assertEquals(List.of(), db.queryStrings("SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON "
                + "n.oid = c.relnamespace WHERE n.nspname = 'noetl' AND c.relname LIKE 'metric\\_2%' "
                + "AND c.relkind = 'r' AND NOT c.relispartition"), "tables left half made");
        long parentIndexes = db.queryLong("SELECT count(*) FROM pg_index WHERE indrelid = 'noetl.metric'::regclass");
        assertEquals(List.of(), db.queryStrings("SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON "
                + "c.oid = i.inhrelid WHERE i.inhparent = 'noetl.metric'::regclass AND (SELECT count(*) FROM pg_index "
                + "x WHERE x.indrelid = c.oid) <> ?", parentIndexes), "partitions without the parent's indexes");
    }
}
