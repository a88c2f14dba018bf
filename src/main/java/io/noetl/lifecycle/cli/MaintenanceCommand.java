package io.noetl.lifecycle.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.noetl.lifecycle.api.EventPartitionPlan;
import io.noetl.lifecycle.api.LifecycleSpec;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.api.PartitionedTableSpec;
import io.noetl.lifecycle.api.Bootstrap;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.plan.EventPlanSettings;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.plan.KeyRange;
import io.noetl.lifecycle.plan.KeyType;
import io.noetl.lifecycle.plan.MetricPolicySettings;
import io.noetl.lifecycle.plan.ObservedPartition;
import io.noetl.lifecycle.plan.PlannedAction;
import io.noetl.lifecycle.plan.TablePolicySettings;
import io.noetl.lifecycle.plan.TableSnapshot;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import io.noetl.lifecycle.postgres.LockPolicy;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.MaintenancePass;
import io.noetl.lifecycle.reconcile.PolicyPass;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * {@code plan} and {@code apply --once} without a cluster: each policy in the file goes through the same planner
 * and {@link MaintenancePass} as in the operator. {@code plan} uses read-only connections and counts the rows of
 * what it would drop; {@code apply} runs one pass per policy (plan only for suspended and dry-run policies).
 */
public final class MaintenanceCommand {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    public static final int INVALID_INPUT = 2;

    /** One action, planned or applied. Range ends are rendered in the key's own terms. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ActionRow(String action, String partition, String from, String to, Long rows, Long bytes,
            String reason) {
    }

    /** @param outcome Planned, Applied or Failed */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PolicyReport(String kind, String namespace, String name, String table, String database,
            String outcome, String reason, String message, List<ActionRow> actions) {
    }

    public record Report(String command, List<String> notes, List<PolicyReport> policies) {
    }

    private record Checked(HasMetadata resource, TablePolicySettings settings, DatabaseTarget target) {
    }

    private final TargetResolver targets;
    private final DatabaseConnections connections;
    private final LockPolicy lockPolicy;
    private final Clock clock;
    private final PrintStream out;
    private final PrintStream err;

    public MaintenanceCommand(TargetResolver targets, DatabaseConnections connections, LockPolicy lockPolicy,
            Clock clock, PrintStream out, PrintStream err) {
        this.targets = targets;
        this.connections = connections;
        this.lockPolicy = lockPolicy;
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
        if (invocation.apply()) {
            problems.addAll(conflicts(checked));
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("error: " + p));
            return INVALID_INPUT;
        }
        if (checked.isEmpty()) {
            err.println("note: " + invocation.file() + " holds no MetricRetentionPolicy or EventPartitionPlan");
        }
        List<PolicyReport> reports = new ArrayList<>();
        for (Checked c : checked) {
            reports.add(invocation.apply() ? apply(c) : plan(c));
        }
        print(new Report(invocation.command(), file.notes(), reports), invocation.json());
        return reports.stream().anyMatch(r -> "Failed".equals(r.outcome())) ? FAILED : DONE;
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
        return new Checked(resource, settings, target);
    }

    /** Two policies in one file keeping the same table in the same database would fight over it. */
    private static List<String> conflicts(List<Checked> checked) {
        Map<String, Checked> first = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Checked c : checked) {
            String key = PolicyPass.claim(c.settings(), c.target());
            Checked other = first.putIfAbsent(key, c);
            if (other != null) {
                problems.add(describe(c.resource()) + ": " + Reason.CONFLICTING_POLICY.code() + ": "
                        + describe(other.resource()) + " keeps the same table in the same database; keep one of them");
            }
        }
        return problems;
    }

    private PolicyReport plan(Checked c) {
        DataSource dataSource = connections.open(c.target(), true);
        try {
            MaintenancePass.Outcome outcome = PolicyPass.run(dataSource, c.target(), c.settings(), null,
                    UnaryOperator.identity(), lockPolicy, clock, false);
            List<ActionRow> rows = new ArrayList<>();
            for (PlannedAction a : outcome.plan().actions()) {
                Long counted = a.retires() ? countRows(dataSource, c.settings(), a.partition()) : null;
                rows.add(row(a, c.settings(), outcome.before(), counted));
            }
            return report(c, "Planned", null, null, rows);
        } catch (ReconcileException e) {
            if (e.reason() == Reason.TABLE_MISSING && c.settings().bootstrap() == Bootstrap.IfMissing) {
                return report(c, "Planned", Reason.TABLE_MISSING.code(), "the table is missing; apply creates it "
                        + "(bootstrap IfMissing) and then plans its partitions", List.of(bootstrapRow(c.settings())));
            }
            return report(c, "Failed", e.reason().code(), e.getMessage(), List.of());
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, c.target());
            return report(c, "Failed", failure.reason().code(), failure.message(), List.of());
        }
    }

    private PolicyReport apply(Checked c) {
        LifecycleSpec spec = spec(c.resource());
        boolean act = !spec.isSuspend() && !spec.isDryRun();
        try {
            MaintenancePass.Outcome outcome = PolicyPass.run(connections.open(c.target(), !act), c.target(),
                    c.settings(), act ? PolicyPass.bootstrapper(c.settings()) : null, UnaryOperator.identity(),
                    lockPolicy, clock, act);
            if (!act) {
                List<ActionRow> rows = outcome.plan().actions().stream()
                        .map(a -> row(a, c.settings(), outcome.before(), null)).toList();
                String why = (spec.isSuspend() ? Reason.SUSPENDED : Reason.DRY_RUN).code();
                return report(c, "Planned", why, "spec." + (spec.isSuspend() ? "suspend" : "dryRun")
                        + " is set: nothing applied", rows);
            }
            List<PlannedAction> applied = outcome.result().map(r -> r.applied()).orElse(List.of());
            List<ActionRow> rows = applied.stream().map(a -> row(a, c.settings(), outcome.before(), null)).toList();
            if (outcome.failure().isPresent()) {
                var failure = outcome.failure().get();
                return report(c, "Failed", failure.cause().reason().code(), failure.describe(), rows);
            }
            List<ActionRow> all = new ArrayList<>();
            if (outcome.bootstrapped()) {
                all.add(bootstrapRow(c.settings()));
            }
            all.addAll(rows);
            return report(c, "Applied", null, null, all);
        } catch (ReconcileException e) {
            return report(c, "Failed", e.reason().code(), e.getMessage(), List.of());
        }
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

    private static PolicyReport report(Checked c, String outcome, String reason, String message,
            List<ActionRow> actions) {
        HasMetadata r = c.resource();
        return new PolicyReport(r.getKind(), r.getMetadata().getNamespace(), r.getMetadata().getName(),
                PolicyPass.tableOf(c.settings()).toString(), c.target().describe(), outcome, reason, message,
                actions);
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

    private void printTable(List<String[]> cells) {
        int[] width = new int[cells.get(0).length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder(" ");
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
