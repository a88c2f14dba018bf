package io.noetl.lifecycle.metric;

import static io.noetl.lifecycle.support.KubeFixtures.condition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.ConditionStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.PendingRetirementRef;
import io.noetl.lifecycle.partition.PartitionVerdict;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.KubeFixtures;
import io.noetl.lifecycle.support.MetricsScrape;
import io.noetl.lifecycle.support.TestClockProducer;
import io.noetl.lifecycle.support.TestDatabase;
import io.noetl.lifecycle.support.WithApiServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MetricRetentionPolicy reconciler against a real kube-apiserver and a real PostgreSQL, over a direct connection.
 * Most tests keep the seed's example table (created as a DBA would, {@link #createMetricTableWithDays}): they pin the
 * partition lifecycle and the status, which do not depend on the table's columns; NoETL's live {@code noetl.metric}
 * is kept by {@code bootstrapsAnEmptyDatabaseAndKeepsTodayAndSevenDaysAhead} ({@code bootstrap: IfMissing}) and by
 * the live-table classes (SamplesOnLiveTableTest, HistoryPaceLiveTest); the path through PgBouncer by
 * PgBouncerCommandTest. The status-write test (a watch on every stored version) is about the API server, not the table.
 */
@QuarkusTest
@WithApiServer("mrp")
class MetricRetentionPolicyReconcilerTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static TestDatabase db;

    ApiServerContext kube;

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("mrp_it");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void setUp() {
        TestClockProducer.CLOCK.set(NOW);
        db.execute("DROP SCHEMA IF EXISTS noetl CASCADE", "DROP SCHEMA IF EXISTS archive CASCADE");
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "metrics-db", db);
    }

    @AfterEach
    void tearDown() {
        KubeFixtures.deleteAll(kube.admin(), MetricRetentionPolicy.class, kube.namespace());
    }

    private MetricRetentionPolicy apply(String name, Consumer<MetricRetentionPolicySpec> customize) {
        return KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(), kube.namespace(), name, "metrics-db", customize);
    }

    private MetricRetentionPolicy awaitStatus(String name, Predicate<io.noetl.lifecycle.api.LifecycleStatus> check) {
        return KubeFixtures.await(kube.admin(), MetricRetentionPolicy.class, kube.namespace(), name, MetricRetentionPolicy::getStatus,
                check);
    }

    private static Predicate<io.noetl.lifecycle.api.LifecycleStatus> maintainedWith(int partitions) {
        return s -> condition("Ready", "True", "Maintained").test(s)
                && ((MetricRetentionPolicyStatus) s).getPartitionCount() == partitions;
    }

    private static List<String> days(String... days) {
        return List.of(days).stream().map(d -> "metric_2026_" + d).sorted().toList();
    }

    /** The seed's table, created the way a DBA would, with daily partitions for the given days of 2026-11. */
    private void createMetricTableWithDays(int... days) {
        createMetricTable();
        for (int d : days) {
            addDay(LocalDate.of(2026, 11, d));
        }
    }

    /** The seed's table with {@code count} daily partitions from {@code first} on, 100 rows each. */
    private void createMetricTableWithDays(LocalDate first, int count) {
        createMetricTable();
        for (int i = 0; i < count; i++) {
            addDay(first.plusDays(i));
        }
    }

    private void createMetricTable() {
        db.execute("CREATE SCHEMA noetl",
                "CREATE TABLE noetl.runtime (runtime_id bigint PRIMARY KEY, name text NOT NULL, "
                        + "component_type text NOT NULL, status text NOT NULL DEFAULT 'ready')",
                "INSERT INTO noetl.runtime VALUES (1, 'w1', 'worker_pool', 'ready')",
                "CREATE TABLE noetl.metric (metric_id bigserial, runtime_id bigint NOT NULL REFERENCES noetl.runtime "
                        + "ON DELETE CASCADE, metric_name text NOT NULL, metric_value double precision NOT NULL, "
                        + "created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (metric_id, created_at)) "
                        + "PARTITION BY RANGE (created_at)");
    }

    private void addDay(LocalDate day) {
        String from = day.toString();
        String to = day.plusDays(1).toString();
        db.execute(String.format("CREATE TABLE noetl.metric_%s PARTITION OF noetl.metric "
                + "FOR VALUES FROM ('%s 00:00+00') TO ('%s 00:00+00')", from.replace('-', '_'), from, to),
                String.format("INSERT INTO noetl.metric (runtime_id, metric_name, metric_value, created_at) "
                        + "SELECT 1, 'cpu', g, '%s 12:00+00'::timestamptz FROM generate_series(1, 100) g", from));
    }

    @jakarta.inject.Inject
    MetricRetentionPolicyReconciler reconciler;

    @Test
    void theSecretCacheHoldsTheDataOfNamedSecretsOnly() {
        // another application's Secret in the same namespace (issue 23, 13): the operator watches it, keeps no data.
        // The real API server; the tables are this class's stand-ins (not NoETL's live DDL): only the Secret cache is
        // under test, and a pass that reaches Ready proves the Secret was read
        kube.admin().secrets().inNamespace(kube.namespace()).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName("someone-elses").endMetadata()
                .withStringData(java.util.Map.of("password", "not-for-the-operator")).build()).create();
        createMetricTableWithDays(20, 21);
        apply("named", s -> s.setPremake(0));
        awaitStatus("named", maintainedWith(2));

        io.javaoperatorsdk.operator.processing.event.ResourceID other =
                new io.javaoperatorsdk.operator.processing.event.ResourceID("someone-elses", kube.namespace());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> reconciler.cachedSecret(other).isPresent());
        io.fabric8.kubernetes.api.model.Secret cached = reconciler.cachedSecret(other).get();
        assertNull(cached.getData(), "the data of a Secret no policy names is cached");
        assertNull(cached.getStringData());
        // the Secret the policy names is held whole (read once from the API server if it came before the policy)
        io.fabric8.kubernetes.api.model.Secret named = reconciler.cachedSecret(
                new io.javaoperatorsdk.operator.processing.event.ResourceID("metrics-db", kube.namespace())).get();
        assertTrue(named.getData() != null && named.getData().containsKey("url"), String.valueOf(named.getData()));

        // a database Secret no policy names yet is withheld too; a policy that comes to name it reads it whole
        KubeFixtures.databaseSecret(kube.admin(), kube.namespace(), "late-db", db);
        io.javaoperatorsdk.operator.processing.event.ResourceID lateDb =
                new io.javaoperatorsdk.operator.processing.event.ResourceID("late-db", kube.namespace());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> reconciler.cachedSecret(lateDb).isPresent());
        assertNull(reconciler.cachedSecret(lateDb).get().getData());
        db.execute("CREATE TABLE noetl.other (metric_id bigserial, metric_name text NOT NULL, "
                + "metric_value double precision NOT NULL, created_at timestamptz NOT NULL, "
                + "PRIMARY KEY (metric_id, created_at)) PARTITION BY RANGE (created_at)",
                "CREATE TABLE noetl.other_2026_11_21 PARTITION OF noetl.other "
                        + "FOR VALUES FROM ('2026-11-21 00:00+00') TO ('2026-11-22 00:00+00')");
        KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                kube.namespace(), "late", "late-db", s -> {
                    s.setTable("noetl.other");
                    s.setPremake(0);
                });
        awaitStatus("late", condition("Ready", "True", "Maintained"));
        assertTrue(reconciler.cachedSecret(lateDb).get().getData().containsKey("url"));
    }

    @Test
    void bootstrapsAnEmptyDatabaseAndKeepsTodayAndSevenDaysAhead() {
        // the kind's counters and histograms count every policy's passes: this test's are what they gain
        String kind = "{kind=\"MetricRetentionPolicy\"}";
        String before = MetricsScrape.scrape(metricsUrl);
        apply("bootstrap", s -> s.setBootstrap(Bootstrap.IfMissing));
        MetricRetentionPolicy p = awaitStatus("bootstrap", maintainedWith(8));

        assertEquals(days("11_21", "11_22", "11_23", "11_24", "11_25", "11_26", "11_27", "11_28"),
                db.partitions("noetl.metric"));
        MetricRetentionPolicyStatus status = p.getStatus();
        assertEquals(db.queryLong("SELECT count(*) FROM noetl.metric_partitions"), (long) status.getPartitionCount());
        assertEquals(db.queryLong("SELECT sum(total_bytes) FROM noetl.metric_partitions"), (long) status.getTotalBytes());
        assertEquals("metric_2026_11_21", status.getOldest().getName());
        // NoETL's created_at is a timestamp without time zone: bounds are shown as its wall-clock values
        assertEquals("2026-11-21T00:00", status.getOldest().getFrom());
        assertEquals("metric_2026_11_28", status.getNewest().getName());
        assertEquals("2026-11-29T00:00", status.getNewest().getTo());
        assertEquals("2026-11-29T00:00", status.getCoveredUntil());
        assertEquals(0, (int) status.getGapCount());
        assertEquals(8, status.getLastMaintenance().getCreated().size());
        assertEquals(ConditionStatus.False, status.condition("Degraded").orElseThrow().getStatus());
        assertNotNull(status.getNextMaintenanceAt());
        // NoETL's registry and indexes came with it, and the table NoETL's server writes into
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'runtime'"));
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_metric_labels'"));
        assertEquals("timestamp without time zone", db.queryStrings("SELECT format_type(atttypid, atttypmod) FROM "
                + "pg_attribute WHERE attrelid = 'noetl.metric'::regclass AND attname = 'created_at'").get(0));
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'noetl.metric'::regclass "
                + "AND attname = 'timestamp'"));
        // partitions created by the operator inherit the parent's indexes
        assertTrue(db.queryLong("SELECT count(*) FROM pg_indexes WHERE tablename = 'metric_2026_11_25'") >= 6);

        // the Prometheus endpoint shows the same numbers
        String series = "{kind=\"MetricRetentionPolicy\",name=\"bootstrap\",namespace=\"" + kube.namespace()
                + "\",table=\"noetl.metric\"}";
        String metrics = MetricsScrape.scrape(metricsUrl);
        assertEquals(8.0, MetricsScrape.sample(metrics, "lifecycle_partitions" + series));
        assertEquals(8.0, MetricsScrape.sample(metrics, "lifecycle_partitions_created_total" + kind)
                - MetricsScrape.sampleOrZero(before, "lifecycle_partitions_created_total" + kind));
        assertEquals((double) status.getTotalBytes(), MetricsScrape.sample(metrics, "lifecycle_partitions_bytes" + series));
        String scope = "{kind=\"MetricRetentionPolicy\",namespace=\"" + kube.namespace() + "\"";
        assertEquals(0.0, MetricsScrape.sample(metrics, "lifecycle_default_partition_rows" + scope + "}"));
        assertEquals(1.0, MetricsScrape.sample(metrics, "lifecycle_conditions" + scope
                + ",reason=\"Maintained\",status=\"True\",type=\"Ready\"}"));
        assertEquals(1.0, MetricsScrape.sample(metrics, "lifecycle_conditions" + scope
                + ",reason=\"AsExpected\",status=\"False\",type=\"Degraded\"}"));
        // covered until the 29th: 7 days and 14 hours after now
        assertEquals(7 * 86400 + 14 * 3600.0, MetricsScrape.sample(metrics, "lifecycle_coverage_ahead_seconds" + series));
        assertEquals((double) NOW.getEpochSecond(), MetricsScrape.sample(metrics, "lifecycle_last_success_timestamp_seconds" + series));
        assertTrue(MetricsScrape.sample(metrics, "lifecycle_maintenance_duration_seconds_count" + kind)
                - MetricsScrape.sampleOrZero(before, "lifecycle_maintenance_duration_seconds_count" + kind) >= 1.0);
        assertFalse(metrics.contains("password"));
    }

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    @Test
    void dropsPartitionsExactlyWhenTheirUpperBoundPassesRetentionAndKeepsTheRest() {
        createMetricTableWithDays(17, 18, 19, 20, 21);
        apply("retention", s -> {
            s.setRetention("2d");
            s.setPremake(1);
        });
        // now 21st 10:00, cutoff 19th 10:00: the 17th and 18th end at or before it
        awaitStatus("retention", maintainedWith(4));
        assertEquals(days("11_19", "11_20", "11_21", "11_22"), db.partitions("noetl.metric"));
        assertEquals(300, db.queryLong("SELECT count(*) FROM noetl.metric"));

        // one second before the 19th's upper bound passes the cutoff nothing more goes
        TestClockProducer.CLOCK.set(Instant.parse("2026-11-21T23:59:59Z"));
        touch("retention");
        awaitStatus("retention", s -> "2026-11-21T23:59:59Z".compareTo(lastMaintenance(s)) <= 0);
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_19"));
        assertEquals(300, db.queryLong("SELECT count(*) FROM noetl.metric"));

        // exactly at the boundary the 19th expires; the boundary also brings the 23rd ahead
        TestClockProducer.CLOCK.set(Instant.parse("2026-11-22T00:00:00Z"));
        awaitStatus("retention", s -> !((MetricRetentionPolicyStatus) s).getOldest().getName()
                .equals("metric_2026_11_19"));
        assertEquals(days("11_20", "11_21", "11_22", "11_23"), db.partitions("noetl.metric"));
        assertEquals(200, db.queryLong("SELECT count(*) FROM noetl.metric"));
        assertEquals(100, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_20"));
        // each drop is named in a Kubernetes Event on the policy (one DropPartition Event a pass)
        org.awaitility.Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> kube.admin().v1().events().inNamespace(kube.namespace())
                .list().getItems().stream().anyMatch(e -> "DropPartition".equals(e.getReason())
                        && "retention".equals(e.getInvolvedObject().getName())
                        && e.getMessage().contains("metric_2026_11_19: past retention")));
    }

    private static String lastMaintenance(io.noetl.lifecycle.api.LifecycleStatus s) {
        var m = ((MetricRetentionPolicyStatus) s).getLastMaintenance();
        return m == null ? "" : m.getStartedAt();
    }

    /** A spec change the policy does not care about, to make the operator reconcile now. */
    private void touch(String name) {
        MetricRetentionPolicy p = kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName(name).get();
        p.getSpec().setMaintenanceInterval(p.getSpec().getMaintenanceInterval().equals("10m") ? "11m" : "10m");
        KubeFixtures.updateSpec(kube.admin(), p);
    }

    @Test
    void raisingPremakeCreatesMorePartitionsAndAGapIsFilled() {
        createMetricTableWithDays(19, 21);
        apply("premake", s -> {
            s.setRetention("7d");
            s.setPremake(1);
        });
        awaitStatus("premake", maintainedWith(4));
        assertEquals(days("11_19", "11_20", "11_21", "11_22"), db.partitions("noetl.metric"));

        MetricRetentionPolicy p = kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName("premake").get();
        p.getSpec().setPremake(3);
        KubeFixtures.updateSpec(kube.admin(), p);
        awaitStatus("premake", maintainedWith(6));
        assertEquals(days("11_19", "11_20", "11_21", "11_22", "11_23", "11_24"), db.partitions("noetl.metric"));
        assertEquals(200, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }

    @Test
    void dryRunPublishesThePlanAndSuspendObservesWithoutChangingAnything() {
        createMetricTableWithDays(10, 21);
        apply("dry", s -> {
            s.setDryRun(true);
            s.setRetention("2d");
            s.setPremake(2);
        });
        MetricRetentionPolicy p = awaitStatus("dry", condition("Ready", "True", "DryRun"));
        assertEquals(3, (int) p.getStatus().getPlannedActionCount());
        assertEquals(List.of("CreatePartition metric_2026_11_22", "CreatePartition metric_2026_11_23",
                "DropPartition metric_2026_11_10"), p.getStatus().getPlannedActions().stream()
                .map(a -> a.getAction() + " " + a.getPartition()).toList());
        assertEquals(days("11_10", "11_21"), db.partitions("noetl.metric"));
        assertEquals(200, db.queryLong("SELECT count(*) FROM noetl.metric"));

        p.getSpec().setDryRun(false);
        p.getSpec().setSuspend(true);
        KubeFixtures.updateSpec(kube.admin(), p);
        p = awaitStatus("dry", condition("Ready", "True", "Suspended"));
        assertEquals(3, (int) p.getStatus().getPlannedActionCount());
        assertEquals(days("11_10", "11_21"), db.partitions("noetl.metric"));
        assertEquals(2, (int) p.getStatus().getPartitionCount());
    }

    @Test
    void anUnreachableDatabaseIsReportedWithoutCredentialsAndRecoversOnceTheSecretIsFixed() {
        createMetricTableWithDays(21);
        // trust authentication here accepts any password, so the credentials are wrong by user name
        KubeFixtures.secret(kube.admin(), kube.namespace(), "bad-db", db.url(), "no_such_role", "s3cret-Passw0rd");
        apply("unreachable", s -> s.setDatabase(KubeFixtures.databaseRef("bad-db")));
        MetricRetentionPolicy p = awaitStatus("unreachable", condition("Ready", "False", "DatabaseUnreachable"));
        String message = p.getStatus().condition("Ready").orElseThrow().getMessage();
        assertFalse(message.contains("s3cret-Passw0rd"), message);
        assertTrue(message.contains("no_such_role"), message);

        KubeFixtures.secret(kube.admin(), kube.namespace(), "bad-db", "jdbc:postgresql://127.0.0.1:1/" + db.name(), TestDatabase.USER,
                "s3cret-Passw0rd");
        p = awaitStatus("unreachable", s -> s.condition("Ready").map(c -> c.getMessage().contains("refused")
                || c.getMessage().contains("127.0.0.1:1")).orElse(false));
        message = p.getStatus().condition("Ready").orElseThrow().getMessage();
        assertEquals("DatabaseUnreachable", p.getStatus().condition("Ready").orElseThrow().getReason());
        assertFalse(message.contains("s3cret-Passw0rd"), message);

        KubeFixtures.secret(kube.admin(), kube.namespace(), "bad-db", db.url(), TestDatabase.USER, TestDatabase.PASSWORD);
        awaitStatus("unreachable", maintainedWith(8));
    }

    @Test
    void aTableThatIsNotPartitionedOrMissingIsReportedAndNothingIsCreated() {
        apply("missing", s -> s.setBootstrap(Bootstrap.Never));
        awaitStatus("missing", condition("Ready", "False", "TableMissing"));
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'noetl'"));

        db.execute("CREATE SCHEMA noetl", "CREATE TABLE noetl.metric (created_at timestamptz NOT NULL)");
        touch("missing");
        awaitStatus("missing", condition("Ready", "False", "NotPartitioned"));
        assertEquals(1, db.queryLong("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'noetl'"));
    }

    @Test
    void aPlainTableHoldingTheNeededNameIsWorkedAroundAndReported() {
        createMetricTableWithDays(20);
        db.execute("CREATE TABLE noetl.metric_2026_11_21 (note text)", "INSERT INTO noetl.metric_2026_11_21 VALUES ('keep')");
        apply("collision", s -> s.setPremake(0));
        MetricRetentionPolicy p = awaitStatus("collision", s -> condition("Ready", "True", "Maintained").test(s)
                && condition("Degraded", "True", "NameCollision").test(s));
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_21_1"));
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_21"));
        String message = p.getStatus().condition("Degraded").orElseThrow().getMessage();
        assertTrue(message.contains("metric_2026_11_21"), message);
        // the partition under the other name takes today's rows
        db.execute("INSERT INTO noetl.metric (runtime_id, metric_name, metric_value, created_at) "
                + "VALUES (1, 'cpu', 1, '2026-11-21 11:00+00')");
        assertEquals(1, db.queryLong("SELECT count(*) FROM noetl.metric_2026_11_21_1"));
    }

    @Test
    void twoPoliciesOnOneTableBothReportTheConflictAndNothingIsDropped() {
        createMetricTableWithDays(10, 21);
        // suspended until the second exists, so the first cannot drop anything before the conflict starts
        apply("first", s -> {
            s.setRetention("2d");
            s.setSuspend(true);
        });
        // the second reaches the same database through another Secret and URL spelling
        KubeFixtures.secret(kube.admin(), kube.namespace(), "same-db", db.url() + "?ApplicationName=other", TestDatabase.USER,
                TestDatabase.PASSWORD);
        apply("second", s -> {
            s.setDatabase(KubeFixtures.databaseRef("same-db"));
            s.setRetention("1d");
        });
        awaitStatus("second", condition("Ready", "False", "ConflictingPolicy"));
        MetricRetentionPolicy resumed = kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName("first")
                .get();
        resumed.getSpec().setSuspend(false);
        KubeFixtures.updateSpec(kube.admin(), resumed);
        MetricRetentionPolicy first = awaitStatus("first", s -> condition("Degraded", "True", "ConflictingPolicy")
                .test(s) && ((MetricRetentionPolicyStatus) s).getLastMaintenance() != null);
        MetricRetentionPolicy second = awaitStatus("second", condition("Ready", "False", "ConflictingPolicy"));
        assertTrue(first.getStatus().condition("Degraded").orElseThrow().getMessage().contains("second"));
        assertTrue(second.getStatus().condition("Ready").orElseThrow().getMessage().contains("first"));
        // the oldest keeps partitions coming but neither retires anything
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_10"));
        assertTrue(db.partitions("noetl.metric").contains("metric_2026_11_28"));
        assertEquals(200, db.queryLong("SELECT count(*) FROM noetl.metric"));

        kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace()).withName("second").delete();
        touch("first");
        awaitStatus("first", s -> !db.partitions("noetl.metric").contains("metric_2026_11_10"));
    }

    @Test
    void anInvalidSpecIsReportedNamingTheFieldAndTouchesNothing() {
        // what the CRD's schema can say, the API server refuses at apply time
        KubernetesClientException refused = assertThrows(KubernetesClientException.class,
                () -> apply("refused", s -> s.setInterval("2d")));
        assertEquals(422, refused.getCode());
        assertTrue(refused.getMessage().contains("spec.interval"), refused.getMessage());

        // what only the operator can judge (a zone name of the right shape that does not exist) is InvalidSpec
        apply("invalid", s -> {
            s.setBootstrap(Bootstrap.IfMissing);
            s.setTimeZone("Mars/Olympus_Mons");
        });
        MetricRetentionPolicy p = awaitStatus("invalid", condition("Ready", "False", "InvalidSpec"));
        assertTrue(p.getStatus().condition("Ready").orElseThrow().getMessage().startsWith("spec.timeZone:"),
                p.getStatus().condition("Ready").orElseThrow().getMessage());
        assertEquals(0, db.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'noetl'"));
        // the operator reported it and left the spec as written (no reset to the default zone)
        assertEquals("Mars/Olympus_Mons", kube.admin().resources(MetricRetentionPolicy.class)
                .inNamespace(kube.namespace()).withName("invalid").get().getSpec().getTimeZone());

        p.getSpec().setTimeZone("UTC");
        KubeFixtures.updateSpec(kube.admin(), p);
        awaitStatus("invalid", maintainedWith(8));
    }

    private MetricRetentionPolicyStatus statusOf(MetricRetentionPolicy p) {
        return p.getStatus();
    }

    /**
     * Issue 23, 2: a Secret URL with an unencoded '%' in its password made the JDK's URI parser throw a message that
     * quoted the whole URL, which reached the status and a Warning Event. Now the status, the Event and the operator
     * say where the URL is malformed and never what it holds.
     */
    @Test
    void aMalformedSecretUrlNeverPutsItsPasswordInStatusOrEvents() {
        String password = "s3cr%zzEt^x";
        KubeFixtures.secret(kube.admin(), kube.namespace(), "leaky-db", "postgresql://noetl:" + password
                + "@db.example:5432/noetl", "", "");
        KubeFixtures.apply(kube.admin(), new MetricRetentionPolicy(), new MetricRetentionPolicySpec(),
                kube.namespace(), "leaky", "leaky-db", s -> {
                });
        MetricRetentionPolicy p = awaitStatus("leaky", condition("Ready", "False", "SecretInvalid"));
        String message = p.getStatus().condition("Ready").orElseThrow().getMessage();
        assertTrue(message.contains("not a valid URI") && message.contains("percent-encoded"), message);
        List<io.fabric8.kubernetes.api.model.Event> events = events("leaky", "SecretInvalid", 1);
        String all = message + new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(p.getStatus())
                + events.stream().map(e -> e.getMessage()).toList();
        for (String part : List.of(password, "s3cr", "zzEt", "db.example:5432/noetl")) {
            assertTrue(!all.contains(part), "'" + part + "' reached status or an Event: " + all);
        }
    }

    /** The Events recorded on {@code name} with this reason, once at least {@code count} of them are there. */
    private List<io.fabric8.kubernetes.api.model.Event> events(String name, String reason, int count) {
        List<io.fabric8.kubernetes.api.model.Event> found = new java.util.ArrayList<>();
        org.awaitility.Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> {
            found.clear();
            found.addAll(KubeFixtures.eventsAbout(kube.admin(), kube.namespace(), name, reason));
            return found.size() >= count;
        });
        return found;
    }

    /**
     * Moves the clock to {@code at}, which a due pass then runs at, and waits for that pass's status. A pass that read
     * the clock before the move and the database after it sees the jump as clock skew and retires nothing; the pass
     * after it (due at once: its schedule followed the old time) is the one at {@code at}.
     */
    private MetricRetentionPolicy passAt(String name, String at) {
        TestClockProducer.CLOCK.set(Instant.parse(at));
        return awaitStatus(name, s -> at.compareTo(lastMaintenance(s)) <= 0
                && !condition("Degraded", "True", "ClockSkew").test(s));
    }

    private void setRetention(String name, String retention) {
        MetricRetentionPolicy p = kube.admin().resources(MetricRetentionPolicy.class).inNamespace(kube.namespace())
                .withName(name).get();
        p.getSpec().setRetention(retention);
        KubeFixtures.updateSpec(kube.admin(), p);
    }

    @Test
    void aShortenedRetentionRetiresNothingUntilItsGraceHasPassedThenAtMostMaxRetirementsPerPassAPass() {
        // 30 daily partitions, 2026-10-22 .. 11-20; now is the 21st, 10:00
        createMetricTableWithDays(LocalDate.of(2026, 10, 22), 30);
        apply("shorten", s -> {
            s.setRetention("30d");
            s.setPremake(1);
            s.setMaxRetirementsPerPass(10);
        });
        MetricRetentionPolicyStatus st = statusOf(awaitStatus("shorten", maintainedWith(32)));
        assertEquals("30d", st.getRetention().getInForce());
        assertEquals(null, st.getRetention().getShortenedTo());
        assertEquals(0, (int) st.getPendingRetirementCount());

        // retention shortened from 30d to 1d (as by a commit): 29 partitions expire under it, none is retired yet
        setRetention("shorten", "1d");
        st = statusOf(awaitStatus("shorten", s -> ((MetricRetentionPolicyStatus) s).getRetention() != null
                && ((MetricRetentionPolicyStatus) s).getRetention().getShortenedTo() != null));
        assertEquals("30d", st.getRetention().getInForce());
        assertEquals("1d", st.getRetention().getShortenedTo());
        assertEquals("2026-11-21T10:00:00Z", st.getRetention().getSeenAt());
        assertEquals("2026-11-21T11:00:00Z", st.getRetention().getEffectiveAt());
        assertEquals(29, (int) st.getPendingRetirementCount());
        PendingRetirementRef oldest = st.getPendingRetirements().get(0);
        assertEquals("metric_2026_10_22", oldest.getName());
        assertEquals("retentionChangeGrace", oldest.getHeldBy());
        assertEquals("2026-11-21T11:00:00Z", oldest.getAt());
        assertTrue(condition("Degraded", "True", "RetirementsDeferred").test(st), st.getConditions().toString());
        assertTrue(condition("Ready", "True", "Maintained").test(st));
        assertEquals(32, db.partitions("noetl.metric").size());
        assertEquals(3000, db.queryLong("SELECT count(*) FROM noetl.metric"));
        String seen = events("shorten", PartitionVerdict.RETENTION_SHORTENED, 1).get(0).getMessage();
        assertTrue(seen.contains("29 partitions") && seen.contains("kept until 2026-11-21T11:00:00Z"), seen);
        assertEquals("Warning", events("shorten", PartitionVerdict.RETENTION_SHORTENED, 1).get(0).getType());

        // half-way through the grace a pass still retires nothing
        st = statusOf(passAt("shorten", "2026-11-21T10:30:00Z"));
        assertEquals(32, db.partitions("noetl.metric").size());
        assertEquals(29, (int) st.getPendingRetirementCount());
        assertEquals("2026-11-21T10:00:00Z", st.getRetention().getSeenAt());
        assertEquals(List.of(), st.getLastMaintenance().getDropped());

        // the grace has passed: 1d is in force, the oldest 10 go, 19 wait for the next passes
        st = statusOf(passAt("shorten", "2026-11-21T11:00:00Z"));
        assertEquals("1d", st.getRetention().getInForce());
        assertEquals(null, st.getRetention().getShortenedTo());
        assertEquals(List.of("metric_2026_10_22", "metric_2026_10_23", "metric_2026_10_24", "metric_2026_10_25",
                "metric_2026_10_26", "metric_2026_10_27", "metric_2026_10_28", "metric_2026_10_29",
                "metric_2026_10_30", "metric_2026_10_31"), st.getLastMaintenance().getDropped());
        assertEquals(22, db.partitions("noetl.metric").size());
        assertEquals(19, (int) st.getPendingRetirementCount());
        assertEquals("metric_2026_11_01", st.getPendingRetirements().get(0).getName());
        assertEquals("maxRetirementsPerPass", st.getPendingRetirements().get(0).getHeldBy());
        assertTrue(condition("Degraded", "True", "RetirementsDeferred").test(st), st.getConditions().toString());
        String inForce = events("shorten", PartitionVerdict.RETENTION_CHANGE_IN_FORCE, 1).get(0).getMessage();
        assertTrue(inForce.contains("29 partitions are past it, retired 10 a pass"), inForce);
        assertTrue(events("shorten", "RetirementsDeferred", 1).get(0).getMessage().startsWith("10 retired in this "
                + "pass, 19 more"));

        // the next pass takes the next 10, the one after the last 9
        st = statusOf(passAt("shorten", "2026-11-21T11:10:00Z"));
        assertEquals(10, st.getLastMaintenance().getDropped().size());
        assertEquals("metric_2026_11_01", st.getLastMaintenance().getDropped().get(0));
        assertEquals(12, db.partitions("noetl.metric").size());
        assertEquals(9, (int) st.getPendingRetirementCount());
        st = statusOf(passAt("shorten", "2026-11-21T11:20:00Z"));
        assertEquals(9, st.getLastMaintenance().getDropped().size());
        assertEquals(List.of("metric_2026_11_20", "metric_2026_11_21", "metric_2026_11_22"),
                db.partitions("noetl.metric"));
        assertEquals(100, db.queryLong("SELECT count(*) FROM noetl.metric"));
        assertEquals(0, (int) st.getPendingRetirementCount());
        assertTrue(condition("Degraded", "False", "AsExpected").test(st), st.getConditions().toString());
        // one DropPartition Event a pass (10, 10, 9), naming every partition it dropped
        List<io.fabric8.kubernetes.api.model.Event> drops = events("shorten", "DropPartition", 3);
        assertEquals(3, drops.size());
        assertEquals(29, drops.stream().mapToLong(e -> java.util.regex.Pattern.compile("metric_2026_\\d\\d_\\d\\d")
                .matcher(e.getMessage()).results().count()).sum(), drops.stream().map(e -> e.getMessage()).toList()
                        .toString());
        assertEquals(2, events("shorten", "RetirementsDeferred", 2).size());
    }

    @Test
    void settingAShortenedRetentionBackWithinItsGraceRetiresNothing() {
        createMetricTableWithDays(LocalDate.of(2026, 10, 22), 30);
        apply("revert", s -> {
            s.setRetention("30d");
            s.setPremake(1);
        });
        awaitStatus("revert", maintainedWith(32));
        setRetention("revert", "1d");
        awaitStatus("revert", s -> ((MetricRetentionPolicyStatus) s).getRetention() != null
                && ((MetricRetentionPolicyStatus) s).getRetention().getShortenedTo() != null);

        TestClockProducer.CLOCK.advance(Duration.ofMinutes(20));
        // every version of the status the server stores from here on, as a watch delivers them: the withdrawal must
        // come in one write (a status with shortenedTo gone but the retirements it held still listed was stored for a
        // moment when the operator deleted left-out fields in a write of their own; a poll saw it only under load)
        List<MetricRetentionPolicyStatus> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.fabric8.kubernetes.client.Watch watch = kube.admin().resources(MetricRetentionPolicy.class)
                .inNamespace(kube.namespace()).withName("revert").watch(new io.fabric8.kubernetes.client.Watcher<>() {
                    @Override
                    public void eventReceived(Action action, MetricRetentionPolicy resource) {
                        if (resource.getStatus() != null) {
                            seen.add(resource.getStatus());
                        }
                    }

                    @Override
                    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                    }
                })) {
            setRetention("revert", "30d");
            MetricRetentionPolicyStatus st = statusOf(awaitStatus("revert",
                    s -> ((MetricRetentionPolicyStatus) s).getRetention().getShortenedTo() == null));
            assertEquals("30d", st.getRetention().getInForce());
            assertEquals(0, (int) st.getPendingRetirementCount());
            org.awaitility.Awaitility.await().atMost(KubeFixtures.WAIT).until(() -> seen.stream()
                    .anyMatch(v -> v.getRetention() != null && v.getRetention().getShortenedTo() == null));
        }
        for (MetricRetentionPolicyStatus v : seen) {
            if (v.getRetention() != null && v.getRetention().getShortenedTo() == null) {
                assertEquals(0, (int) v.getPendingRetirementCount(), "a stored status without shortenedTo still "
                        + "held retirements back: " + v.getPendingRetirements().stream()
                                .map(io.noetl.lifecycle.api.PendingRetirementRef::getName).toList());
            }
        }
        MetricRetentionPolicyStatus st = statusOf(awaitStatus("revert",
                s -> ((MetricRetentionPolicyStatus) s).getRetention().getShortenedTo() == null));
        assertTrue(condition("Degraded", "False", "AsExpected").test(st), st.getConditions().toString());
        String withdrawn = events("revert", PartitionVerdict.RETENTION_CHANGE_WITHDRAWN, 1).get(0).getMessage();
        assertTrue(withdrawn.contains("nothing was retired"), withdrawn);

        // past the time it would have taken effect, nothing goes
        passAt("revert", "2026-11-21T11:30:00Z");
        assertEquals(32, db.partitions("noetl.metric").size());
        assertEquals(3000, db.queryLong("SELECT count(*) FROM noetl.metric"));
    }
}
