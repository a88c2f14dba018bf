package io.noetl.lifecycle.metric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.ExportStatus;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.MetricRetentionPolicyStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.metric.plan.ExportPlanner;
import io.noetl.lifecycle.metric.plan.ExportSettings;
import io.noetl.lifecycle.metric.postgres.ExportSql;
import io.noetl.lifecycle.partition.plan.KeyRange;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What status.export shows of a pass's export outcome: watermark, lag, counts, the last refusal; and which of its
 * partitions may go. No database.
 */
class ExportReportTest {
    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");

    private static ExportPlanner.Closed closed(int day) {
        Instant upper = Instant.parse(String.format("2026-11-%02dT00:00:00Z", day + 1));
        // the range in key units (epoch microseconds of a timestamptz key): the report does not read it
        KeyRange range = new KeyRange(upper.minusSeconds(86_400).toEpochMilli() * 1000, upper.toEpochMilli() * 1000);
        return new ExportPlanner.Closed(String.format("metric_2026_11_%02d", day), range, upper,
                upper.plusSeconds(300));
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
        ExportPass.Outcome outcome = ExportPass.Outcome.builder(settings, NOW).ledger(ledger)
                .closed(List.of(closed(17), closed(18), closed(19), closed(20))).lastError(Optional.of("boom")).build();
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

    /**
     * A confirmed partition whose export refused rows: held under {@code refusedRows: Hold} (the default), its
     * retirement taken out of the plan with {@code ExportRefusedRows}, the count and the example row; retirable under
     * {@code Accept}. The watermark and the lag count it as exported either way (issue 23, 15).
     */
    @Test
    void aConfirmedPartitionWithRefusedRowsIsHeldUnlessTheRuleAcceptsThem() throws Exception {
        Map<String, ExportSql.Entry> ledger = Map.of(
                "metric_2026_11_17", entry(17, 100, 2, true, true, "metric_id 7 (jobs) in metric_2026_11_17: NaN"),
                "metric_2026_11_18", entry(18, 200, 0, true, true, null),
                "metric_2026_11_19", entry(19, 50, 0, true, false, null));
        io.noetl.lifecycle.partition.plan.Plan plan = new io.noetl.lifecycle.partition.plan.Plan(List.of(17, 18, 19)
                .stream().<io.noetl.lifecycle.partition.plan.PlannedAction>map(d -> new io.noetl.lifecycle.partition
                        .plan.PlannedAction.DropPartition(String.format("metric_2026_11_%02d", d),
                                new io.noetl.lifecycle.partition.plan.KeyRange((long) d, d + 1L), "expired")).toList(),
                List.of());
        io.noetl.lifecycle.postgres.TableName raw = new io.noetl.lifecycle.postgres.TableName("noetl", "metric");

        ExportSettings hold = ExportSettings.from(new MetricExport("http://vm:8428/api/v1/write"));
        ExportPass.Outcome held = ExportPass.Outcome.builder(hold, NOW).ledger(ledger)
                .closed(List.of(closed(17), closed(18), closed(19))).build();
        assertTrue(held.confirmed("metric_2026_11_17"));
        assertTrue(held.held("metric_2026_11_17"));
        assertFalse(held.retirable("metric_2026_11_17"));
        assertTrue(held.retirable("metric_2026_11_18"));
        assertEquals(Optional.of("metric_2026_11_18"), held.watermark().map(ExportPlanner.Closed::name));
        assertTrue(held.gate(raw).holdRefused());
        io.noetl.lifecycle.partition.plan.Plan kept = MetricHistoryPass.unexported(plan, held, raw);
        assertEquals(List.of("metric_2026_11_18"), kept.actions().stream().map(a -> a.partition()).toList());
        assertEquals(List.of(Reason.EXPORT_REFUSED_ROWS, Reason.EXPORT_PENDING), kept.findings().stream()
                .map(io.noetl.lifecycle.partition.plan.Finding::reason).toList());
        assertEquals("1 partition(s) past retention are kept because their export refused rows, which are at no "
                + "receiver (spec.export.refusedRows: Hold): metric_2026_11_17 (2 rows; e.g. metric_id 7 (jobs) in "
                + "metric_2026_11_17: NaN); to let one go, set spec.export.refusedRows: Accept, or correct or delete "
                + "its refused rows and forget its export (DELETE FROM \"noetl\".\"metric_export_ledger\" WHERE "
                + "raw_table = 'noetl.metric' AND raw_partition = '<partition>'), which sends it again, whole, in the "
                + "next pass",
                kept.findings().get(0).message());

        MetricExport accepting = new MetricExport("http://vm:8428/api/v1/write");
        accepting.setRefusedRows(io.noetl.lifecycle.api.RefusedRows.Accept);
        ExportPass.Outcome accepted = ExportPass.Outcome.builder(ExportSettings.from(accepting), NOW).ledger(ledger)
                .closed(List.of(closed(17), closed(18), closed(19))).build();
        assertTrue(accepted.retirable("metric_2026_11_17"));
        assertFalse(accepted.gate(raw).holdRefused());
        assertEquals(List.of("metric_2026_11_17", "metric_2026_11_18"), MetricHistoryPass.unexported(plan, accepted, raw)
                .actions().stream().map(a -> a.partition()).toList());
    }

    @Test
    void noExportClearsTheStatus() {
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        status.setExport(new ExportStatus());
        ExportReport.report(status, Optional.empty());
        assertNull(status.getExport());
    }
}
