package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.export.ReceiverCount;
import io.noetl.lifecycle.metric.postgres.ExportSql;
import io.noetl.lifecycle.partition.plan.Finding;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * The receiver's count of a partition the export is done sending ({@code verify: Query}), series by series: the
 * partition is confirmed when every series sent holds at least as many samples at the receiver, in the partition's
 * sample-time range, as were sent of it (more: a batch sent twice, which VictoriaMetrics keeps twice); samples of
 * other series, another writer's under the same metric names among them, count for nothing.
 */
final class ExportCount {
    private static final Logger LOG = Logger.getLogger(ExportCount.class);

    private final Connection c;
    private final ExportSql.Ledger ledger;
    private final ReceiverCount counter;
    private final Duration firstWait;

    /** @param firstWait the wait after the first short count; it doubles after each */
    ExportCount(Connection c, ExportSql.Ledger ledger, ReceiverCount counter, Duration firstWait) {
        this.c = c;
        this.ledger = ledger;
        this.counter = counter;
        this.firstWait = firstWait;
    }

    /** What the receiver holds of each series, or why it could not be asked. */
    private record Held(Map<Long, Long> bySeries, Optional<String> failure) {
    }

    /**
     * Counts the done partition of {@code entry} at the receiver, asking up to {@code attempts} times, and records the
     * count; the finding when it is not confirmed.
     */
    Optional<Finding> verify(ExportSql.Entry entry, int attempts) throws SQLException, InterruptedException {
        if (entry.samplesSent() == 0 || entry.oldestSample().isEmpty() || entry.newestSample().isEmpty()) {
            ExportSql.counted(c, ledger, entry.partition(), 0, true);
            return Optional.empty();
        }
        Map<Long, ExportSql.SentSeries> sent = ExportSql.sentSeries(c, ledger, entry.partition());
        long recorded = sent.values().stream().mapToLong(ExportSql.SentSeries::samples).sum();
        if (recorded != entry.samplesSent()) {
            // sent (in part) by an operator that did not record the series, or under verify: AckOnly
            ExportSql.forget(c, ledger, entry.partition());
            String message = entry.partition() + " was sent (" + entry.samplesSent() + " samples) without a record of "
                    + "the samples of each series (" + recorded + " recorded), which the receiver's count is compared "
                    + "with: its export is forgotten, and it is sent again, whole, in the next pass";
            LOG.warn(message);
            return Optional.of(new Finding(Reason.EXPORT_PENDING, message));
        }
        Held held = ask(entry, sent, attempts);
        if (held.failure().isPresent()) {
            return Optional.of(new Finding(Reason.EXPORT_UNVERIFIED, entry.partition() + " was sent ("
                    + entry.samplesSent() + " samples) but the receiver could not be asked how many it holds: "
                    + held.failure().get() + "; it is kept and asked again next pass"));
        }
        return judge(entry, sent, held.bySeries());
    }

    /**
     * Asks the receiver for the samples of each series, by metric name; a name is asked again, after a wait that
     * doubles, while a series of it is short (a receiver may need some seconds before new series answer queries).
     */
    private Held ask(ExportSql.Entry entry, Map<Long, ExportSql.SentSeries> sent, int attempts)
            throws InterruptedException {
        Map<String, List<Long>> byName = new TreeMap<>();
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
            ask = shortNames(sent, held);
        }
        return new Held(held, Optional.ofNullable(failure));
    }

    /** The names of the series the receiver holds fewer samples of than were sent. */
    private static Set<String> shortNames(Map<Long, ExportSql.SentSeries> sent, Map<Long, Long> held) {
        Set<String> names = new TreeSet<>();
        for (Map.Entry<Long, ExportSql.SentSeries> e : sent.entrySet()) {
            if (held.getOrDefault(e.getKey(), 0L) < e.getValue().samples()) {
                names.add(e.getValue().metricName());
            }
        }
        return names;
    }

    /** Records the count; confirmed when no series falls short, else the finding with the series most short. */
    private Optional<Finding> judge(ExportSql.Entry entry, Map<Long, ExportSql.SentSeries> sent,
            Map<Long, Long> held) throws SQLException {
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
        ExportSql.counted(c, ledger, entry.partition(), count, verified);
        if (verified) {
            LOG.infof("%s confirmed at %s: %d samples counted in its %d series, %d sent", entry.partition(),
                    ledger.target(), count, sent.size(), entry.samplesSent());
            return Optional.empty();
        }
        // the example: the series most short, then by name
        Map.Entry<Long, ExportSql.SentSeries> worst = shortOf.stream().min(Comparator.<Map.Entry<Long,
                ExportSql.SentSeries>>comparingLong(e -> held.getOrDefault(e.getKey(), 0L) - e.getValue().samples())
                .thenComparing(e -> e.getValue().metricName())).orElseThrow();
        return Optional.of(new Finding(Reason.EXPORT_UNVERIFIED, entry.partition() + " is kept: the receiver holds "
                + covered + " of the " + entry.samplesSent() + " samples sent, counted in the series they were sent "
                + "in (" + entry.oldestSample().get() + " to " + entry.newestSample().get() + "); " + shortOf.size()
                + " of its " + sent.size() + " series fall short, e.g. one of " + worst.getValue().metricName()
                + " holds " + held.getOrDefault(worst.getKey(), 0L) + " of " + worst.getValue().samples()
                + "; counted again next pass"));
    }
}
