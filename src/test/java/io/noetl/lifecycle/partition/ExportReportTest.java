package io.noetl.lifecycle.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.noetl.lifecycle.api.ExportStatus;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.partition.plan.ExportSettings;
import io.noetl.lifecycle.partition.postgres.ExportSql;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What status.export shows of a pass's export outcome: watermark, lag, counts, the last refusal. No database. */
class ExportReportTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    private static ExportPass.Closed closed(int day) {
        Instant upper = Instant.parse(String.format("2026-11-%02dT00:00:00Z", day + 1));
        return new ExportPass.Closed(String.format("metric_2026_11_%02d", day), upper, upper.plusSeconds(300));
    }

    private static ExportSql.Entry entry(int day, long sent, long refused, boolean done, boolean verified,
            String refusal) {
        return new ExportSql.Entry(String.format("metric_2026_11_%02d", day), Optional.empty(), 0, sent, refused, 1,
                Optional.empty(), Optional.empty(), Optional.ofNullable(refusal),
                done ? Optional.of(NOW) : Optional.empty(), verified ? Optional.of(NOW) : Optional.empty(),
                Optional.empty());
    }

    @Test
    void theWatermarkStopsAtTheFirstClosedPartitionNotConfirmed() throws Exception {
        ExportSettings settings = ExportSettings.from(new MetricExport("http://vm:8428/api/v1/write"));
        Map<String, ExportSql.Entry> ledger = Map.of(
                "metric_2026_11_17", entry(17, 100, 1, true, true, "metric_id 1: old"),
                "metric_2026_11_18", entry(18, 200, 0, true, true, null),
                "metric_2026_11_19", entry(19, 50, 2, false, false, "metric_id 9: newest"),
                "metric_2026_11_20", entry(20, 300, 0, true, true, null));
        ExportPass.Outcome outcome = new ExportPass.Outcome(settings, List.of(), List.of(), List.of(), ledger,
                List.of(closed(17), closed(18), closed(19), closed(20)), false, Optional.of("boom"), NOW);
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();

        ExportReport.report(status, Optional.of(outcome));

        ExportStatus e = status.getExport();
        assertEquals("http://vm:8428/api/v1/write", e.getTarget());
        assertEquals("Query", e.getVerify());
        assertEquals("metric_2026_11_18", e.getWatermarkPartition(), "11-19 is not confirmed, so 11-20 is not either");
        assertEquals("2026-11-19T00:00:00Z", e.getWatermark());
        // 11-19 closed at 11-20T00:05: it has waited 33 h 55 min
        assertEquals(33 * 3600 + 55 * 60, e.getLagSeconds());
        assertEquals(600, e.getSamplesExported());
        assertEquals(50, e.getSamplesInFlight());
        assertEquals(3, e.getRowsRefused());
        assertEquals("metric_id 9: newest", e.getLastRefusal());
        assertEquals(3, e.getPartitionsExported());
        assertEquals(1, e.getPartitionsPending());
        assertEquals("boom", e.getLastError());
    }

    @Test
    void noExportClearsTheStatus() {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setExport(new ExportStatus());
        ExportReport.report(status, Optional.empty());
        assertNull(status.getExport());
    }
}
