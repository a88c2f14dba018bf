package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.api.RowExpiry;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.RowExpiryGate;
import io.noetl.lifecycle.partition.MaintenancePass;
import io.noetl.lifecycle.partition.PassContext;
import io.noetl.lifecycle.partition.PassPrelude;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.Plan;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.postgres.RetirementGate;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.ReconcileException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a MetricRetentionPolicy runs in its pass before the raw table's maintenance ({@link PassPrelude}): its rollups
 * ({@link RollupPass}), then its export ({@link ExportPass}), so that a raw partition rolled up and confirmed in this
 * pass can be retired in it. Its {@link Outcome} then holds the raw table's retirements to them: the plan leaves out
 * what the ledgers do not show done yet, and the executor checks the ledgers again under the retirement lock
 * ({@code RollupGate}, {@code ExportGate}), and NoETL's per-row expiry ({@code RowExpiryGate}) unless the spec retires
 * by bounds alone.
 */
public final class MetricHistoryPass implements PassPrelude {
    private final MetricPolicySettings settings;
    private final ExportPass.Credentials credentials;
    private final ExportPass.Timing timing;
    private final Pace.Signals signals;

    /**
     * @param credentials where the export reads the receiver's credentials and CA from ({@code spec.export.secretRef},
     *     {@code caSecretRef})
     * @param timing how hard the export tries within the pass (tests shorten the waits)
     */
    public MetricHistoryPass(MetricPolicySettings settings, ExportPass.Credentials credentials,
            ExportPass.Timing timing) {
        this(settings, credentials, timing, Pace.Signals.DATABASE);
    }

    /** @param signals where the rollups and the export read the database's load (tests give a synthetic one) */
    public MetricHistoryPass(MetricPolicySettings settings, ExportPass.Credentials credentials,
            ExportPass.Timing timing, Pace.Signals signals) {
        this.settings = settings;
        this.credentials = credentials;
        this.timing = timing;
        this.signals = signals;
    }

    /** Where no Secret can be read: an export that needs one fails ({@link ExportPass#noSecrets}). */
    public MetricHistoryPass(MetricPolicySettings settings) {
        this(settings, ExportPass.noSecrets("this pass"), ExportPass.Timing.DEFAULT);
    }

    @Override
    public Outcome run(PassContext where, Instant now, boolean apply) throws ReconcileException {
        // rollups first: a raw partition they roll up in this pass may be retired in it
        Optional<RollupPass.Outcome> rollups = settings.rollups().enabled()
                ? Optional.of(new RollupPass(where, signals).run(settings, now, apply)) : Optional.empty();
        // then the export: a raw partition it confirms in this pass may be retired in it
        Optional<ExportPass.Outcome> export = settings.export().enabled()
                ? Optional.of(new ExportPass(where, credentials, timing, signals).run(settings, now, apply)) : Optional.empty();
        // NoETL's per-row TTL, unless the spec retires by bounds alone
        Optional<ZoneId> rowExpiry = settings.rowExpiry() == RowExpiry.Honor ? Optional.of(settings.zone())
                : Optional.empty();
        return new Outcome(PolicyPass.tableOf(settings), rollups, export, rowExpiry);
    }

    /**
     * What the rollups and the export of one pass did, and what they ask of the raw table's retirements.
     *
     * @param raw the raw table
     * @param rowExpiry the zone NoETL's {@code expires_at} is read in, when the spec honours it
     */
    public record Outcome(TableName raw, Optional<RollupPass.Outcome> rollups, Optional<ExportPass.Outcome> export,
            Optional<ZoneId> rowExpiry) implements PassPrelude.Outcome {

        /** What the metric kind ran before {@code pass}; nothing (no rollups, no export) for a pass without it. */
        public static Outcome of(MaintenancePass.Outcome pass) {
            return pass.prelude() instanceof Outcome o ? o : new Outcome(new TableName(pass.before().schema(),
                    pass.before().table()), Optional.empty(), Optional.empty(), Optional.empty());
        }

        /** The rollups and the tier tables' actions, then the exports. */
        @Override
        public List<PlannedAction> planned() {
            List<PlannedAction> all = new ArrayList<>(rollups.map(RollupPass.Outcome::planned).orElse(List.of()));
            export.ifPresent(e -> all.addAll(e.planned()));
            return all;
        }

        /** The rollups' failures and lost tiers, then the export's failures and short counts. */
        @Override
        public List<Finding> findings() {
            List<Finding> all = new ArrayList<>(rollups.map(RollupPass.Outcome::findings).orElse(List.of()));
            export.ifPresent(e -> all.addAll(e.findings()));
            return all;
        }

        @Override
        public Plan withheld(Plan plan) {
            Plan kept = rollups.isPresent() ? MetricHistoryPass.withheld(plan, rollups.get()) : plan;
            return rawExport().isPresent() ? unexported(kept, rawExport().get(), raw) : kept;
        }

        /** The rollup gate, the export gate (of an export of the raw table), then the row-expiry gate. */
        @Override
        public RetirementGate.Source gates() {
            List<RetirementGate> ledgers = new ArrayList<>();
            rollups.ifPresent(r -> ledgers.add(r.gate(raw)));
            rawExport().ifPresent(e -> ledgers.add(e.gate(raw)));
            return (c, observed) -> {
                List<RetirementGate> all = new ArrayList<>(ledgers);
                if (rowExpiry.isPresent()) {
                    all.addAll(RowExpiryGate.of(rowExpiry.get()).open(c, observed));
                }
                return all;
            };
        }

        /** An export that ran out of time goes on soon, not a maintenance interval later. */
        @Override
        public Optional<Duration> continueAfter() {
            return export.filter(ExportPass.Outcome::outOfTime).map(e -> ExportPass.CONTINUE_AFTER);
        }

        /** The export of the raw table: a tier's export gates that tier's retirements (in the rollups), not these. */
        private Optional<ExportPass.Outcome> rawExport() {
            return export.filter(e -> e.settings().tier().isEmpty());
        }
    }

    /**
     * {@code plan} without the retirements of raw partitions the ledger does not show rolled into every tier (all of
     * them while a tier is lost), each reported as {@code RollupPending}; the executor checks again under its lock.
     */
    static Plan withheld(Plan plan, RollupPass.Outcome rollups) {
        return withholding(plan, rollups::retirable, rollups.tierLost() ? Optional.empty() : Optional.of(names ->
                new Finding(Reason.ROLLUP_PENDING, names.size() + " partition(s) past retention wait for their rollup "
                        + "into every tier before they are retired: " + listed(names))));
    }

    /**
     * {@code plan} without the retirements of raw partitions the export ledger does not show confirmed at the
     * receiver, reported as {@code ExportPending}, and, under {@code refusedRows: Hold}, of those confirmed whose
     * export refused rows, reported as {@code ExportRefusedRows}; the executor checks both again under its lock.
     */
    static Plan unexported(Plan plan, ExportPass.Outcome export, TableName raw) {
        Plan confirmed = withholding(plan, export::confirmed, Optional.of(names -> new Finding(Reason.EXPORT_PENDING,
                names.size() + " partition(s) past retention wait for their export to " + export.settings().target()
                        + " to be confirmed before they are retired: " + listed(names))));
        return withholding(confirmed, name -> !export.held(name), Optional.of(names -> new Finding(
                Reason.EXPORT_REFUSED_ROWS, names.size() + " partition(s) past retention are kept because their "
                        + "export refused rows, which are at no receiver (spec.export.refusedRows: Hold): "
                        + listed(names.stream().map(export::heldPartition).toList()) + "; "
                        + export.gate(raw).howToRelease())));
    }

    /**
     * {@code plan} without the retirements whose partition {@code retirable} refuses, with {@code finding} of their
     * names first among the findings (none when it is empty).
     */
    private static Plan withholding(Plan plan, Predicate<String> retirable,
            Optional<Function<List<String>, Finding>> finding) {
        List<PlannedAction> waiting = plan.actions().stream().filter(a -> a.retires() && !retirable.test(
                a.partition())).toList();
        if (waiting.isEmpty()) {
            return plan;
        }
        List<PlannedAction> kept = plan.actions().stream().filter(a -> !waiting.contains(a)).toList();
        List<Finding> findings = new ArrayList<>(plan.findings());
        finding.ifPresent(f -> findings.add(0, f.apply(waiting.stream().map(PlannedAction::partition).toList())));
        return new Plan(kept, findings, plan.deferred());
    }

    /** At most five names, then an ellipsis. */
    private static String listed(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(names.size(), 5))) + (names.size() > 5 ? ", ..." : "");
    }
}
