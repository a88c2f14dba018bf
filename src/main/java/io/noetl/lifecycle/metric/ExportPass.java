package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.ExportVerify;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.export.NoetlLabels;
import io.noetl.lifecycle.export.ReceiverCount;
import io.noetl.lifecycle.export.RemoteWriteClient;
import io.noetl.lifecycle.export.RemoteWriteFrame;
import io.noetl.lifecycle.export.SeriesHash;
import io.noetl.lifecycle.export.prompb.MetricMetadata;
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
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
    /** Label mappings kept while a partition streams (rows of one series repeat its labels); cleared when full. */
    private static final int MAPPING_CACHE = 10_000;

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
     *     retention waiting ({@code ExportPending}, added by {@link PolicyPass})
     * @param ledger the ledger rows of the raw table for the receiver, after the pass
     * @param closed the closed managed raw partitions, oldest first, with their upper bounds
     * @param blocked the export cannot work at all (the raw table lacks a column): nothing may be retired
     * @param outOfTime the pass's export time ran out with partitions left to send: the next pass should come soon
     */
    public record Outcome(ExportSettings settings, List<PlannedAction> planned, List<Sent> sent,
            List<Finding> findings, Map<String, ExportSql.Entry> ledger, List<Closed> closed, boolean blocked,
            Optional<String> lastError, Instant now, boolean outOfTime) {

        public Outcome(ExportSettings settings, List<PlannedAction> planned, List<Sent> sent, List<Finding> findings,
                Map<String, ExportSql.Entry> ledger, List<Closed> closed, boolean blocked, Optional<String> lastError,
                Instant now) {
            this(settings, planned, sent, findings, ledger, closed, blocked, lastError, now, false);
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
    }

    private final PassContext where;
    private final Credentials credentials;
    private final Timing timing;

    public ExportPass(PassContext where, Credentials credentials, Timing timing) {
        this.where = where;
        this.credentials = credentials;
        this.timing = timing;
    }

    /**
     * Runs the export of {@code settings} (which has {@code spec.export}). {@code fallbackNow} is the operator's
     * clock, used only when the database does not say its own.
     *
     * @param apply false for suspend and dry-run: only plan
     */
    public Outcome run(MetricPolicySettings settings, Instant fallbackNow, boolean apply) throws ReconcileException {
        ExportSettings export = settings.export();
        TableName raw = PolicyPass.tableOf(settings);
        TableName ledgerTable = ExportSql.ledgerOf(raw);
        List<Finding> findings = new ArrayList<>();
        List<PlannedAction> planned = new ArrayList<>();
        List<Sent> sent = new ArrayList<>();
        Optional<String> lastError = Optional.empty();
        Optional<RollupSettings.Tier> tier;
        try {
            tier = export.tierOf(settings.rollups());
        } catch (InvalidSpecException e) {
            throw new ReconcileException(e.reason(), e.getMessage());
        }
        // what is sent: the raw table's partitions, or those of the tier table source names
        TableName source = tier.map(RollupPass::tableOf).orElse(raw);
        MetricPolicySettings sourceSettings = tier.map(t -> t.tableSettings(settings)).orElse(settings);
        try (Connection c = where.dataSource().getConnection()) {
            TableSnapshot rawSnapshot = CatalogReader.read(c, raw);
            Instant now = PolicyPass.serverNow(rawSnapshot, fallbackNow);
            TableSnapshot snapshot = tier.isPresent() && CatalogReader.exists(c, source) ? CatalogReader.read(c, source)
                    : rawSnapshot;
            if (rawSnapshot.state() != TableSnapshot.State.PARTITIONED || tier.isPresent() && snapshot == rawSnapshot
                    || snapshot.state() != TableSnapshot.State.PARTITIONED) {
                // no table yet (the raw pass reports it; a tier table is made by the rollups)
                return new Outcome(export, List.of(), List.of(), List.of(), Map.of(), List.of(), false,
                        Optional.empty(), now);
            }
            MetricColumns columns = RollupPass.columnsOf(c, raw, settings);
            List<String> missing = tier.isPresent() ? List.of() : columns.problems(raw.toString(),
                    settings.sampleTimeColumn(), settings.partitionKey(), false);
            if (!missing.isEmpty()) {
                String message = String.join("; ", missing) + ": nothing is exported, and no raw partition is retired";
                findings.add(new Finding(RollupPass.columnReason(settings, Reason.EXPORT_FAILED), message));
                return new Outcome(export, List.of(), List.of(), findings, Map.of(), List.of(), true,
                        Optional.of(message), now);
            }
            boolean ledgerExists = CatalogReader.exists(c, ledgerTable);
            if (!ledgerExists && apply) {
                ExportSql.ensureLedger(c, ledgerTable);
                ledgerExists = true;
            } else if (apply && !CatalogReader.exists(c, ExportSql.seriesOf(ledgerTable))) {
                ExportSql.ensureSeries(c, ledgerTable); // a ledger made before the count by series
            }
            Map<String, ExportSql.Entry> ledger = ledgerExists ? ExportSql.entries(c, ledgerTable, source,
                    export.target()) : Map.of();
            PartitionPlanner.Policy policy = PolicyPass.plannerPolicy(sourceSettings, snapshot, now);
            Optional<ExportPlanner.TierFinality> finality = tier.isPresent() ? Optional.of(finality(c, settings,
                    rawSnapshot, tier.get())) : Optional.empty();
            List<Closed> closed = ExportPlanner.closed(new ObservedTable(snapshot, policy, sourceSettings),
                    settings.rollups().grace(), now, finality);
            List<Closed> due = ExportPlanner.due(closed, name -> Optional.ofNullable(ledger.get(name))
                    .map(ExportSql.Entry::verified).orElse(false));
            // credentials over plain http:// are refused before anything is read or sent, planned or applied
            Optional<String> insecure = export.plainHttpCredentials();
            if (insecure.isPresent()) {
                findings.add(new Finding(Reason.INSECURE_TRANSPORT, insecure.get()));
                return new Outcome(export, planned, sent, findings, ledger, closed, false, insecure, now);
            }
            if (!apply) {
                due.forEach(p -> planned.add(action(p, export, ledger.get(p.name()))));
                return new Outcome(export, planned, sent, findings, ledger, closed, false, Optional.empty(), now);
            }
            Receiver receiver;
            try {
                receiver = receiver(export);
            } catch (ReconcileException e) {
                String message = "the receiver's credentials or CA: " + e.reason().code() + ": " + e.getMessage();
                findings.add(new Finding(Reason.EXPORT_FAILED, message + "; nothing is exported"));
                return new Outcome(export, planned, sent, findings, ledger, closed, false, Optional.of(message),
                        now);
            }
            RemoteWriteClient client = receiver.client();
            Optional<ReceiverCount> counter = receiver.counter();
            long deadline = System.nanoTime() + timing.budget().toNanos();
            boolean outOfTime = false;
            Map<String, ExportSql.Entry> entries = new HashMap<>(ledger);
            for (Closed p : due) {
                ExportSql.Entry entry = entries.getOrDefault(p.name(), ExportSql.Entry.fresh(p.name()));
                boolean exportedNow = false;
                if (!entry.done()) {
                    // every pass sends at least one batch, whatever the time: a pass always moves the export on
                    if (!sent.isEmpty() && System.nanoTime() > deadline) {
                        outOfTime = true;
                        break;
                    }
                    planned.add(action(p, export, entry));
                    try {
                        Sent s = send(c, source, new ExportSql.Source(new TableName(snapshot.schemaOf(p.name()),
                                p.name()), Optional.of(
                                MetricSchema.REGISTRY), columns), ledgerTable, export, client, entry,
                                deadline, tier.map(t -> RollupPass.catalogue(settings.rollups())));
                        sent.add(s);
                        LOG.infof("exported %d samples of %s to %s in %d batches (%d rows refused)%s", s.samples(),
                                p.name(), export.target(), s.batches(), s.refused(), s.done() ? "" : "; more next pass");
                        if (!s.done()) {
                            outOfTime = true;
                            break;
                        }
                        exportedNow = true;
                    } catch (RemoteWriteClient.SendFailure f) {
                        String message = p.name() + " was not exported: " + f.getMessage() + "; the batches "
                                + "acknowledged before are kept, and the export resumes after them";
                        findings.add(new Finding(Reason.EXPORT_FAILED, message));
                        lastError = Optional.of(message);
                        if (f.retryable()) {
                            break; // the receiver is down or overloaded: the others wait for the next pass too
                        }
                        continue; // refused: this partition's export stops; the others may go
                    } catch (SQLException e) {
                        DatabaseFailure f = DatabaseFailure.of(e, where.target());
                        String message = p.name() + " was not exported: " + f.reason().code() + ": " + f.message()
                                + "; it resumes after its last recorded batch";
                        findings.add(new Finding(Reason.EXPORT_FAILED, message));
                        lastError = Optional.of(message);
                        break;
                    }
                    entries = new HashMap<>(ExportSql.entries(c, ledgerTable, source, export.target()));
                    entry = entries.get(p.name());
                }
                if (entry != null && entry.done() && !entry.verified() && counter.isPresent()) {
                    Optional<Finding> unverified = verify(c, source, ledgerTable, export, counter.get(), entry,
                            exportedNow ? timing.countAttempts() : 1, timing.firstCountWait());
                    if (unverified.isPresent()) {
                        findings.add(unverified.get());
                        lastError = Optional.of(unverified.get().message());
                    }
                }
            }
            Map<String, ExportSql.Entry> after = ExportSql.entries(c, ledgerTable, source, export.target());
            if (tier.isEmpty() && recount(c, raw, rawSnapshot, ledgerTable, export, settings, closed, after, now,
                    findings)) {
                after = ExportSql.entries(c, ledgerTable, source, export.target());
            }
            return new Outcome(export, planned, sent, findings, after, closed, false, lastError, now, outOfTime);
        } catch (SQLException e) {
            DatabaseFailure failure = DatabaseFailure.of(e, where.target());
            throw new ReconcileException(failure.reason(), failure.message());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReconcileException(Reason.EXPORT_FAILED, "the export was interrupted");
        }
    }

    /** Which raw partitions the rollup ledger shows rolled into {@code tier}, for the tier's finality. */
    private static ExportPlanner.TierFinality finality(Connection c, MetricPolicySettings settings,
            TableSnapshot rawSnapshot, RollupSettings.Tier tier) throws SQLException {
        RollupSql.Tables tables = RollupSql.Tables.of(PolicyPass.tableOf(settings), RollupPass.catalogue(settings.rollups()));
        Map<String, Set<String>> ledger = CatalogReader.exists(c, tables.ledger()) ? RollupSql.ledger(c, tables)
                : Map.of();
        return ExportPlanner.TierFinality.of(rawSnapshot, settings, ledger, tier.qualified());
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

    /**
     * Before a confirmed partition may go: its rows counted again, exactly, once it is past retention. A partition
     * with more rows than its export sent and refused took rows after its export (an insert with an explicit old
     * {@code created_at}); its ledger row is forgotten, so it is kept ({@code ExportPending}) and sent again, whole, in
     * the next pass (the receiver gets its other samples twice: see docs/export.md). The count is made before the
     * retirement's lock, not under it, so as not to hold writers for a scan; a row inserted in the seconds between
     * the two is the window that remains (as for the rollups). Returns whether it forgot any.
     */
    private static boolean recount(Connection c, TableName raw, TableSnapshot rawSnapshot, TableName ledgerTable,
            ExportSettings export,
            MetricPolicySettings settings, List<Closed> closed, Map<String, ExportSql.Entry> entries, Instant now,
            List<Finding> findings) throws SQLException {
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
                ExportSql.forget(c, ledgerTable, raw, p.name(), export.target());
                String message = p.name() + " holds " + rows + " rows, " + (rows - accounted) + " more than its export "
                        + "sent or refused (" + accounted + "): rows were written into it after its export; it is kept "
                        + "and sent again, whole, in the next pass";
                LOG.warn(message);
                findings.add(new Finding(Reason.EXPORT_PENDING, message));
                forgot = true;
            }
        }
        return forgot;
    }

    private static ExportPartition action(Closed p, ExportSettings export, ExportSql.Entry entry) {
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

    /**
     * Counts a done partition at the receiver, series by series: it is confirmed when every series sent holds at least
     * as many samples at the receiver, in the partition's sample-time range, as were sent of it (more: a batch sent
     * twice, which VictoriaMetrics keeps twice); samples of other series, another writer's under the same metric names
     * among them, count for nothing. The finding when it is not confirmed.
     */
    private static Optional<Finding> verify(Connection c, TableName raw, TableName ledgerTable, ExportSettings export,
            ReceiverCount counter, ExportSql.Entry entry, int attempts, Duration firstWait) throws SQLException,
            InterruptedException {
        if (entry.samplesSent() == 0 || entry.oldestSample().isEmpty() || entry.newestSample().isEmpty()) {
            ExportSql.counted(c, ledgerTable, raw, entry.partition(), export.target(), 0, true);
            return Optional.empty();
        }
        Map<Long, ExportSql.SentSeries> sent = ExportSql.sentSeries(c, ledgerTable, raw, entry.partition(),
                export.target());
        long recorded = sent.values().stream().mapToLong(ExportSql.SentSeries::samples).sum();
        if (recorded != entry.samplesSent()) {
            // sent (in part) by an operator that did not record the series, or under verify: AckOnly
            ExportSql.forget(c, ledgerTable, raw, entry.partition(), export.target());
            String message = entry.partition() + " was sent (" + entry.samplesSent() + " samples) without a record of "
                    + "the samples of each series (" + recorded + " recorded), which the receiver's count is compared "
                    + "with: its export is forgotten, and it is sent again, whole, in the next pass";
            LOG.warn(message);
            return Optional.of(new Finding(Reason.EXPORT_PENDING, message));
        }
        Map<String, List<Long>> byName = new java.util.TreeMap<>();
        sent.forEach((hash, series) -> byName.computeIfAbsent(series.metricName(), n -> new ArrayList<>()).add(hash));
        Map<Long, Long> held = new HashMap<>();
        Set<String> ask = byName.keySet();
        String failure = null;
        for (int attempt = 1; attempt <= attempts && !ask.isEmpty(); attempt++) {
            if (attempt > 1) {
                Thread.sleep(firstWait.toMillis() << (attempt - 2));
            }
            try {
                for (String name : ask) {
                    Map<Long, Long> answer = counter.countBySeries(name, entry.oldestSample().get(),
                            entry.newestSample().get());
                    byName.get(name).forEach(hash -> held.put(hash, answer.getOrDefault(hash, 0L)));
                }
                failure = null;
            } catch (ReceiverCount.CountFailure e) {
                failure = e.getMessage();
                continue;
            }
            // asked again: the names of the series still short
            ask = new TreeSet<>();
            for (Map.Entry<Long, ExportSql.SentSeries> e : sent.entrySet()) {
                if (held.getOrDefault(e.getKey(), 0L) < e.getValue().samples()) {
                    ask.add(e.getValue().metricName());
                }
            }
        }
        if (failure != null) {
            return Optional.of(new Finding(Reason.EXPORT_UNVERIFIED, entry.partition() + " was sent ("
                    + entry.samplesSent() + " samples) but the receiver could not be asked how many it holds: "
                    + failure + "; it is kept and asked again next pass"));
        }
        long count = 0;
        long covered = 0;
        List<Map.Entry<Long, ExportSql.SentSeries>> shortOf = new ArrayList<>();
        for (Map.Entry<Long, ExportSql.SentSeries> e : sent.entrySet()) {
            long h = held.getOrDefault(e.getKey(), 0L);
            count += h;
            covered += Math.min(h, e.getValue().samples());
            if (h < e.getValue().samples()) {
                shortOf.add(e);
            }
        }
        boolean verified = shortOf.isEmpty();
        ExportSql.counted(c, ledgerTable, raw, entry.partition(), export.target(), count, verified);
        if (verified) {
            LOG.infof("%s confirmed at %s: %d samples counted in its %d series, %d sent", entry.partition(),
                    export.target(), count, sent.size(), entry.samplesSent());
            return Optional.empty();
        }
        // the example: the series most short, then by name
        Map.Entry<Long, ExportSql.SentSeries> worst = shortOf.stream().min(Comparator.<Map.Entry<Long,
                ExportSql.SentSeries>>comparingLong(e -> held.getOrDefault(e.getKey(), 0L) - e.getValue().samples())
                .thenComparing(e -> e.getValue().metricName())).orElseThrow();
        return Optional.of(new Finding(Reason.EXPORT_UNVERIFIED, entry.partition() + " is kept: the receiver holds "
                + covered + " of the " + entry.samplesSent() + " samples sent, counted in the series they were sent "
                + "in ("
                + entry.oldestSample().get() + " to " + entry.newestSample().get() + "); " + shortOf.size() + " of its "
                + sent.size() + " series fall short, e.g. one of " + worst.getValue().metricName() + " holds "
                + held.getOrDefault(worst.getKey(), 0L) + " of " + worst.getValue().samples() + "; counted again next "
                + "pass"));
    }

    /** Streams one partition from where its ledger row stands, until it is done or the pass's time is up. */
    private Sent send(Connection ledgerConnection, TableName raw, ExportSql.Source source, TableName ledgerTable,
            ExportSettings export, RemoteWriteClient client, ExportSql.Entry entry, long deadline,
            Optional<TableName> catalogue) throws SQLException, RemoteWriteClient.SendFailure, InterruptedException {
        long started = System.nanoTime();
        TableName partition = source.partition();
        Stream stream = new Stream(ledgerConnection, raw, partition.name(), ledgerTable, export, client);
        try (Connection read = where.dataSource().getConnection()) {
            int fetch = Math.min(export.batchSamples(), 10_000);
            if (catalogue.isPresent()) {
                ExportSql.<Exception>readTier(read, partition, catalogue.get(), Optional.of(MetricSchema.REGISTRY),
                        export.tier().orElseThrow().toString(), entry.lastTime(), entry.lastId(), fetch,
                        row -> stream.accept(row, deadline));
            } else {
                ExportSql.<Exception>read(read, source, entry.lastTime(), entry.lastId(), fetch,
                        row -> stream.accept(row, deadline));
            }
        } catch (SQLException | RemoteWriteClient.SendFailure | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (!stream.stopped) {
            stream.flush(true);
        }
        return new Sent(partition.name(), stream.samples, stream.refused, stream.bytes, stream.batches,
                stream.retries, Duration.ofNanos(System.nanoTime() - started), !stream.stopped);
    }

    /** The batch being filled, and what was sent of the partition in this pass. */
    private static final class Stream {
        private final Connection ledger;
        private final TableName raw;
        private final String partition;
        private final TableName ledgerTable;
        private final ExportSettings export;
        private final RemoteWriteClient client;
        private final Map<String, NoetlLabels.Mapped> mapped = new HashMap<>();
        private Map<Map<String, String>, List<RemoteWriteFrame.Sample>> series = new LinkedHashMap<>();
        private Map<String, MetricMetadata> metadata = new LinkedHashMap<>();
        private int batchSamples;
        private long batchRefused;
        private Optional<String> refusal = Optional.empty();
        private OffsetDateTime lastTime;
        private long lastId;
        private long lastMillis = Long.MIN_VALUE;
        private Instant oldest;
        private Instant newest;
        long samples;
        long refused;
        long bytes;
        long batches;
        long retries;
        boolean stopped;

        Stream(Connection ledger, TableName raw, String partition, TableName ledgerTable, ExportSettings export,
                RemoteWriteClient client) {
            this.ledger = ledger;
            this.raw = raw;
            this.partition = partition;
            this.ledgerTable = ledgerTable;
            this.export = export;
            this.client = client;
        }

        boolean accept(ExportSql.Row row, long deadline) throws SQLException, RemoteWriteClient.SendFailure,
                InterruptedException {
            boolean cut = batchSamples + batchRefused >= export.batchSamples() && row.millis() != lastMillis;
            if (cut) {
                flush(false);
                if (System.nanoTime() > deadline) {
                    stopped = true;
                    return false;
                }
            }
            lastTime = row.time();
            lastId = row.id();
            lastMillis = row.millis();
            String key = row.metricName() + '\u0001' + row.labelsJson() + '\u0001' + row.runtimeName() + '\u0001'
                    + row.runtimeType();
            NoetlLabels.Mapped m = mapped.get(key);
            if (m == null) {
                if (mapped.size() >= MAPPING_CACHE) {
                    mapped.clear();
                }
                m = NoetlLabels.of(row.metricName(), row.labelsJson(), row.runtimeName(), row.runtimeType());
                mapped.put(key, m);
            }
            if (m.labels().isEmpty()) {
                refuse(row, m.refusal().orElse("cannot be expressed"));
                return true;
            }
            if (Double.isNaN(row.value())) {
                // VictoriaMetrics drops NaN samples (measured: 204, then absent), so the count could never reach what
                // was sent; and to Prometheus one NaN is a staleness marker
                refuse(row, "its value is NaN, which receivers drop or read as a staleness marker");
                return true;
            }
            List<RemoteWriteFrame.Sample> list = series.computeIfAbsent(m.labels().get(), k -> new ArrayList<>());
            if (!list.isEmpty() && list.get(list.size() - 1).timestampMillis() == row.millis()) {
                refuse(row, "another row of its series has the same millisecond (" + row.time() + "), and a series "
                        + "holds one sample per millisecond");
                return true;
            }
            list.add(new RemoteWriteFrame.Sample(row.millis(), row.value()));
            metadata.computeIfAbsent(row.metricName(), n -> NoetlLabels.metadata(n, row.metricType(), row.unit(),
                    row.help()));
            batchSamples++;
            Instant at = Instant.ofEpochMilli(row.millis());
            oldest = oldest == null || at.isBefore(oldest) ? at : oldest;
            newest = newest == null || at.isAfter(newest) ? at : newest;
            return true;
        }

        /**
         * Records the acknowledged batch in the ledger and, under {@code verify: Query}, the samples it sent of each
         * series beside it, in one transaction: a resumed export finds the two in step.
         */
        private void recordBatch(boolean last) throws SQLException {
            boolean ackOnly = export.verify() == ExportVerify.AckOnly;
            Map<Long, ExportSql.SentSeries> sentSeries = new HashMap<>();
            if (!ackOnly) {
                series.forEach((labels, samples) -> sentSeries.merge(SeriesHash.of(labels), new ExportSql.SentSeries(
                        labels.get(RemoteWriteFrame.METRIC_NAME_LABEL), samples.size()), (a, b) ->
                                new ExportSql.SentSeries(a.metricName(), a.samples() + b.samples())));
            }
            boolean auto = ledger.getAutoCommit();
            ledger.setAutoCommit(false);
            try {
                ExportSql.acknowledged(ledger, ledgerTable, raw, partition, export.target(),
                        Optional.ofNullable(lastTime), lastId, batchSamples, batchRefused, refusal,
                        Optional.ofNullable(oldest), Optional.ofNullable(newest), batchSamples > 0, last, ackOnly);
                ExportSql.seriesSent(ledger, ledgerTable, raw, partition, export.target(), sentSeries);
                if (last && ackOnly) {
                    ExportSql.forgetSeries(ledger, ledgerTable, raw, partition, export.target());
                }
                ledger.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    ledger.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                ledger.setAutoCommit(auto);
            }
        }

        private void refuse(ExportSql.Row row, String why) {
            batchRefused++;
            refusal = Optional.of("metric_id " + row.id() + " (" + row.metricName() + ") in " + partition + ": " + why);
        }

        /** Sends the batch (if it has samples) and records it; {@code last}: the partition is done. */
        void flush(boolean last) throws SQLException, RemoteWriteClient.SendFailure, InterruptedException {
            if (batchSamples > 0) {
                RemoteWriteFrame frame = RemoteWriteFrame.of(series.entrySet().stream()
                        .map(e -> new RemoteWriteFrame.Series(e.getKey(), e.getValue())).toList(), metadata.values());
                int attempts = client.send(frame);
                bytes += (long) frame.body().length * attempts;
                retries += attempts - 1;
                batches++;
            }
            if (batchSamples > 0 || batchRefused > 0 || last) {
                recordBatch(last);
            }
            samples += batchSamples;
            refused += batchRefused;
            series = new LinkedHashMap<>();
            metadata = new LinkedHashMap<>();
            batchSamples = 0;
            batchRefused = 0;
            refusal = Optional.empty();
            oldest = null;
            newest = null;
        }
    }
}
