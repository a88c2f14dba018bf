package io.noetl.lifecycle.bench;

import io.noetl.lifecycle.support.StandaloneConfig;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.metric.MetricHistoryPass;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.MetricRetentionPolicyReconciler;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.Lease;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.ServerBudget;
import io.noetl.lifecycle.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * Benchmark, not a test (issue 27): the floor under {@link PolicyFleetBenchmark}. The same first passes (NoETL's metric
 * table bootstrapped as {@code noetl.metric_K}, its partitions created, the retention recorded) through the same
 * connection budget ({@link DatabasePools}, {@link StandaloneConfig}'s {@code connections-per-server}), run by the
 * operator's own pass code in this JVM, with no API server, no informers, no status or Events: what PostgreSQL and
 * the pass code alone need for a fleet's first passes on this machine. The fleet's time to all Ready cannot be shorter
 * than this.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes:$(cat cp.txt)
 * io.noetl.lifecycle.bench.FirstPassFloorBenchmark [POLICIES [DATABASES,DATABASES... [THREADS]]]}, e.g.
 * {@code 1000 20,50} (50 threads, as many as the operator's reconcilers have, JOSDK's default: passes queue for the
 * budget as theirs do). With
 * {@code -Dbench.log-statements=true} the server logs every statement of the passes with its duration.
 */
public final class FirstPassFloorBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        List<Integer> fleets = args.length > 1 ? Arrays.stream(args[1].split(",")).map(Integer::parseInt).toList()
                : List.of(20, 50);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        System.out.printf("policies: %d, fleets of databases: %s, threads: %d, budget: %d, cores: %d%n", n, fleets,
                threads, StandaloneConfig.INSTANCE.pool().connectionsPerServer(),
                Runtime.getRuntime().availableProcessors());
        List<String> results = new ArrayList<>();
        for (int d : fleets) {
            results.add(fleet(n, d, threads));
            System.out.println("  " + results.get(results.size() - 1));
        }
        System.out.println("summary:");
        results.forEach(r -> System.out.println("  " + r));
        System.exit(0);
    }

    private static String fleet(int n, int d, int threads) throws Exception {
        List<TestDatabase> dbs = new ArrayList<>();
        DatabasePools pools = new DatabasePools(StandaloneConfig.INSTANCE);
        ExecutorService workers = Executors.newFixedThreadPool(threads);
        try {
            for (int i = 0; i < d; i++) {
                dbs.add(TestDatabase.createWithRealClock("floor" + i));
                if (Boolean.getBoolean("bench.log-statements")) {
                    // every statement of the passes and its time, in the server's log (the new sessions take it)
                    dbs.get(i).execute("ALTER DATABASE \"" + dbs.get(i).name() + "\" SET log_min_duration_statement = 0");
                }
            }
            long sessionsBefore = sessions(dbs);
            long[] cpuBefore = machineTicks();
            long t0 = System.nanoTime();
            List<Future<Long>> passes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TestDatabase db = dbs.get(i % d);
                int table = i / d;
                String owner = "bench/" + i;
                passes.add(workers.submit(() -> pass(pools, owner, db, table)));
            }
            long[] took = new long[n];
            int failed = 0;
            for (int i = 0; i < n; i++) {
                took[i] = passes.get(i).get();
                if (took[i] < 0) {
                    failed++;
                }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            long[] cpuAfter = machineTicks();
            long opened = sessions(dbs) - sessionsBefore;
            Arrays.sort(took);
            int partitions = 0;
            for (TestDatabase db : dbs) {
                partitions += (int) db.queryLong("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = "
                        + "i.inhparent JOIN pg_class c ON c.oid = i.inhrelid WHERE p.relkind = 'p' AND c.relkind = 'r' "
                        + "AND p.relname LIKE 'metric\\_%'");
            }
            return String.format("%d first passes over %d databases: %.1f s (%.1f passes/s); a pass %.0f ms median, "
                    + "%.0f ms p90 (from its lease to its end); %d failed; %d partitions made; %d backends opened; "
                    + "machine CPU %.1f s user+system (%.0f %% of %d cores), %.1f s iowait", n, d, wall, n / wall,
                    took[n / 2] / 1e6, took[n * 9 / 10] / 1e6, failed, partitions, opened,
                    (cpuAfter[0] - cpuBefore[0]) / 100.0, 100.0 * (cpuAfter[0] - cpuBefore[0]) / 100.0 / wall
                            / Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().availableProcessors(), (cpuAfter[1] - cpuBefore[1]) / 100.0);
        } finally {
            workers.shutdownNow();
            for (int i = 0; i < n; i++) {
                pools.release("bench/" + i);
            }
            dbs.forEach(TestDatabase::close);
        }
    }

    /** One first pass as the reconciler runs it: lease, retention, pass; its time from the lease, or -1 on failure. */
    private static long pass(DatabasePools pools, String owner, TestDatabase db, int table) {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setTable("noetl.metric_" + table);
        spec.setBootstrap(Bootstrap.IfMissing);
        try {
            MetricPolicySettings settings = MetricPolicySettings.from(spec);
            try (Lease lease = pools.lease(owner, db.target(), MetricRetentionPolicyReconciler.connections(settings),
                    "metric", ServerBudget.WaitListener.NONE)) {
                long t0 = System.nanoTime();
                Clock clock = Clock.systemUTC();
                RetentionGrace.Decision retention = PolicyPass.retention(lease, settings, RetentionGrace.Memory.NONE,
                        clock.instant(), true);
                MaintenancePass.Outcome o = new PolicyPass(lease, db.target(),
                        LockPolicy.from(StandaloneConfig.INSTANCE.ddl()), clock,
                        StandaloneConfig.INSTANCE.clock().maxSkew()).preceded(new MetricHistoryPass(settings))
                        .run(settings.withHold(retention.hold()), MetricRetentionPolicyReconciler.metricTable(settings),
                                UnaryOperator.identity(), clock.instant(), true);
                if (o.failure().isPresent()) {
                    System.out.println("  failed: " + owner + ": " + o.failure().get().describe());
                    return -1;
                }
                return System.nanoTime() - t0;
            }
        } catch (Exception e) {
            System.out.println("  failed: " + owner + ": " + e);
            return -1;
        }
    }

    /** Backends opened on the fleet's databases so far ({@code pg_stat_database.sessions}, PostgreSQL 14+). */
    private static long sessions(List<TestDatabase> dbs) throws Exception {
        try (Connection c = DriverManager.getConnection(TestDatabase.url("postgres"), TestDatabase.USER, TestDatabase.PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_clear_snapshot()");
            long total = 0;
            for (TestDatabase db : dbs) {
                try (ResultSet rs = s.executeQuery("SELECT coalesce(sessions, 0) FROM pg_stat_database WHERE datname = '"
                        + db.name() + "'")) {
                    total += rs.next() ? rs.getLong(1) : 0;
                }
            }
            return total;
        }
    }

    /** The machine's CPU ticks (1/100 s) so far: user+nice+system+irq+softirq, and iowait. */
    private static long[] machineTicks() throws Exception {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                + Long.parseLong(f[7]);
        return new long[] {busy, Long.parseLong(f[5])};
    }
}
