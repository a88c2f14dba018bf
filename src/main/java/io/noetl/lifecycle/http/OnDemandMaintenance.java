package io.noetl.lifecycle.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.ExportCredentials;
import io.noetl.lifecycle.metric.ExportPass;
import io.noetl.lifecycle.metric.MetricHistoryPass;
import io.noetl.lifecycle.metric.MetricRetentionPolicyReconciler;
import io.noetl.lifecycle.metric.plan.ExportSettings;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.plan.RollupSettings;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PartitionVerdict;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.TableClaim;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.Window;
import io.noetl.lifecycle.partition.report.RetirementReport;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.postgres.DatabasePools;
import io.noetl.lifecycle.postgres.Lease;
import io.noetl.lifecycle.postgres.ServerBudget;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.reconcile.TargetResolver;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The seed's two maintenance calls, run over the MetricRetentionPolicies the operator watches through the same
 * planner and executor as the reconciler. A policy that is invalid, suspended or in dry-run is skipped and reported
 * with the reason; policies sharing a table act by the reconciler's rule, {@link TableClaim}: the first creates and
 * retires nothing, the others are skipped. The bounds on retirements hold here too: at most
 * {@code maxRetirementsPerPass} a call, and a shortened retention waits its grace from when the policy's status says
 * the operator saw it (one the status does not know yet waits from now; nothing is recorded, the operator does that).
 * The bound is shared by the calls within a {@code maintenanceInterval}: after a call has retired some partitions of a
 * policy, the calls that follow within the interval retire at most the rest of {@code maxRetirementsPerPass} (counted
 * by this replica, the leader). A create call creates partitions only: no rollup, no export, no retirement.
 */
@ApplicationScoped
public class OnDemandMaintenance {
    private static final Logger LOG = Logger.getLogger(OnDemandMaintenance.class);
    /** The most partitions one create call makes per policy, as for spec.premake. */
    static final int MAX_AHEAD = 1000;
    /** What can hold a policy's retirements back, in the order a pass reports them. */
    private static final Set<Reason> HELD_BACK = Set.of(Reason.PARTITION_HOLDS_RECENT_ROWS, Reason.CLOCK_SKEW,
            Reason.RETIREMENTS_DEFERRED, Reason.ROWS_NOT_EXPIRED);

    /** What happened to one policy. Lists are null when they do not apply to the call. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PolicyOutcome(String namespace, String name, String table, String outcome, Reason reason,
            String message, List<String> dropped, List<String> detached, List<String> created) {
    }

    /** The answer to one call. */
    public record Report(String action, List<PolicyOutcome> policies) {
    }

    private record Candidate(MetricRetentionPolicy policy, MetricPolicySettings settings, DatabaseTarget target) {
    }

    private final KubernetesClient client;
    private final Operator operator;
    private final TargetResolver targets;
    private final DatabasePools pools;
    private final LockPolicy lockPolicy;
    private final Clock clock;
    private final Duration maxSkew;
    /** Per policy (namespace/name/uid): when each cleanup call retired how many partitions, within its interval. */
    private final Map<String, List<Retired>> retiredByPolicy = new java.util.HashMap<>();

    private record Retired(Instant at, int count) {
    }

    public OnDemandMaintenance(KubernetesClient client, Operator operator, TargetResolver targets,
            DatabasePools pools, OperatorConfig config, Clock clock) {
        this.client = client;
        this.operator = operator;
        this.targets = targets;
        this.pools = pools;
        this.lockPolicy = LockPolicy.from(config.ddl());
        this.maxSkew = config.clock().maxSkew();
        this.clock = clock;
    }

    /** Drops (or detaches) the expired partitions of every policy that may act. */
    public synchronized Report cleanup() {
        return run("cleanup", settings -> settings, Plan::onlyRetirements);
    }

    /** What is left of {@code maxRetirementsPerPass} within the interval; empty when nothing is. */
    private Optional<Integer> budget(String key, MetricPolicySettings settings, Instant now) {
        List<Retired> retired = retiredByPolicy.getOrDefault(key, List.of());
        Instant since = now.minus(settings.maintenanceInterval());
        retired = retired.stream().filter(r -> r.at().isAfter(since)).toList();
        retiredByPolicy.put(key, new ArrayList<>(retired));
        int used = retired.stream().mapToInt(Retired::count).sum();
        return used >= settings.maxRetirementsPerPass() ? Optional.empty()
                : Optional.of(settings.maxRetirementsPerPass() - used);
    }

    private Instant nextAllowed(String key, MetricPolicySettings settings) {
        return retiredByPolicy.get(key).stream().map(Retired::at).min(Comparator.naturalOrder()).orElseThrow()
                .plus(settings.maintenanceInterval());
    }

    /** Creates the partitions covering the next {@code daysAhead} days for every policy that may act. */
    public synchronized Report createAhead(int daysAhead) {
        // creates only: the rollups, the export and the tiers' retirements are the operator's passes' business
        return run("create", settings -> settings.withPremake(windowsAhead(settings, daysAhead)).toBuilder().rollups(RollupSettings.none(settings.schema())).export(ExportSettings.none()).build(),
                Plan::withoutRetirements);
    }

    private Report run(String action, UnaryOperator<MetricPolicySettings> adjust, UnaryOperator<Plan> narrow) {
        List<PolicyOutcome> outcomes = new ArrayList<>();
        List<Candidate> candidates = new ArrayList<>();
        for (MetricRetentionPolicy policy : watchedPolicies()) {
            if (policy.getMetadata().getDeletionTimestamp() != null) {
                continue; // being deleted: maintenance has stopped for it, and it claims nothing (as in the reconciler)
            }
            String ns = policy.getMetadata().getNamespace();
            String name = policy.getMetadata().getName();
            String table = String.valueOf(policy.specOrDefaults().getTable());
            MetricPolicySettings settings;
            try {
                settings = MetricPolicySettings.from(policy.specOrDefaults());
            } catch (InvalidSpecException e) {
                outcomes.add(skipped(ns, name, table, e.reason(), e.getMessage()));
                continue;
            }
            try {
                DatabaseTarget target = targets.resolve(policy, policy.specOrDefaults().getDatabase(),
                        secret -> Optional.ofNullable(client.secrets().inNamespace(ns).withName(secret).get()));
                candidates.add(new Candidate(policy, settings, target));
            } catch (ReconcileException e) {
                outcomes.add(new PolicyOutcome(ns, name, table, "Failed", e.reason(), e.getMessage(), null, null,
                        null));
            }
        }
        // as in the reconciler, every usable policy claims its table, suspended or not
        Map<Candidate, TableClaim> claims = TableClaim.among(candidates,
                c -> TableClaim.keys(c.settings(), pools.identity(c.target())),
                c -> TableClaim.Claimant.of(c.policy()));
        for (Candidate c : candidates) {
            outcomes.add(act(action, c, claims.get(c), adjust, narrow));
        }
        outcomes.sort(Comparator.comparing(PolicyOutcome::namespace).thenComparing(PolicyOutcome::name));
        return new Report(action, outcomes);
    }

    private PolicyOutcome act(String action, Candidate c, TableClaim claim,
            UnaryOperator<MetricPolicySettings> adjust, UnaryOperator<Plan> narrow) {
        MetricRetentionPolicy policy = c.policy();
        String ns = policy.getMetadata().getNamespace();
        String name = policy.getMetadata().getName();
        String table = PolicyPass.tableOf(c.settings()).toString();
        Optional<PartitionVerdict.HeldBack> held = PartitionVerdict.heldBack(Mode.of(policy.specOrDefaults()), claim);
        if (held.isPresent()) {
            return skipped(ns, name, table, held.get().reason(), held.get().message());
        }
        Optional<Finding> conflict = claim.conflict();
        MetricPolicySettings settings = adjust.apply(c.settings());
        boolean cleanup = "cleanup".equals(action);
        // by UID: a policy deleted and created anew starts afresh
        String key = ns + "/" + name + "/" + policy.getMetadata().getUid();
        if (cleanup) {
            Optional<Integer> budget = budget(key, settings, clock.instant());
            if (budget.isEmpty()) {
                return new PolicyOutcome(ns, name, table, "Applied", Reason.RETIREMENTS_DEFERRED, "earlier calls "
                        + "retired maxRetirementsPerPass (" + settings.maxRetirementsPerPass() + ") partitions within "
                        + "the maintenanceInterval (" + settings.maintenanceInterval() + "); the next call retires "
                        + "again from " + nextAllowed(key, settings), List.of(), List.of(), null);
            }
            settings = settings.toBuilder().maxRetirementsPerPass(budget.get()).build();
        }
        if (settings.premake() > MAX_AHEAD) {
            return skipped(ns, name, table, Reason.TOO_MANY_PARTITIONS, "days_ahead needs " + settings.premake() + " "
                    + settings.interval() + " partitions; at most " + MAX_AHEAD + " are made in one call");
        }
        String owner = "OnDemandMaintenance/" + ns + "/" + name;
        try (Lease dataSource = pools.lease(owner, c.target(),
                MetricRetentionPolicyReconciler.connections(c.settings()), "MetricRetentionPolicy",
                ServerBudget.WaitListener.NONE)) {
            // the retention in force as the database remembers it (else the status), recorded by this call
            Instant now = clock.instant();
            settings = adjust.apply(c.settings().withHold(PolicyPass.retention(dataSource, c.settings(),
                    RetirementReport.remembered(c.policy().getStatus()), now, true).hold()));
            // never creates a missing table: that is the operator's, by the spec's bootstrap
            ExportPass.Credentials credentials = ExportCredentials.of(c.policy(), secret -> Optional.ofNullable(
                    client.secrets().inNamespace(ns).withName(secret).get()));
            MaintenancePass.Outcome outcome = new PolicyPass(dataSource, c.target(), lockPolicy, clock, maxSkew)
                    .preceded(new MetricHistoryPass(settings, credentials, ExportPass.Timing.DEFAULT)).run(settings,
                            Optional.empty(), p -> claim.narrow().apply(narrow.apply(p)), now, true);
            List<PlannedAction> applied = outcome.result().map(r -> r.applied()).orElse(List.of());
            List<String> dropped = names(applied, PlannedAction.DropPartition.class);
            List<String> detached = names(applied, PlannedAction.DetachPartition.class);
            List<String> created = applied.stream().filter(a -> !a.retires()).map(PlannedAction::partition).toList();
            if (cleanup && dropped.size() + detached.size() > 0) {
                retiredByPolicy.computeIfAbsent(key, k -> new ArrayList<>()).add(new Retired(clock.instant(),
                        dropped.size() + detached.size()));
            }
            LOG.infof("%s for MetricRetentionPolicy %s/%s: %s", action, ns, name,
                    cleanup ? "dropped " + dropped + ", detached " + detached : "created " + created);
            // a cleanup answers with what it dropped and detached, a create with what it created
            // a policy that shares its table answers with the conflict, as its Degraded condition does; else with what
            // held a retirement back: a partition holding recent rows, the clocks disagreeing, retirements that wait
            var failure = outcome.failure();
            Optional<Finding> heldBack = conflict.or(() -> outcome.findings().stream()
                    .filter(f -> HELD_BACK.contains(f.reason())).findFirst());
            return new PolicyOutcome(ns, name, table, failure.isPresent() ? "Failed" : "Applied",
                    failure.map(f -> f.cause().reason()).orElse(heldBack.map(Finding::reason).orElse(null)),
                    failure.map(f -> f.describe()).orElse(heldBack.map(Finding::message).orElse(null)),
                    cleanup ? dropped : null, cleanup ? detached : null, cleanup ? null : created);
        } catch (SQLException e) {
            return new PolicyOutcome(ns, name, table, "Failed", Reason.DATABASE_UNREACHABLE,
                    c.target().redact(e.getMessage()), null, null, null);
        } catch (ReconcileException e) {
            return new PolicyOutcome(ns, name, table, "Failed", e.reason(), e.getMessage(), null, null, null);
        } finally {
            pools.release(owner);
        }
    }

    private static PolicyOutcome skipped(String ns, String name, String table, Reason reason, String message) {
        return new PolicyOutcome(ns, name, table, "Skipped", reason, message, null, null, null);
    }

    private static List<String> names(List<PlannedAction> applied, Class<? extends PlannedAction> kind) {
        return applied.stream().filter(kind::isInstance).map(PlannedAction::partition).toList();
    }

    /** The policies in the namespaces the MetricRetentionPolicy controller watches. */
    private List<MetricRetentionPolicy> watchedPolicies() {
        Set<String> namespaces = operator.getRegisteredController(MetricRetentionPolicyReconciler.NAME)
                .map(rc -> rc.getConfiguration().getInformerConfig().getNamespaces())
                .orElse(Set.of());
        if (InformerConfiguration.allNamespacesWatched(namespaces)) {
            return client.resources(MetricRetentionPolicy.class).inAnyNamespace().list().getItems();
        }
        Map<String, MetricRetentionPolicy> found = new LinkedHashMap<>();
        for (String ns : namespaces) {
            String namespace = InformerConfiguration.currentNamespaceWatched(Set.of(ns)) ? client.getNamespace() : ns;
            client.resources(MetricRetentionPolicy.class).inNamespace(namespace).list().getItems()
                    .forEach(p -> found.put(namespace + "/" + p.getMetadata().getName(), p));
        }
        return List.copyOf(found.values());
    }

    /** How many partitions after the current one it takes to cover the next {@code days} days. */
    private int windowsAhead(MetricPolicySettings settings, int days) {
        Instant now = clock.instant();
        TimeGrid grid = new TimeGrid(settings.interval(), settings.zone(), KeyType.TIMESTAMPTZ);
        long until = grid.keyOf(now.plus(Duration.ofDays(days)));
        Window w = grid.windowContaining(grid.keyOf(now));
        int count = 0;
        while (count <= MAX_AHEAD) {
            w = grid.next(w);
            if (w.from() > until) {
                break;
            }
            count++;
        }
        return count;
    }
}
