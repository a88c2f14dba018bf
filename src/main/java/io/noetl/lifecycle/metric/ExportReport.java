package io.noetl.lifecycle.metric;

import io.noetl.lifecycle.api.ExportStatus;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.plan.MetricPolicySettings;
import io.noetl.lifecycle.metric.postgres.ExportSql;
import io.noetl.lifecycle.report.OperatorMetrics;
import java.util.Optional;

/** What status shows of a policy's export ({@code status.export}), and the measures the metrics take of it. */
public final class ExportReport {
    private ExportReport() {
    }

    /** Writes {@code status.export}; clears it for a policy without export. */
    public static void report(MetricRetentionPolicyStatus status, Optional<ExportPass.Outcome> outcome) {
        if (outcome.isEmpty()) {
            status.setExport(null);
            return;
        }
        ExportPass.Outcome o = outcome.get();
        ExportStatus s = new ExportStatus();
        s.setTarget(o.settings().target());
        s.setVerify(o.settings().verify().name());
        o.watermark().ifPresent(w -> {
            s.setWatermarkPartition(w.name());
            s.setWatermark(w.upperBound().toString());
        });
        s.setLagSeconds(o.lag().toSeconds());
        long exported = 0;
        long inFlight = 0;
        long refused = 0;
        int confirmed = 0;
        Optional<String> refusal = Optional.empty();
        // by partition name, oldest first, so that the last refusal is the newest partition's
        for (ExportSql.Entry e : new java.util.TreeMap<>(o.ledger()).values()) {
            if (e.verified()) {
                exported += e.samplesSent();
                confirmed++;
            } else {
                inFlight += e.samplesSent();
            }
            refused += e.rowsRefused();
            if (e.lastRefusal().isPresent()) {
                refusal = e.lastRefusal();
            }
        }
        s.setSamplesExported(exported);
        s.setSamplesInFlight(inFlight);
        s.setRowsRefused(refused);
        s.setLastRefusal(refusal.orElse(null));
        s.setPartitionsExported(confirmed);
        s.setPartitionsPending((int) o.closed().stream().filter(c -> !o.confirmed(c.name())).count());
        s.setLastError(o.lastError().orElse(null));
        status.setExport(s);
    }

    /** The measures of a pass's export for {@link OperatorMetrics#exportPass}. */
    public static OperatorMetrics.ExportMeasures measures(ExportPass.Outcome e, MetricPolicySettings settings) {
        return new OperatorMetrics.ExportMeasures(e.sent().stream().mapToLong(ExportPass.Sent::samples).sum(),
                e.sent().stream().mapToLong(ExportPass.Sent::bytes).sum(),
                e.sent().stream().mapToLong(ExportPass.Sent::retries).sum(),
                e.sent().stream().mapToLong(ExportPass.Sent::refused).sum(),
                e.sent().stream().map(ExportPass.Sent::took).toList(), e.lag(), RollupReport.nominal(settings.interval()),
                (int) e.findings().stream().filter(f -> f.reason() == Reason.EXPORT_FAILED
                        || f.reason() == Reason.EXPORT_UNVERIFIED || f.reason() == Reason.INSECURE_TRANSPORT).count());
    }
}
