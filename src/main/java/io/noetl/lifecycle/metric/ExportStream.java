package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.ExportVerify;
import io.noetl.lifecycle.export.NoetlLabels;
import io.noetl.lifecycle.export.RemoteWriteClient;
import io.noetl.lifecycle.export.RemoteWriteFrame;
import io.noetl.lifecycle.export.SeriesHash;
import io.noetl.lifecycle.export.prompb.MetricMetadata;
import io.noetl.lifecycle.metric.plan.ExportSettings;
import io.noetl.lifecycle.metric.postgres.ExportSql;
import io.noetl.lifecycle.postgres.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One partition's rows on their way to the receiver ({@link ExportPass}): the batch being filled, cut at about
 * {@code batchSamples} samples where the millisecond changes, sent, and recorded in the ledger once acknowledged; and
 * what was sent of the partition in this pass.
 */
final class ExportStream {
    /** Label mappings kept while a partition streams (rows of one series repeat its labels); cleared when full. */
    private static final int MAPPING_CACHE = 10_000;

    private final Connection ledgerConnection;
    private final ExportSql.Ledger ledger;
    private final String partition;
    private final ExportSettings export;
    private final RemoteWriteClient client;
    private final Pace pace;
    /** Samples a batch holds: {@code batchSamples}, or under a cap of {@code spec.historyPace} one second's worth. */
    private final int batchLimit;
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
    private long samples;
    private long refused;
    private long bytes;
    private long batches;
    private long retries;
    private boolean stopped;

    /**
     * @param ledgerConnection where the batches are recorded (not the connection the rows are read on)
     * @param pace asked before each batch is sent ({@link Pace#beforeStep}): the cap and the database's load
     * @param batchLimit samples a batch holds (about: it is cut where the millisecond changes)
     */
    ExportStream(Connection ledgerConnection, ExportSql.Ledger ledger, String partition, ExportSettings export,
            RemoteWriteClient client, Pace pace, int batchLimit) {
        this.ledgerConnection = ledgerConnection;
        this.ledger = ledger;
        this.partition = partition;
        this.export = export;
        this.client = client;
        this.pace = pace;
        this.batchLimit = batchLimit;
    }

    /**
     * Takes the next row of the partition; false when the pass's time ran out at a batch boundary ({@code deadline},
     * on the monotonic clock) and the read should stop.
     */
    boolean accept(ExportSql.Row row, long deadline) throws SQLException, RemoteWriteClient.SendFailure,
            InterruptedException {
        boolean cut = batchSamples + batchRefused >= batchLimit && row.millis() != lastMillis;
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
        NoetlLabels.Mapped m = mapping(row);
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
        add(row, list);
        return true;
    }

    /**
     * What was sent of the partition in this pass, after the last batch (unless the time ran out) is sent and
     * recorded.
     */
    ExportPass.Sent finish(long startedNanos) throws SQLException, RemoteWriteClient.SendFailure,
            InterruptedException {
        if (!stopped) {
            flush(true);
        }
        return new ExportPass.Sent(partition, samples, refused, bytes, batches, retries,
                Duration.ofNanos(System.nanoTime() - startedNanos), !stopped);
    }

    /** The row's labels as remote-write carries them, or why they cannot be; the mapping of a series is kept. */
    private NoetlLabels.Mapped mapping(ExportSql.Row row) {
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
        return m;
    }

    private void add(ExportSql.Row row, List<RemoteWriteFrame.Sample> list) {
        list.add(new RemoteWriteFrame.Sample(row.millis(), row.value()));
        metadata.computeIfAbsent(row.metricName(), n -> NoetlLabels.metadata(n, row.metricType(), row.unit(),
                row.help()));
        batchSamples++;
        Instant at = Instant.ofEpochMilli(row.millis());
        oldest = oldest == null || at.isBefore(oldest) ? at : oldest;
        newest = newest == null || at.isAfter(newest) ? at : newest;
    }

    private void refuse(ExportSql.Row row, String why) {
        batchRefused++;
        refusal = Optional.of("metric_id " + row.id() + " (" + row.metricName() + ") in " + partition + ": " + why);
    }

    /** Sends the batch (if it has samples) and records it; {@code last}: the partition is done. */
    private void flush(boolean last) throws SQLException, RemoteWriteClient.SendFailure, InterruptedException {
        if (batchSamples > 0) {
            RemoteWriteFrame frame = RemoteWriteFrame.of(series.entrySet().stream()
                    .map(e -> new RemoteWriteFrame.Series(e.getKey(), e.getValue())).toList(), metadata.values());
            // one step of the export: held for the cap and while the database is busy, then sent and recorded
            pace.beforeStep();
            int attempts = client.send(frame);
            bytes += (long) frame.body().length * attempts;
            retries += attempts - 1;
            batches++;
        }
        if (batchSamples > 0 || batchRefused > 0 || last) {
            recordBatch(last);
        }
        if (batchSamples > 0) {
            pace.stepDone(batchSamples);
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

    /**
     * Records the acknowledged batch in the ledger and, under {@code verify: Query}, the samples it sent of each
     * series beside it, in one transaction: a resumed export finds the two in step.
     */
    private void recordBatch(boolean last) throws SQLException {
        boolean ackOnly = export.verify() == ExportVerify.AckOnly;
        ExportSql.Batch batch = ExportSql.Batch.builder().after(Optional.ofNullable(lastTime), lastId)
                .samples(batchSamples, Optional.ofNullable(oldest), Optional.ofNullable(newest))
                .refused(batchRefused, refusal)
                .stage(!last ? ExportSql.Stage.MORE : ackOnly ? ExportSql.Stage.LAST_CONFIRMED : ExportSql.Stage.LAST)
                .build();
        Transactions.inOne(ledgerConnection, () -> {
            ExportSql.acknowledged(ledgerConnection, ledger, partition, batch);
            ExportSql.seriesSent(ledgerConnection, ledger, partition, ackOnly ? Map.of() : sentSeries());
            if (last && ackOnly) {
                ExportSql.forgetSeries(ledgerConnection, ledger, partition);
            }
            return null;
        });
    }

    /** The samples the batch sent of each series, by {@code SeriesHash}. */
    private Map<Long, ExportSql.SentSeries> sentSeries() {
        Map<Long, ExportSql.SentSeries> sent = new HashMap<>();
        series.forEach((labels, list) -> sent.merge(SeriesHash.of(labels), new ExportSql.SentSeries(
                labels.get(RemoteWriteFrame.METRIC_NAME_LABEL), list.size()), (a, b) ->
                        new ExportSql.SentSeries(a.metricName(), a.samples() + b.samples())));
        return sent;
    }
}
