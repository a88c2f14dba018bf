package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.export.ReceiverCount;
import io.noetl.lifecycle.export.RemoteWriteClient;
import io.noetl.lifecycle.metric.plan.ExportPartition;
import io.noetl.lifecycle.metric.plan.ExportPlanner.Closed;
import io.noetl.lifecycle.metric.plan.ExportPlanner;
import io.noetl.lifecycle.metric.plan.ExportSettings;
import io.noetl.lifecycle.metric.plan.MetricColumns;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.plan.ObservedTable;
import io.noetl.lifecycle.metric.plan.RollupSettings;
import io.noetl.lifecycle.metric.postgres.ExportGate;
import io.noetl.lifecycle.metric.postgres.ExportSql;
import io.noetl.lifecycle.metric.postgres.MetricSchema;
import io.noetl.lifecycle.metric.postgres.RollupSql;
import io.noetl.lifecycle.partition.PassContext;
import io.noetl.lifecycle.partition.PolicyPass;
import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.partition.plan.PartitionPlanner;
import io.noetl.lifecycle.partition.plan.PlannedAction;
import io.noetl.lifecycle.partition.plan.TableSnapshot;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.plan.InvalidSpecException;
import io.noetl.lifecycle.postgres.DatabaseFailure;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.reconcile.ReconcileException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.jboss.logging.Logger;

/**
 * The export part of a MetricRetentionPolicy's pass ({@code spec.export}), run after the rollups and before the raw
 * table's maintenance, so that a partition confirmed in this pass can be retired in it.
 *
 * <p>Each closed raw partition (the rollups' rule: its upper bound plus {@code rollupGrace} has passed), oldest first,
 * is read in the order of (sample time, {@code metric_id}) through a cursor and sent in batches of about
 * {@code batchSamples} samples: the operator holds one batch at a time, never a partition. A batch is cut only where
 * the millisecond changes, so that all samples of one millisecond travel together and a series' two rows at one
 * millisecond (which remote-write cannot carry) are seen and refused as such. After the receiver acknowledges a
 * batch the ledger ({@link ExportSql}) records it; a pass that stops (the receiver down, the connection killed, the
 * operator killed) resumes in the next from the last recorded batch, so at most the one batch acknowledged but not
 * yet recorded is sent twice.
 *
 * <p>A partition all of whose batches are acknowledged is then counted at the receiver ({@code verify: Query},
 * {@link ReceiverCount}) and confirmed when the count reaches the samples sent; {@code AckOnly} confirms it with its
 * last acknowledgement. Only confirmed partitions pass the retirement gate ({@link Outcome#gate}), which the raw
 * table's executor checks again under its lock.
 *
 * <p>With {@code source: <resolution>} the partitions are those of that rollup tier's table, each exported once no
 * raw partition can add to it ({@link ExportPlanner.TierFinality}), one sample per bucket and statistic
 * ({@link ExportSql#readTier}); the gate then guards the tier's retirements ({@link RollupPass}), not the raw table's.
 *
 * <p>The credentials of {@code secretRef} go only over {@code https://} unless the spec allows plain {@code http://}
 * ({@link ExportSettings#plainHttpCredentials}): otherwise the pass reads no Secret, sends nothing, and reports
 * {@code InsecureTransport}. The receiver's certificate is checked against the JVM's trust or the CA of
 * {@code caSecretRef}.
 *
 * <p>One policy exports one partition at a time, and a pass exports for at most {@link #PASS_BUDGET} before it stops
 * at a batch boundary and leaves the rest to the next pass, so that one policy's backlog does not hold a reconcile
 * thread for long and other policies get their turn.
 */
public final class ExportPass {
    private static final Logger LOG = Logger.getLogger(ExportPass.class);
    /** How long one pass may export before it leaves the rest to the next pass. */
    public static final Duration PASS_BUDGET = Duration.ofMinutes(2);
    /** When the next pass comes after one whose export time ran out. */
    public static final Duration CONTINUE_AFTER = Duration.ofSeconds(5);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /**
     * How hard an export tries within one pass.
     *
     * @param sendAttempts requests one batch may take when the receiver answers 5xx or 429 or cannot be reached
     * @param firstBackoff the wait after the first failed request; it doubles after each
     * @param countAttempts counts of a partition exported in this pass (a partition sent in an earlier pass is counted
     *     once a pass): a receiver may need some seconds before new series answer queries (VictoriaMetrics: up to about
     *     10 s); a count still short waits for the next pass
     * @param firstCountWait the wait after the first short count; it doubles after each
     * @param budget how long one pass may export before it leaves the rest to the next pass
     */
    public record Timing(int sendAttempts, Duration firstBackoff, int countAttempts, Duration firstCountWait,
            Duration budget) {
        /** 5 requests a batch (waits 0.5, 1, 2, 4 s), 6 counts (waits 0.5 to 8 s), 2 minutes a pass. */
        public static final Timing DEFAULT = new Timing(5, Duration.ofMillis(500), 6, Duration.ofMillis(500),
                PASS_BUDGET);
    }

    /** What the export reads from Secrets in the resource's namespace. */
    public interface Credentials {
        /** The receiver's credentials from the Secret {@code spec.export.secretRef} names, as headers. */
        Map<String, String> headers(String secretName) throws ReconcileException;

        /** The TLS context trusting the certificate authorities under {@code key} of {@code spec.export.caSecretRef}. */
        SSLContext trust(String secretName, String key) throws ReconcileException;
    }

    /** Where no Secret can be read (the command line without the Secret in its file). */
    public static Credentials noSecrets(String where) {
        return new Credentials() {
            @Override
            public Map<String, String> headers(String secretName) throws ReconcileException {
                throw new ReconcileException(Reason.SECRET_NOT_FOUND, where + " cannot read the Secret " + secretName
                        + " that spec.export.secretRef names");
            }

            @Override
            public SSLContext trust(String secretName, String key) throws ReconcileException {
                throw new ReconcileException(Reason.SECRET_NOT_FOUND, where + " cannot read the Secret " + secretName
                        + " that spec.export.caSecretRef names");
            }
        };
    }

    /**
     * What one partition's export did in this pass.
     *
     * @param samples samples sent and acknowledged in this pass
     * @param refused rows the mapping could not express, counted in this pass
     * @param bytes request bodies sent (compressed), retries included
     * @param retries requests sent again after a 5xx, a 429 or no answer
     * @param done whether its last batch was acknowledged
     */
    public record Sent(String partition, long samples, long refused, long bytes, long batches, long retries,
            Duration took, boolean done) {
    }

    /**
     * @param planned the exports of the pass, shown beside the raw table's plan (what ran, or with {@code dryRun} and
     *     {@code suspend} what would run)
     * @param findings failures ({@code ExportFailed}), short counts ({@code ExportUnverified}), and partitions past
     *     retention waiting ({@code ExportPending}, added by {@link MetricHistoryPass})
     * @param ledger the ledger rows of the raw table for the receiver, after the pass
     * @param closed the closed managed raw partitions, oldest first, with their upper bounds
     * @param blocked the export cannot work at all (the raw table lacks a column): nothing may be retired
     * @param outOfTime the pass's export time ran out with partitions left to send: the next pass should come soon
     * @param pace how the batches were paced ({@code spec.historyPace}); empty when nothing was sent
     */
    public record Outcome(ExportSettings settings, List<PlannedAction> planned, List<Sent> sent,
            List<Finding> findings, Map<String, ExportSql.Entry> ledger, List<Closed> closed, boolean blocked,
            Optional<String> lastError, Instant now, boolean outOfTime, Optional<Pace.Record> pace) {

        /** A builder for the export of {@code settings} at {@code now}, which did nothing until told. */
        public static Builder builder(ExportSettings settings, Instant now) {
            return new Builder(settings, now);
        }

        /**
         * Whether the raw partition {@code name} may be retired: exported and confirmed, and, under
         * {@code refusedRows: Hold}, without a row its export refused.
         */
        public boolean retirable(String name) {
            return confirmed(name) && !held(name);
        }

        /** Whether the samples sent of the partition {@code name} are confirmed at the receiver. */
        public boolean confirmed(String name) {
            return !blocked && Optional.ofNullable(ledger.get(name)).map(ExportSql.Entry::verified).orElse(false);
        }

        /** Whether the partition {@code name} is confirmed but kept for rows its export refused (refusedRows: Hold). */
        public boolean held(String name) {
            return confirmed(name) && settings.holdsRefusedRows() && ledger.get(name).rowsRefused() > 0;
        }

        /** A partition kept for its refused rows as findings name it: its name, the count and one of the rows. */
        public String heldPartition(String name) {
            ExportSql.Entry e = ledger.get(name);
            return ExportGate.heldPartition(name, e.rowsRefused(), e.lastRefusal());
        }

        /** The gate the raw table's executor checks again under its lock. */
        public ExportGate gate(TableName raw) {
            return new ExportGate(ExportSql.ledgerOf(raw), raw.toString(), settings.target(),
                    settings.holdsRefusedRows());
        }

        /**
         * The newest closed partition confirmed with every closed partition before it (one kept for its refused rows
         * counts: what could be sent of it is at the receiver).
         */
        public Optional<Closed> watermark() {
            return ExportPlanner.watermark(closed, this::confirmed);
        }

        /** How long the oldest closed partition not yet confirmed has waited since it closed. */
        public Duration lag() {
            return ExportPlanner.lag(closed, this::confirmed, now);
        }

        /** Builds an {@link Outcome}; see {@link Outcome#builder}. */
        public static final class Builder {
            private final ExportSettings settings;
            private final Instant now;
            private List<PlannedAction> planned = List.of();
            private List<Sent> sent = List.of();
            private List<Finding> findings = List.of();
            private Map<String, ExportSql.Entry> ledger = Map.of();
            private List<Closed> closed = List.of();
            private boolean blocked;
            private Optional<String> lastError = Optional.empty();
            private boolean outOfTime;
            private Optional<Pace.Record> pace = Optional.empty();

            private Builder(ExportSettings settings, Instant now) {
                this.settings = settings;
                this.now = now;
            }

            public Builder planned(List<PlannedAction> planned) {
                this.planned = planned;
                return this;
            }

            public Builder sent(List<Sent> sent) {
                this.sent = sent;
                return this;
            }

            public Builder findings(List<Finding> findings) {
                this.findings = findings;
                return this;
            }

            public Builder ledger(Map<String, ExportSql.Entry> ledger) {
                this.ledger = ledger;
                return this;
            }

            public Builder closed(List<Closed> closed) {
                this.closed = closed;
                return this;
            }

            public Builder blocked(boolean blocked) {
                this.blocked = blocked;
                return this;
            }

            public Builder lastError(Optional<String> lastError) {
                this.lastError = lastError;
                return this;
            }

            public Builder outOfTime(boolean outOfTime) {
                this.outOfTime = outOfTime;
                return this;
            }

            public Builder pace(Optional<Pace.Record> pace) {
                this.pace = pace;
                return this;
            }

            public Outcome build() {
                return new Outcome(settings, planned, sent, findings, ledger, closed, blocked, lastError, now,
                        outOfTime, pace);
            }
        }
    }

    private final PassContext where;
    private final Credentials credentials;
    private final Timing timing;
    private final Pace.Signals signals;

    public ExportPass(PassContext where, Credentials credentials, Timing timing) {
        this(where, credentials, timing, Pace.Signals.DATABASE);
    }

    /** @param signals where the pace reads the database's load (tests give a synthetic one) */
    public ExportPass(PassContext where, Credentials credentials, Timing timing, Pace.Signals signals) {
        this.where = where;
        this.credentials = credentials;
        this.timing = timing;
        this.signals = signals;
    }

    /**
     * Runs the export of {@code settings} (which has {@code spec.export}). {@code fallbackNow} is the operator's
     * clock, used only when the database does not say its own.
     *
     * @param apply false for suspend and dry-run: only plan
     */
    public Outcome run(MetricPolicySettings settings, Instant fallbackNow, boolean apply) throws ReconcileException {
        Optional<RollupSettings.Tier> tier = tierOf(settings);
        try (Connection c = where.dataSource().getConnection()) {
            Run run = new Run(c, settings, tier);
            if (!run.observe(fallbackNow) || !run.columnsServe()) {
                return run.outcome();
            }
            run.readLedger(apply);
            run.plan();
            if (run.refusesInsecureCredentials()) {
                return run.outcome();
            }
            if (!apply) {
                run.planDue();
                return run.outcome();
            }
            Optional<Receiver> receiver = run.receiver();
            if (receiver.isPresent()) {
                run.sendDue(receiver.get());
                run.readLedgerAgain();
            }
            return run.outcome();
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, where.target());
            throw new ReconcileException(failure.reason(), failure.message());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReconcileException(Reason.EXPORT_FAILED, "the export was interrupted");
        }
    }

    /** The rollup tier {@code spec.export.source} names; empty when the raw table's partitions are sent. */
    private static Optional<RollupSettings.Tier> tierOf(MetricPolicySettings settings) throws ReconcileException {
        try {
            return settings.export().tierOf(settings.rollups());
        } catch (InvalidSpecException e) {
            throw new ReconcileException(e.reason(), e.getMessage());
        }
    }

    /** How the next partition's export ended, for the loop over the due ones. */
    private enum Next {
        /** Done: count it at the receiver, then go on. */
        COUNT,
        /** Refused by the receiver: leave it, go on with the others. */
        SKIP,
        /** Out of time, or the receiver or the database failing: leave the rest to the next pass. */
        STOP
    }

    /** One run of the export: what it has read and decided so far, and what it did. */
    private final class Run {
        private final Connection c;
        private final MetricPolicySettings settings;
        private final ExportSettings export;
        private final TableName raw;
        private final Optional<RollupSettings.Tier> tier;
        /** What is sent: the raw table's partitions, or those of the tier table {@code source} names. */
        private final TableName source;
        private final ExportSql.Ledger ledger;
        private Instant now;
        private TableSnapshot rawSnapshot;
        private TableSnapshot snapshot;
        private MetricColumns columns;
        private Map<String, ExportSql.Entry> entries = Map.of();
        private List<Closed> closed = List.of();
        private List<Closed> due = List.of();
        private final List<Finding> findings = new ArrayList<>();
        private final List<PlannedAction> planned = new ArrayList<>();
        private final List<Sent> sent = new ArrayList<>();
        private Optional<String> lastError = Optional.empty();
        private boolean blocked;
        private boolean outOfTime;
        /** The pace of the batches: made when the first is sent, and kept for all the partitions of the pass. */
        private Pace pace;

        Run(Connection c, MetricPolicySettings settings, Optional<RollupSettings.Tier> tier) {
            this.c = c;
            this.settings = settings;
            this.export = settings.export();
            this.raw = PolicyPass.tableOf(settings);
            this.tier = tier;
            this.source = tier.map(RollupPass::tableOf).orElse(raw);
            this.ledger = new ExportSql.Ledger(ExportSql.ledgerOf(raw), source, export.target());
        }

        Outcome outcome() {
            return Outcome.builder(export, now).planned(planned).sent(sent).findings(findings).ledger(entries)
                    .closed(closed).blocked(blocked).lastError(lastError).outOfTime(outOfTime)
                    .pace(Optional.ofNullable(pace).map(Pace::record)).build();
        }

        /**
         * Reads the raw table and the source, and the server's clock; false when there is no table to export yet
         * (the raw pass reports it; a tier table is made by the rollups).
         */
        boolean observe(Instant fallbackNow) throws SQLException {
            rawSnapshot = CatalogReader.read(c, raw);
            now = PolicyPass.serverNow(rawSnapshot, fallbackNow);
            snapshot = tier.isPresent() && CatalogReader.exists(c, source) ? CatalogReader.read(c, source)
                    : rawSnapshot;
            return rawSnapshot.state() == TableSnapshot.State.PARTITIONED && !(tier.isPresent()
                    && snapshot == rawSnapshot) && snapshot.state() == TableSnapshot.State.PARTITIONED;
        }

        /** Whether the raw table's columns can serve; when not, nothing is exported and nothing may be retired. */
        boolean columnsServe() throws SQLException {
            columns = RollupPass.columnsOf(c, raw, settings);
            List<String> missing = tier.isPresent() ? List.of() : columns.problems(raw.toString(),
                    settings.sampleTimeColumn(), settings.partitionKey(), false);
            if (missing.isEmpty()) {
                return true;
            }
            String message = String.join("; ", missing) + ": nothing is exported, and no raw partition is retired";
            findings.add(new Finding(RollupPass.columnReason(settings, Reason.EXPORT_FAILED), message));
            blocked = true;
            lastError = Optional.of(message);
            return false;
        }

        /** Makes the ledger (or, beside one made before the count by series, its series table) when the pass writes. */
        void readLedger(boolean apply) throws SQLException {
            boolean exists = CatalogReader.exists(c, ledger.table());
            if (!exists && apply) {
                ExportSql.ensureLedger(c, ledger.table());
                exists = true;
            } else if (apply && !CatalogReader.exists(c, ExportSql.seriesOf(ledger.table()))) {
                ExportSql.ensureSeries(c, ledger.table());
            }
            entries = exists ? ExportSql.entries(c, ledger) : Map.of();
        }

        /** The closed partitions of the source, and those due: not yet confirmed at the receiver. */
        void plan() throws ReconcileException, SQLException {
            MetricPolicySettings sourceSettings = tier.map(t -> t.tableSettings(settings)).orElse(settings);
            PartitionPlanner.Policy policy = PolicyPass.plannerPolicy(sourceSettings, snapshot, now);
            Optional<ExportPlanner.TierFinality> finality = tier.isPresent() ? Optional.of(finality(tier.get()))
                    : Optional.empty();
            closed = ExportPlanner.closed(new ObservedTable(snapshot, policy, sourceSettings),
                    settings.rollups().grace(), now, finality);
            due = ExportPlanner.due(closed, name -> Optional.ofNullable(entries.get(name))
                    .map(ExportSql.Entry::verified).orElse(false));
        }

        /** Which raw partitions the rollup ledger shows rolled into {@code tier}, for the tier's finality. */
        private ExportPlanner.TierFinality finality(RollupSettings.Tier tier) throws SQLException {
            RollupSql.Tables tables = RollupSql.Tables.of(raw, RollupPass.catalogue(settings.rollups()));
            Map<String, Set<String>> rolled = CatalogReader.exists(c, tables.ledger()) ? RollupSql.ledger(c, tables)
                    : Map.of();
            return ExportPlanner.TierFinality.of(rawSnapshot, settings, rolled, tier.qualified());
        }

        /** Credentials over plain http:// are refused before anything is read or sent, planned or applied. */
        boolean refusesInsecureCredentials() {
            Optional<String> insecure = export.plainHttpCredentials();
            if (insecure.isPresent()) {
                findings.add(new Finding(Reason.INSECURE_TRANSPORT, insecure.get()));
                lastError = insecure;
            }
            return insecure.isPresent();
        }

        /** What a pass that applied would export (suspend, dry-run). */
        void planDue() {
            due.forEach(p -> planned.add(action(p, entries.get(p.name()))));
        }

        /** The receiver's clients; empty, with the finding, when its credentials or CA cannot be read. */
        Optional<Receiver> receiver() {
            try {
                return Optional.of(ExportPass.this.receiver(export));
            } catch (ReconcileException e) {
                String message = "the receiver's credentials or CA: " + e.reason().code() + ": " + e.getMessage();
                findings.add(new Finding(Reason.EXPORT_FAILED, message + "; nothing is exported"));
                lastError = Optional.of(message);
                return Optional.empty();
            }
        }

        /** The due partitions, oldest first, each sent on from its ledger row and then counted, as time allows. */
        void sendDue(Receiver receiver) throws SQLException, InterruptedException {
            long deadline = System.nanoTime() + timing.budget().toNanos();
            for (Closed p : due) {
                if (!exportOne(p, receiver, deadline)) {
                    break;
                }
            }
        }

        /** Sends one due partition unless it is done, then has it counted; whether to go on with the next. */
        private boolean exportOne(Closed p, Receiver receiver, long deadline) throws SQLException,
                InterruptedException {
            ExportSql.Entry entry = entries.getOrDefault(p.name(), ExportSql.Entry.fresh(p.name()));
            boolean sendsNow = !entry.done();
            if (sendsNow) {
                // every pass sends at least one batch, whatever the time: a pass always moves the export on
                if (!sent.isEmpty() && System.nanoTime() > deadline) {
                    outOfTime = true;
                    return false;
                }
                planned.add(action(p, entry));
                Next next = send(p, entry, receiver.client(), deadline);
                if (next != Next.COUNT) {
                    return next == Next.SKIP;
                }
                entries = new HashMap<>(ExportSql.entries(c, ledger));
                entry = entries.get(p.name());
            }
            if (entry != null && entry.done() && !entry.verified() && receiver.counter().isPresent()) {
                Optional<Finding> unverified = new ExportCount(c, ledger, receiver.counter().get(),
                        timing.firstCountWait()).verify(entry, sendsNow ? timing.countAttempts() : 1);
                unverified.ifPresent(this::failed);
            }
            return true;
        }

        /** Streams one partition to the receiver; how its export ended. */
        private Next send(Closed p, ExportSql.Entry entry, RemoteWriteClient client, long deadline)
                throws InterruptedException {
            try {
                Sent s = stream(p, entry, client, deadline);
                sent.add(s);
                LOG.infof("exported %d samples of %s to %s in %d batches (%d rows refused)%s", s.samples(),
                        p.name(), export.target(), s.batches(), s.refused(), s.done() ? "" : "; more next pass");
                outOfTime = !s.done();
                return s.done() ? Next.COUNT : Next.STOP;
            } catch (RemoteWriteClient.SendFailure f) {
                failed(new Finding(Reason.EXPORT_FAILED, p.name() + " was not exported: " + f.getMessage() + "; the "
                        + "batches acknowledged before are kept, and the export resumes after them"));
                // the receiver down or overloaded: the others wait for the next pass too; refused: the others may go
                return f.retryable() ? Next.STOP : Next.SKIP;
            } catch (SQLException e) {
                DatabaseFailure f = DatabaseFailure.of(e, where.target());
                failed(new Finding(Reason.EXPORT_FAILED, p.name() + " was not exported: " + f.reason().code() + ": "
                        + f.message() + "; it resumes after its last recorded batch"));
                return Next.STOP;
            }
        }

        private void failed(Finding finding) {
            findings.add(finding);
            lastError = Optional.of(finding.message());
        }

        /** Streams one partition from where its ledger row stands, until it is done or the pass's time is up. */
        private Sent stream(Closed p, ExportSql.Entry entry, RemoteWriteClient client, long deadline)
                throws SQLException, RemoteWriteClient.SendFailure, InterruptedException {
            long started = System.nanoTime();
            TableName partition = new TableName(snapshot.schemaOf(p.name()), p.name());
            if (pace == null) {
                // the signal is read on the ledger's connection, between batches, outside their transactions
                pace = new Pace(Pace.Work.EXPORT, settings.pace(), signals.on(c), Pace.Ticker.SYSTEM, where.clock());
            }
            ExportStream stream = new ExportStream(c, ledger, partition.name(), export, client, pace,
                    settings.pace().exportBatch(export.batchSamples()));
            ExportSql.Cursor from = ExportSql.Cursor.after(entry, Math.min(export.batchSamples(), 10_000));
            try (Connection read = where.dataSource().getConnection()) {
                if (tier.isPresent()) {
                    ExportSql.<Exception>readTier(read, new ExportSql.TierSource(partition, RollupPass.catalogue(
                            settings.rollups()), Optional.of(MetricSchema.REGISTRY), export.tier().orElseThrow()
                            .toString()), from, row -> stream.accept(row, deadline));
                } else {
                    ExportSql.<Exception>read(read, new ExportSql.Source(partition, Optional.of(MetricSchema.REGISTRY),
                            columns), from, row -> stream.accept(row, deadline));
                }
            } catch (SQLException | RemoteWriteClient.SendFailure | InterruptedException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return stream.finish(started);
        }

        /** The ledger after the sends; for the raw table's export, counted again first where rows came in late. */
        void readLedgerAgain() throws SQLException {
            entries = ExportSql.entries(c, ledger);
            if (tier.isEmpty() && recount()) {
                entries = ExportSql.entries(c, ledger);
            }
        }

        /**
         * Before a confirmed partition may go: its rows counted again, exactly, once it is past retention. A partition
         * with more rows than its export sent and refused took rows after its export (an insert with an explicit old
         * {@code created_at}); its ledger row is forgotten, so it is kept ({@code ExportPending}) and sent again,
         * whole, in the next pass (the receiver gets its other samples twice: see docs/export.md). The count is made
         * before the retirement's lock, not under it, so as not to hold writers for a scan; a row inserted in the
         * seconds between the two is the window that remains (as for the rollups). Returns whether it forgot any.
         */
        private boolean recount() throws SQLException {
            boolean forgot = false;
            Instant cutoff = now.minus(settings.retention());
            for (Closed p : closed) {
                ExportSql.Entry e = entries.get(p.name());
                if (e == null || !e.verified() || p.upperBound().isAfter(cutoff)) {
                    continue;
                }
                long rows = ExportSql.rows(c, new TableName(rawSnapshot.schemaOf(p.name()), p.name()));
                long accounted = e.samplesSent() + e.rowsRefused();
                if (rows > accounted) {
                    ExportSql.forget(c, ledger, p.name());
                    String message = p.name() + " holds " + rows + " rows, " + (rows - accounted) + " more than its "
                            + "export sent or refused (" + accounted + "): rows were written into it after its "
                            + "export; it is kept and sent again, whole, in the next pass";
                    LOG.warn(message);
                    findings.add(new Finding(Reason.EXPORT_PENDING, message));
                    forgot = true;
                }
            }
            return forgot;
        }

        private ExportPartition action(Closed p, ExportSql.Entry entry) {
            String reason;
            if (entry == null || entry.samplesSent() == 0 && entry.rowsRefused() == 0 && !entry.done()) {
                reason = "closed; to " + export.target();
            } else if (!entry.done()) {
                reason = "resumes after " + entry.samplesSent() + " samples sent; to " + export.target();
            } else {
                reason = "sent (" + entry.samplesSent() + " samples); waits for the receiver's count";
            }
            return new ExportPartition(p.name(), p.range(), export.target(), reason);
        }
    }

    /** The clients of one pass: the writes, and the counts of {@code verify: Query}. */
    private record Receiver(RemoteWriteClient client, Optional<ReceiverCount> counter) {
    }

    /**
     * The clients for {@code export}'s receiver, with the credentials of {@code secretRef} and the CA of
     * {@code caSecretRef} read from their Secrets; both clients send the same headers and trust the same CAs.
     */
    private Receiver receiver(ExportSettings export) throws ReconcileException {
        Map<String, String> headers = new LinkedHashMap<>(export.headers());
        if (export.secretName().isPresent()) {
            headers.putAll(credentials.headers(export.secretName().get()));
        }
        Optional<SSLContext> trust = export.ca().isPresent() ? Optional.of(credentials.trust(export.ca().get().name(),
                export.ca().get().key())) : Optional.empty();
        return new Receiver(new RemoteWriteClient(export.url(), headers, trust, timing.sendAttempts(),
                timing.firstBackoff(), REQUEST_TIMEOUT), export.queryUrl().map(q -> new ReceiverCount(q, headers, trust,
                        REQUEST_TIMEOUT)));
    }
}
