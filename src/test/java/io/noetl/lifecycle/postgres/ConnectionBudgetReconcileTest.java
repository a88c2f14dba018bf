package io.noetl.lifecycle.postgres;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.Condition;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole operator under a budget of 2 connections for the server, with policies over 5 databases of it, on the real
 * API server and PostgreSQL: the server never sees more than 2 of the operator's connections to those databases, and
 * every policy still completes its pass. Connections are counted by PostgreSQL ({@code pg_stat_activity}), sampled
 * all along, never by the operator's own books. The tables are NoETL's live {@code noetl.metric} shape, created by
 * the policies' own {@code bootstrap: IfMissing}, three to a database.
 *
 * <p>The connections are direct, not through the PgBouncer NoETL uses, on purpose: the budget is per host and port
 * the Secrets name, and a server reached directly is where the operator's connections count against
 * {@code max_connections}; behind a PgBouncer the same budget bounds the operator's client connections to it
 * (PgBouncerCommandTest and PgBouncerRegistryTest run the passes through one).
 */
@QuarkusTest
@TestProfile(ConnectionBudgetReconcileTest.BudgetOfTwo.class)
@WithApiServer("budget")
class ConnectionBudgetReconcileTest {
    private static final int DATABASES = 5;
    private static final int POLICIES_PER_DATABASE = 3;
    private static final List<TestDatabase> dbs = new ArrayList<>();
    /** Databases a test made for itself, dropped with the others. */
    private static final List<TestDatabase> fresh = new ArrayList<>();

    ApiServerContext kube;

    @Inject
    DatabasePools pools;

    /** A budget of two, a short report of a wait. */
    public static class BudgetOfTwo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lifecycle.pool.connections-per-server", "2", "lifecycle.pool.report-wait-after", "1s",
                    "lifecycle.pool.idle-timeout", "2s");
        }
    }

    @BeforeAll
    static void databases() {
        for (int i = 0; i < DATABASES; i++) {
            dbs.add(TestDatabase.create("budget_rc"));
        }
    }

    @AfterAll
    static void drop() {
        dbs.forEach(TestDatabase::close);
        dbs.clear();
        fresh.forEach(TestDatabase::close);
        fresh.clear();
    }

    private static long operatorConnections() {
        try (Connection c = DriverManager.getConnection(TestDatabase.url("postgres"), TestDatabase.USER,
                TestDatabase.PASSWORD); var ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE "
                        + "datname = ANY (?) AND application_name = 'noetl-lifecycle-operator'")) {
            ps.setArray(1, c.createArrayOf("text", dbs.stream().map(TestDatabase::name).toArray()));
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private MetricRetentionPolicy apply(String name, String secret, String table) {
        return KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                kube.namespace(), name, secret, s -> {
                    s.setTable(table);
                    s.setBootstrap(Bootstrap.IfMissing);
                });
    }

    @Test
    void withABudgetOfTwoAndFiveDatabasesNeverMoreThanTwoConnectionsAndEveryPolicyCompletes() throws Exception {
        AtomicLong peak = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(operatorConnections(), Math::max);
                samples.incrementAndGet();
            }
        });
        sampler.start();
        List<String> names = new ArrayList<>();
        try {
            for (int d = 0; d < DATABASES; d++) {
                KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "db-" + d, dbs.get(d));
                for (int p = 0; p < POLICIES_PER_DATABASE; p++) {
                    String name = "db" + d + "-metrics" + p;
                    apply(name, "db-" + d, "noetl.metric_" + p);
                    names.add(name);
                }
            }
            for (String name : names) {
                KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), name,
                        MetricRetentionPolicy::getStatus, condition("Ready", "True", "Maintained"));
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertTrue(samples.get() > 20, "the sampler ran all along: " + samples.get() + " samples");
        assertTrue(peak.get() >= 1, "the sampler saw the operator's connections");
        assertTrue(peak.get() <= 2, "never more than the budget of 2; the server saw " + peak.get());
        for (TestDatabase db : dbs) {
            for (int p = 0; p < POLICIES_PER_DATABASE; p++) {
                assertTrue(db.queryLong("SELECT count(*) FROM pg_inherits WHERE inhparent = 'noetl.metric_" + p
                        + "'::regclass") > 0, "partitions made in " + db.name());
            }
        }
        // nothing held between passes: the idle connections close after the idle timeout (2 s here)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> operatorConnections() == 0);
    }

    @Test
    void aPassWaitingForTheBudgetShowsWaitingAndLosesItOnceItHasRun() throws Exception {
        // a database no pass has used yet: before its pass the operator reads which database it is, through the
        // budget too, and that wait shows as well (it once waited without a word)
        TestDatabase db = TestDatabase.create("budget_waits");
        fresh.add(db);
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "held-db", db);
        Lease held = pools.lease("the-test", dbs.get(0).target(), 2, "test", ServerBudget.WaitListener.NONE);
        try {
            apply("waits", "held-db", "noetl.metric_waits");
            MetricRetentionPolicy waiting = KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class,
                    kube.namespace(), "waits", MetricRetentionPolicy::getStatus, condition("Waiting", "True",
                            "ConnectionBudget"));
            Condition c = waiting.getStatus().getConditions().stream().filter(x -> "Waiting".equals(x.getType()))
                    .findFirst().orElseThrow();
            assertTrue(c.getMessage().contains("0 passes ahead") && c.getMessage().contains("connections to"),
                    c.getMessage());
        } finally {
            held.close();
        }
        MetricRetentionPolicy ran = KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(),
                "waits", MetricRetentionPolicy::getStatus, s -> condition("Ready", "True", "Maintained").test(s)
                        && noWaiting(s));
        assertEquals(List.of(), ran.getStatus().getConditions().stream().map(Condition::getType)
                .filter("Waiting"::equals).toList());
        // the operator wrote Waiting without reading the policy from the server first (its informer has it): a read
        // per waiting pass is a request per policy in a burst, for nothing the patch needs
        List<ApiServer.AuditedRequest> ofWaits = kube.server().requestsOf(kube.operator().user()).stream()
                .filter(r -> "metricretentionpolicies".equals(r.resource()) && r.uri().contains("waits")).toList();
        assertTrue(ofWaits.stream().anyMatch(r -> "patch".equals(r.verb()) && "status".equals(r.subresource())),
                String.valueOf(ofWaits));
        assertEquals(List.of(), ofWaits.stream().filter(r -> "get".equals(r.verb()) || "list".equals(r.verb()))
                .toList());
    }

    private static boolean noWaiting(LifecycleStatus s) {
        return s.getConditions() != null && s.getConditions().stream().noneMatch(c -> "Waiting".equals(c.getType()));
    }
}
