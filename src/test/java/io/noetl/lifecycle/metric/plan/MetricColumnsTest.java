package io.noetl.lifecycle.metric.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which column plays which part, chosen from the catalog's columns and types; no database. */
class MetricColumnsTest {
    /** NoETL's live noetl.metric, as the catalog shows it. */
    private static final Map<String, String> LIVE = Map.of("metric_id", "int8", "runtime_id", "int8", "metric_name",
            "text", "metric_type", "text", "metric_value", "float8", "labels", "jsonb", "help_text", "text", "unit",
            "text", "created_at", "timestamp", "expires_at", "timestamptz");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Map<String, String> seed() {
        Map<String, String> m = new HashMap<>(LIVE);
        m.put("timestamp", "timestamptz");
        m.put("created_at", "timestamptz");
        return m;
    }

    @Test
    void noetlsLiveTableTakesItsPartitionKeyAsTheSampleTimeReadInTheZone() {
        MetricColumns c = MetricColumns.choose(LIVE, Optional.empty(), "created_at", BERLIN);
        assertEquals(List.of(), c.problems("noetl.metric", Optional.empty(), "created_at", true));
        assertEquals("created_at", c.sampleTime());
        assertTrue(c.wallClock());
        assertTrue(c.partitionKeyWallClock());
        assertEquals("(m.\"created_at\" AT TIME ZONE 'Europe/Berlin')", c.sampleTimeSql("m"));
        assertEquals(Optional.of("\"expires_at\""), c.expiresAtSql(""));
        assertTrue(c.describe().startsWith("sample time created_at (timestamp, read in Europe/Berlin), value "
                + "metric_value"), c.describe());
        // the range condition bounds the column itself (pruning, index) and checks the instant exactly
        String within = c.sampleTimeWithinSql("r", "$3", "$4");
        assertTrue(within.startsWith("r.\"created_at\" >= ($3 AT TIME ZONE 'Europe/Berlin') - interval '1 day'"),
                within);
        assertTrue(within.endsWith("(r.\"created_at\" AT TIME ZONE 'Europe/Berlin') < $4"), within);
    }

    @Test
    void theSeedsExampleTakesItsTimestampColumnAsItIs() {
        MetricColumns c = MetricColumns.choose(seed(), Optional.empty(), "created_at", ZoneOffset.UTC);
        assertEquals("timestamp", c.sampleTime());
        assertFalse(c.wallClock());
        assertEquals("m.\"timestamp\"", c.sampleTimeSql("m"));
        assertEquals("r.\"timestamp\" >= $3 AND r.\"timestamp\" < $4", c.sampleTimeWithinSql("r", "$3", "$4"));
    }

    @Test
    void aNamedSampleTimeWinsAndAMissingOrUnusableOneIsNamed() {
        MetricColumns named = MetricColumns.choose(seed(), Optional.of("created_at"), "created_at", ZoneOffset.UTC);
        assertEquals("created_at", named.sampleTime());
        List<String> missing = MetricColumns.choose(LIVE, Optional.of("observed_at"), "created_at", ZoneOffset.UTC)
                .problems("noetl.metric", Optional.of("observed_at"), "created_at", false);
        assertEquals(List.of("spec.sampleTimeColumn observed_at is not a column of noetl.metric"), missing);
        List<String> wrongType = MetricColumns.choose(LIVE, Optional.of("metric_name"), "created_at", ZoneOffset.UTC)
                .problems("noetl.metric", Optional.of("metric_name"), "created_at", false);
        assertEquals(1, wrongType.size());
        assertTrue(wrongType.get(0).startsWith("spec.sampleTimeColumn noetl.metric column metric_name is text"),
                wrongType.get(0));
    }

    @Test
    void optionalColumnsAreUsedWhenPresentAndNeverRequired() {
        Map<String, String> bare = new HashMap<>(LIVE);
        bare.remove("help_text");
        bare.remove("unit");
        bare.remove("expires_at");
        MetricColumns c = MetricColumns.choose(bare, Optional.empty(), "created_at", ZoneOffset.UTC);
        assertEquals(List.of(), c.problems("t", Optional.empty(), "created_at", true));
        assertEquals("NULL::text", c.textOrNull("m", MetricColumns.Role.HELP));
        assertEquals(Optional.empty(), c.expiresAtSql(""));
    }

    @Test
    void theRollupsNeedTypeAndRuntimeWhereTheExportDoesNot() {
        Map<String, String> m = new HashMap<>(LIVE);
        m.remove("runtime_id");
        m.put("labels", "json");
        MetricColumns c = MetricColumns.choose(m, Optional.empty(), "created_at", ZoneOffset.UTC);
        List<String> forExport = c.problems("t", Optional.empty(), "created_at", false);
        assertEquals(List.of("t column labels is json; the operator reads it as the labels, one of jsonb"), forExport);
        List<String> forRollups = c.problems("t", Optional.empty(), "created_at", true);
        assertTrue(forRollups.contains("t has no column runtime_id"), forRollups.toString());
    }

    /** PostgreSQL's AT TIME ZONE reads a repeated wall-clock time as its second occurrence; so does the operator. */
    @Test
    void aRepeatedHourIsReadAsStandardTimeAndASkippedOneAtTheOffsetBefore() {
        assertEquals("2026-10-25T01:30:00Z", TimeGrid.wallClockInstant(LocalDateTime.parse("2026-10-25T02:30:00"),
                BERLIN).toString());
        assertEquals("2026-03-29T01:30:00Z", TimeGrid.wallClockInstant(LocalDateTime.parse("2026-03-29T02:30:00"),
                BERLIN).toString());
        TimeGrid hours = new TimeGrid(TimeInterval.HOUR, BERLIN, KeyType.TIMESTAMP);
        long twoAm = hours.keyOf(java.time.Instant.parse("2026-10-25T01:00:00Z"));
        assertEquals("2026-10-25T01:00:00Z", hours.instantOf(twoAm).toString());
    }
}
