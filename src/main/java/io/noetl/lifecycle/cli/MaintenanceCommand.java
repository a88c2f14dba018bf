package io.noetl.lifecycle.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.EventPartitionPlan;
import io.noetl.lifecycle.api.EventPartitionPlanStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.Mode;
import io.noetl.lifecycle.api.PartitionRef;
import io.noetl.lifecycle.api.PartitionedTableSpec;
import io.noetl.lifecycle.api.PartitionedTableStatus;
import io.noetl.lifecycle.api.PendingRetirementRef;
import io.noetl.lifecycle.api.RangeRef;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RetentionRef;
import io.noetl.lifecycle.metric.ExportCredentials;
import io.noetl.lifecycle.metric.ExportPass;
import io.noetl.lifecycle.metric.MetricHistoryPass;
import io.noetl.lifecycle.metric.MetricRetentionPolicyReconciler;
import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.partition.EventPartitionPlanReconciler;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PartitionVerdict;
import io.noetl.lifecycle.partition.PassPrelude;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.TableClaim;
import io.noetl.lifecycle.partition.plan.EventPlanSettings;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.KeyRange;
import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.ObservedPartition;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.RetentionGrace;
import io.noetl.lifecycle.partition.plan.TablePolicySettings;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.report.DegradedFindings;
import io.noetl.lifecycle.partition.report.RetirementReport;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.DatabaseIdentity;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.reconcile.TargetResolver;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * {@code plan} and {@code apply --once} without a cluster: each policy in the file goes through the same planner
 * and {@link MaintenancePass} as in the operator. {@code plan} uses read-only connections and counts the rows of
 * what it would drop; {@code apply} runs one pass per policy (plan only for suspended and dry-run policies);
 * {@code check} plans as {@code plan} does and tells by its exit status whether anything is pending or needs a
 * person. Each policy's report holds what its status would show: partitions, coverage, gaps, rows in the default
 * partition, unmanaged partitions with their reasons, the retention in force and the retirements held back, and the
 * findings ({@link DegradedFindings#all}).
 *
 * <p>The bounds on retirements: {@code maxRetirementsPerPass} holds for every pass here, and so does the grace
 * ({@code retentionChangeGrace}): the retention in force is what the database remembers of the table
 * ({@code <schema>.lifecycle_retention}, {@link PolicyPass#retention}), whoever recorded it, or, where it remembers
 * nothing yet, what a status the file carries does; {@code apply} records it, {@code plan} and {@code check} only
 * read it.
 */
public final class MaintenanceCommand {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    public static final int INVALID_INPUT = 2;
    /** {@code check}: no finding, but maintenance has actions to take. */
    public static final int CHANGES_PENDING = 3;
    /** {@code check}: at least one policy has findings a person should look at. */
    public static final int NEEDS_ATTENTION = 4;

    /** A policy's state, the word {@code check}'s exit status stands for. */
    public static final String HEALTHY = "Healthy";
    public static final String PENDING = "ChangesPending";
    public static final String ATTENTION = "NeedsAttention";
    public static final String FAILED_STATE = "Failed";

    /** One action, planned or applied. Range ends are rendered in the key's own terms. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ActionRow(String action, String partition, String from, String to, Long rows, Long bytes,
            String reason) {
    }

    /**
     * @param outcome Planned, Applied or Failed
     * @param state Healthy, ChangesPending, NeedsAttention or Failed
     * @param partitionCount the fields from {@code partitionCount} to {@code unmanaged}, and {@code retention} to
     *     {@code pendingRetirements}, are the status's, read from the same snapshot the status would be (after the
     *     pass for {@code apply}); null when the table could not be read
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PolicyReport(String kind, String namespace, String name, String table, String database,
            String outcome, String reason, String message, String state, Integer partitionCount,
            String coveredUntil, Long defaultPartitionRows, Integer gapCount, List<RangeRef> gaps,
            Integer unmanagedCount, List<PartitionRef> unmanaged, List<Finding> findings, List<ActionRow> actions,
            RetentionRef retention, Integer pendingRetirementCount, List<PendingRetirementRef> pendingRetirements,
            String metricColumns) {
        /** This report with the metric table's column mapping as {@code plan} prints it. */
        PolicyReport withMetricColumns(String line) {
            return new PolicyReport(kind, namespace, name, table, database, outcome, reason, message, state,
                    partitionCount, coveredUntil, defaultPartitionRows, gapCount, gaps, unmanagedCount, unmanaged,
                    findings, actions, retention, pendingRetirementCount, pendingRetirements, line);
        }
    }

    /** What the status would show of a table, and the findings. */
    private record Observed(PartitionedTableStatus status, List<Finding> findings) {
    }

    public record Report(String command, List<String> notes, List<PolicyReport> policies) {
    }

    /** @param credentials the receiver's credentials for spec.export, from the Secrets in the file */
    private record Checked(HasMetadata resource, TablePolicySettings settings, DatabaseTarget target,
            ExportPass.Credentials credentials) {
        /** What the policy's kind runs before its table's maintenance: a MetricRetentionPolicy's rollups and export. */
        PassPrelude prelude(TablePolicySettings held) {
            return held instanceof MetricPolicySettings m ? new MetricHistoryPass(m, credentials,
                    ExportPass.Timing.DEFAULT) : PassPrelude.NONE;
        }

        /** How the kind creates its table for {@code bootstrap: IfMissing}. */
        Optional<MaintenancePass.Bootstrapper> bootstrapper() {
            return settings instanceof MetricPolicySettings m ? MetricRetentionPolicyReconciler.metricTable(m)
                    : EventPartitionPlanReconciler.eventTable((EventPlanSettings) settings);
        }
    }

    private final TargetResolver targets;
    private final DatabaseConnections connections;
    private final LockPolicy lockPolicy;
    private final Duration maxSkew;
    private final Clock clock;
    private final PrintStream out;
    private final PrintStream err;

    /** @param maxSkew {@code lifecycle.clock.max-skew}, as the operator's passes use it */
    public MaintenanceCommand(TargetResolver targets, DatabaseConnections connections, LockPolicy lockPolicy,
            Duration maxSkew, Clock clock, PrintStream out, PrintStream err) {
        this.targets = targets;
        this.connections = connections;
        this.lockPolicy = lockPolicy;
        this.maxSkew = maxSkew;
        this.clock = clock;
        this.out = out;
        this.err = err;
    }

    /** Parses the arguments, reads the file and runs the command; returns the exit status. */
    public int run(List<String> args) {
        try {
            Invocation invocation = Invocation.parse(args);
            return run(invocation, ResourceFile.parse(read(invocation.file()), invocation.file()));
        } catch (InvalidInputException e) {
            err.println("error: " + e.getMessage());
            err.println(Invocation.USAGE);
            return INVALID_INPUT;
        }
    }

    private static String read(String file) throws InvalidInputException {
        try {
            return "-".equals(file) ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + e);
        }
    }

    public int run(Invocation invocation, ResourceFile file) {
        file.notes().forEach(n -> err.println("note: " + n));
        List<Checked> checked = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (HasMetadata resource : file.policies()) {
            try {
                checked.add(check(resource, invocation, file));
            } catch (InvalidInputException e) {
                problems.add(describe(resource) + ": " + e.getMessage());
            }
        }
        // the reconciler's rule for policies sharing a table, over the policies in the file
        // which database each target reaches, as the server says, read once per target of the file
        Map<DatabaseTarget, String> databases = new java.util.HashMap<>();
        Map<Checked, TableClaim> claims = TableClaim.among(checked, c -> TableClaim.keys(c.settings(),
                databases.computeIfAbsent(c.target(), this::identity)),
                c -> TableClaim.Claimant.of(c.resource()));
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("error: " + p));
            return INVALID_INPUT;
        }
        if (checked.isEmpty()) {
            err.println("note: " + invocation.file() + " holds no MetricRetentionPolicy or EventPartitionPlan");
        }
        List<PolicyReport> reports = new ArrayList<>();
        for (Checked c : checked) {
            TableClaim claim = claims.get(c);
            reports.add(withColumns(c, invocation.apply() ? apply(c, claim) : plan(c, claim)));
        }
        print(new Report(invocation.command(), file.notes(), reports), invocation.json());
        if (reports.stream().anyMatch(r -> "Failed".equals(r.outcome()))) {
            return FAILED;
        }
        if (!invocation.check()) {
            return DONE;
        }
        return reports.stream().anyMatch(r -> ATTENTION.equals(r.state())) ? NEEDS_ATTENTION
                : reports.stream().anyMatch(r -> PENDING.equals(r.state())) ? CHANGES_PENDING : DONE;
    }

    /** {@link DatabaseIdentity} of {@code target}, on a read-only connection; its URL's text when unreachable. */
    private String identity(DatabaseTarget target) {
        try {
            return DatabaseIdentity.read(connections.open(target, true));
        } catch (SQLException e) {
            return DatabaseIdentity.unread(target);
        }
    }

    private Checked check(HasMetadata resource, Invocation invocation, ResourceFile file)
            throws InvalidInputException {
        TablePolicySettings settings;
        try {
            settings = resource instanceof MetricRetentionPolicy m ? MetricPolicySettings.from(m.specOrDefaults())
                    : EventPlanSettings.from(((EventPartitionPlan) resource).specOrDefaults());
        } catch (InvalidSpecException e) {
            throw new InvalidInputException(e.reason().code() + ": " + e.getMessage());
        } catch (NullPointerException e) {
            throw new InvalidInputException(Reason.INVALID_SPEC.code() + ": spec is missing");
        }
        PartitionedTableSpec spec = spec(resource);
        DatabaseTarget target;
        if (invocation.databaseUrl() != null) {
            try {
                target = new DatabaseTarget(invocation.databaseUrl().strip(), invocation.username(),
                        invocation.password());
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("--database-url: " + e.getMessage());
            }
        } else {
            try {
                target = targets.resolve(resource, spec.getDatabase(), name -> file.secretFor(resource, name));
            } catch (ReconcileException e) {
                throw new InvalidInputException(e.reason().code() + ": " + e.getMessage()
                        + "; put the Secret in the file or pass --database-url");
            }
        }
        return new Checked(resource, settings, target, ExportCredentials.of(resource,
                name -> file.secretFor(resource, name)));
    }

    private PolicyReport plan(Checked c, TableClaim claim) {
        List<Finding> conflicts = claim.conflict().stream().toList();
        DataSource dataSource = connections.open(c.target(), true);
        Instant now = clock.instant();
        try {
            RetentionGrace.Decision retention = retention(c, dataSource, now, false);
            TablePolicySettings settings = c.settings().withHold(retention.hold());
            MaintenancePass.Outcome outcome = new PolicyPass(dataSource, c.target(), lockPolicy, clock, maxSkew)
                    .preceded(c.prelude(settings)).run(settings, Optional.empty(), claim.narrow(), now, false);
            List<ActionRow> rows = new ArrayList<>();
            // the rollups and the tier tables' actions first, as the status lists them
            for (PlannedAction a : outcome.reportedPlan().actions()) {
                Long counted = a.retires() && outcome.plan().actions().contains(a)
                        ? countRows(dataSource, c.settings(), a.partition()) : null;
                rows.add(row(a, c.settings(), outcome.before(), counted));
            }
            Observed observed = observe(c, outcome.after(), outcome.plan(), now, rollupFindings(outcome, conflicts),
                    retention);
            return report(c, "Planned", null, null, state(observed, !rows.isEmpty()), observed, rows);
        } catch (ReconcileException e) {
            if (e.reason() == Reason.TABLE_MISSING && c.settings().bootstrap() == Bootstrap.IfMissing) {
                Observed nothing = new Observed(null, conflicts);
                return report(c, "Planned", Reason.TABLE_MISSING.code(), "the table is missing; apply creates it "
                        + "(bootstrap IfMissing) and then plans its partitions", state(nothing, true), nothing,
                        List.of(bootstrapRow(c.settings())));
            }
            return failed(c, e.reason().code(), e.getMessage());
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, c.target());
            return failed(c, failure.reason().code(), failure.message());
        }
    }

    /**
     * What the status would show of the table after this pass ({@link PolicyPass#observed}, as the reconciler
     * writes it), and every finding: conflicts first, then {@link DegradedFindings#all}.
     */
    private static Observed observe(Checked c, TableSnapshot after, Plan plan, Instant now, List<Finding> conflicts,
            RetentionGrace.Decision retention) throws ReconcileException {
        PartitionedTableStatus status = c.resource() instanceof MetricRetentionPolicy
                ? new MetricRetentionPolicyStatus() : new EventPartitionPlanStatus();
        PartitionPlanner.Policy policy = PolicyPass.plannerPolicy(c.settings(), after, PolicyPass.serverNow(after, now));
        PolicyPass.observed(status, c.settings(), after, policy);
        RetirementReport.report(status, retention, plan, c.settings(), after.keyType());
        Map<String, Integer> unmanaged = new TreeMap<>();
        for (ObservedPartition p : after.partitions()) {
            PartitionPlanner.classify(policy, p).ifPresent(reason -> unmanaged.merge(reason, 1, Integer::sum));
        }
        List<Finding> findings = new ArrayList<>(conflicts);
        findings.addAll(DegradedFindings.all(plan.findings(), after.defaultRows(), status.getGapCount(), unmanaged));
        return new Observed(status, findings);
    }

    /**
     * The retention in force, as in the operator: what the database remembers of the table, else the status the file
     * carries, if any (see the class comment); recorded when {@code record}.
     */
    private static RetentionGrace.Decision retention(Checked c, DataSource dataSource, Instant now, boolean record)
            throws SQLException {
        PartitionedTableStatus status = c.resource() instanceof MetricRetentionPolicy m ? m.getStatus()
                : ((EventPartitionPlan) c.resource()).getStatus();
        return PolicyPass.retention(dataSource, c.settings(), RetirementReport.remembered(status), now, record);
    }

    private static String state(Observed observed, boolean pending) {
        return !observed.findings().isEmpty() ? ATTENTION : pending ? PENDING : HEALTHY;
    }

    private PolicyReport apply(Checked c, TableClaim claim) {
        Optional<PartitionVerdict.HeldBack> held = PartitionVerdict.heldBack(Mode.of(spec(c.resource())), claim);
        boolean act = held.isEmpty();
        List<Finding> conflicts = claim.conflict().stream().toList();
        Instant now = clock.instant();
        DataSource dataSource = connections.open(c.target(), !act);
        try {
            RetentionGrace.Decision retention = retention(c, dataSource, now, act);
            TablePolicySettings settings = c.settings().withHold(retention.hold());
            MaintenancePass.Outcome outcome = new PolicyPass(dataSource, c.target(), lockPolicy, clock, maxSkew)
                    .preceded(c.prelude(settings)).run(settings, act ? c.bootstrapper() : Optional.empty(),
                            claim.narrow(), now, act);
            if (!act) {
                List<ActionRow> rows = outcome.reportedPlan().actions().stream()
                        .map(a -> row(a, c.settings(), outcome.before(), null)).toList();
                Observed observed = observe(c, outcome.after(), outcome.plan(), now, rollupFindings(outcome,
                        conflicts), retention);
                return report(c, "Planned", held.get().reason().code(), held.get().message(),
                        state(observed, !rows.isEmpty()), observed, rows);
            }
            // what the rollups did (rollups, tier partitions) and the export, then what was applied to the table
            List<PlannedAction> applied = new ArrayList<>(outcome.prelude().planned());
            applied.addAll(outcome.result().map(r -> r.applied()).orElse(List.of()));
            List<ActionRow> rows = applied.stream().map(a -> row(a, c.settings(), outcome.before(), null)).toList();
            if (outcome.failure().isPresent()) {
                var failure = outcome.failure().get();
                return report(c, "Failed", failure.cause().reason().code(), failure.describe(), FAILED_STATE, null,
                        rows);
            }
            List<ActionRow> all = new ArrayList<>();
            if (outcome.bootstrapped()) {
                all.add(bootstrapRow(c.settings()));
            }
            all.addAll(rows);
            // the retirements the data proof refused come first, as in the status
            List<Finding> first = new ArrayList<>(stepFindings(outcome));
            first.addAll(outcome.keptFindings());
            first.addAll(conflicts);
            Observed observed = observe(c, outcome.after(), outcome.plan(), now, first, retention);
            return report(c, "Applied", null, null, state(observed, false), observed, all);
        } catch (ReconcileException e) {
            return failed(c, e.reason().code(), e.getMessage());
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, c.target());
            return failed(c, failure.reason().code(), failure.message());
        }
    }

    /** The rollups' and the export's findings (failures, lost tiers, short counts), then {@code conflicts}. */
    private static List<Finding> rollupFindings(MaintenancePass.Outcome outcome, List<Finding> conflicts) {
        List<Finding> all = new ArrayList<>(stepFindings(outcome));
        all.addAll(conflicts);
        return all;
    }

    /** What the before-retire steps found: the rollups', then the export's. */
    private static List<Finding> stepFindings(MaintenancePass.Outcome outcome) {
        return outcome.prelude().findings();
    }

    /** The exact row count of a partition about to be retired (the catalog only has an estimate). */
    private static long countRows(DataSource dataSource, TablePolicySettings settings, String partition)
            throws SQLException {
        TableName name = new TableName(settings.schema(), partition);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + name.sql())) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static ActionRow row(PlannedAction a, TablePolicySettings settings, TableSnapshot before, Long counted) {
        KeyType keyType = before.keyType();
        Long rows = counted;
        if (a instanceof PlannedAction.MoveDefaultRows m) {
            rows = m.rows();
        }
        Long bytes = a.retires() ? before.partitions().stream().filter(p -> p.name().equals(a.partition()))
                .map(ObservedPartition::bytes).findFirst().orElse(null) : null;
        String from;
        String to;
        if (a instanceof PlannedAction.CreateDefaultPartition) {
            from = "DEFAULT";
            to = null;
        } else {
            KeyRange range = a.range();
            from = range.from() == null ? "MINVALUE" : keyType.describe(range.from());
            to = range.to() == null ? "MAXVALUE" : keyType.describe(range.to());
        }
        return new ActionRow(a.kind(), a.partition(), from, to, rows, bytes, a.reason());
    }

    private static PolicyReport failed(Checked c, String reason, String message) {
        return report(c, "Failed", reason, message, FAILED_STATE, null, List.of());
    }

    /** @param observed null when the pass failed */
    private static PolicyReport report(Checked c, String outcome, String reason, String message, String state,
            Observed observed, List<ActionRow> actions) {
        HasMetadata r = c.resource();
        PartitionedTableStatus s = observed == null ? null : observed.status();
        return new PolicyReport(r.getKind(), r.getMetadata().getNamespace(), r.getMetadata().getName(),
                PolicyPass.tableOf(c.settings()).toString(), c.target().describe(), outcome, reason, message, state,
                s == null ? null : s.getPartitionCount(), s == null ? null : s.getCoveredUntil(),
                s == null ? null : s.getDefaultPartitionRows(), s == null ? null : s.getGapCount(),
                s == null ? null : s.getGaps(), s == null ? null : s.getUnmanagedCount(),
                s == null ? null : s.getUnmanaged(), observed == null ? null : observed.findings(), actions,
                s == null ? null : s.getRetention(), s == null ? null : s.getPendingRetirementCount(),
                s == null ? null : s.getPendingRetirements(), null);
    }

    /**
     * {@code report} with the metric table's column mapping (which column is the sample time, in which zone, and the
     * rest: {@link MetricColumns#describe}), when the resource is a MetricRetentionPolicy whose table exists.
     */
    private PolicyReport withColumns(Checked c, PolicyReport report) {
        if (!(c.settings() instanceof MetricPolicySettings m)) {
            return report;
        }
        TableName table = PolicyPass.tableOf(m);
        try (Connection conn = connections.open(c.target(), true).getConnection()) {
            MetricColumns columns = MetricSchema.columns(conn, table, m.sampleTimeColumn(), m.partitionKey(),
                    m.zone());
            if (columns.columns().isEmpty()) {
                return report;
            }
            List<String> problems = columns.problems(table.toString(), m.sampleTimeColumn(), m.partitionKey(),
                    m.rollups().enabled());
            return report.withMetricColumns(columns.describe() + (problems.isEmpty() ? ""
                    : " (cannot serve: " + String.join("; ", problems) + ")"));
        } catch (SQLException e) {
            return report; // the report already says what failed
        }
    }

    /** The row for creating the table (bootstrap IfMissing), which comes before the partitions' rows. */
    private static ActionRow bootstrapRow(TablePolicySettings settings) {
        return new ActionRow("Bootstrap", PolicyPass.tableOf(settings).toString(), null, null, null, null,
                "spec.bootstrap is IfMissing");
    }

    private static PartitionedTableSpec spec(HasMetadata resource) {
        return resource instanceof MetricRetentionPolicy m ? m.specOrDefaults()
                : ((EventPartitionPlan) resource).specOrDefaults();
    }

    private static String describe(HasMetadata resource) {
        String ns = resource.getMetadata().getNamespace();
        return resource.getKind() + " " + (ns == null ? "" : ns + "/") + resource.getMetadata().getName();
    }

    private void print(Report report, boolean json) {
        if (json) {
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(report));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        for (PolicyReport p : report.policies()) {
            out.println(p.kind() + " " + (p.namespace() == null ? "" : p.namespace() + "/") + p.name() + "  "
                    + p.table() + "  " + p.database() + "  " + p.outcome()
                    + (p.reason() == null ? "" : " (" + p.reason() + ": " + p.message() + ")"));
            if (p.metricColumns() != null) {
                out.println("  metric columns: " + p.metricColumns());
            }
            printObserved(p);
            if (p.actions().isEmpty()) {
                out.println("  nothing to do");
            } else {
                List<String[]> cells = new ArrayList<>();
                cells.add(new String[] {"ACTION", "PARTITION", "FROM", "TO", "ROWS", "BYTES", "REASON"});
                for (ActionRow a : p.actions()) {
                    cells.add(new String[] {a.action(), a.partition(), text(a.from()), text(a.to()), text(a.rows()),
                            text(a.bytes()), text(a.reason())});
                }
                printTable(cells);
            }
            out.println();
        }
    }

    /** The status's view of the table and the findings, before the actions. */
    private void printObserved(PolicyReport p) {
        if (p.partitionCount() != null) {
            // the words of the Ready condition's message
            out.println("  " + p.partitionCount() + " partitions, covered until "
                    + (p.coveredUntil() == null ? "nothing" : p.coveredUntil())
                    + (p.defaultPartitionRows() != null && p.defaultPartitionRows() > 0
                            ? ", " + p.defaultPartitionRows() + " rows in the default partition" : "")
                    + "  " + p.state());
        } else if (p.state() != null && !FAILED_STATE.equals(p.state())) {
            out.println("  " + p.state());
        }
        if (p.findings() != null && !p.findings().isEmpty()) {
            out.println("  findings:");
            List<String[]> cells = new ArrayList<>();
            for (Finding f : p.findings()) {
                cells.add(new String[] {f.reason().code(), f.message()});
            }
            printTable(cells, "  ");
        }
        if (p.gaps() != null && !p.gaps().isEmpty()) {
            out.println("  gaps: " + listed(p.gapCount(), p.gaps().size()));
            List<String[]> cells = new ArrayList<>();
            cells.add(new String[] {"FROM", "TO"});
            for (RangeRef g : p.gaps()) {
                cells.add(new String[] {g.getFrom(), g.getTo()});
            }
            printTable(cells, "  ");
        }
        if (p.unmanaged() != null && !p.unmanaged().isEmpty()) {
            out.println("  unmanaged partitions, never touched: " + listed(p.unmanagedCount(), p.unmanaged().size()));
            boolean times = p.unmanaged().stream().anyMatch(u -> u.getFromTime() != null || u.getToTime() != null);
            List<String[]> cells = new ArrayList<>();
            cells.add(times ? new String[] {"PARTITION", "FROM", "TO", "FROM TIME", "TO TIME", "REASON"}
                    : new String[] {"PARTITION", "FROM", "TO", "REASON"});
            for (PartitionRef u : p.unmanaged()) {
                cells.add(times ? new String[] {u.getName(), u.getFrom(), u.getTo(), text(u.getFromTime()),
                    text(u.getToTime()), u.getReason()} : new String[] {u.getName(), u.getFrom(), u.getTo(),
                    u.getReason()});
            }
            printTable(cells, "  ");
        }
        printRetirements(p);
    }

    /** The retention in force, a shortened one that waits, and the retirements held back. */
    private void printRetirements(PolicyReport p) {
        RetentionRef r = p.retention();
        if (r != null && r.getShortenedTo() != null) {
            out.println("  retention " + r.getInForce() + " in force; shortened to " + r.getShortenedTo() + " at "
                    + r.getSeenAt() + ", in force from " + r.getEffectiveAt() + " (spec.retentionChangeGrace)");
        }
        if (p.pendingRetirements() != null && !p.pendingRetirements().isEmpty()) {
            out.println("  retirements held back: " + listed(p.pendingRetirementCount(), p.pendingRetirements().size()));
            List<String[]> cells = new ArrayList<>();
            cells.add(new String[] {"PARTITION", "HELD BY", "AT"});
            for (PendingRetirementRef d : p.pendingRetirements()) {
                cells.add(new String[] {d.getName(), "spec." + d.getHeldBy(),
                    d.getAt() == null ? "a later pass" : d.getAt()});
            }
            printTable(cells, "  ");
        }
    }

    private static String listed(Integer count, int listed) {
        return count == null || count == listed ? String.valueOf(listed) : count + " (the first " + listed + " listed)";
    }

    private void printTable(List<String[]> cells) {
        printTable(cells, "");
    }

    private void printTable(List<String[]> cells, String indent) {
        int[] width = new int[cells.get(0).length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder(indent + " ");
            for (int i = 0; i < row.length; i++) {
                line.append(' ').append(i == row.length - 1 ? row[i] : String.format("%-" + width[i] + "s ", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String text(Object value) {
        return value == null ? "-" : value.toString();
    }

}
