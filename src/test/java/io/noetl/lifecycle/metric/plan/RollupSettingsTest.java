package io.noetl.lifecycle.metric.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.MetricRetentionPolicySpec;
import io.noetl.lifecycle.api.RollupTier;
import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** spec.rollups parsed: the operator's defaults, and each rule broken naming its field. */
class RollupSettingsTest {

    private static MetricRetentionPolicySpec spec(RollupTier... tiers) {
        MetricRetentionPolicySpec spec = new MetricRetentionPolicySpec();
        spec.setRollups(List.of(tiers));
        return spec;
    }

    private static RollupTier tier(String resolution, String retention) {
        return new RollupTier(resolution, retention);
    }

    @Test
    void noRollupsWhenLeftOutAndTheDefaultsWhenWritten() throws InvalidSpecException {
        assertFalse(MetricPolicySettings.from(new MetricRetentionPolicySpec()).rollups().enabled());
        RollupSettings r = MetricPolicySettings.from(spec(tier("1m", "7d"), tier("5m", "30d"), tier("1h", "365d")))
                .rollups();
        assertEquals(Duration.ofMinutes(5), r.grace());
        assertEquals("noetl", r.catalogueSchema());
        assertEquals("metric_series", r.catalogueTable());
        assertEquals(List.of("noetl.metric_rollup_1m", "noetl.metric_rollup_5m", "noetl.metric_rollup_1h"),
                r.tiers().stream().map(RollupSettings.Tier::qualified).toList());
        assertEquals(List.of(TimeInterval.DAY, TimeInterval.WEEK, TimeInterval.MONTH),
                r.tiers().stream().map(RollupSettings.Tier::partitionInterval).toList());
        assertEquals(Resolution.parse("5m"), r.tiers().get(1).resolution());
        assertEquals(Duration.ofDays(30), r.tiers().get(1).retention());
    }

    @Test
    void aTierTableKeepsItsOwnPartitionsOnBucketStartByItsRetention() throws InvalidSpecException {
        MetricPolicySettings raw = MetricPolicySettings.from(spec(tier("5m", "30d")));
        MetricPolicySettings t = raw.rollups().tiers().get(0).tableSettings(raw);
        assertEquals("metric_rollup_5m", t.table());
        assertEquals("bucket_start", t.partitionKey());
        assertEquals(TimeInterval.WEEK, t.interval());
        assertEquals(Duration.ofDays(30), t.retention());
        assertFalse(t.rollups().enabled(), "a tier table has no rollups of its own");
    }

    /**
     * Issue 23, 10: a tier retention of about 2,026 years or more put the keep-from date before year 1, which
     * PostgreSQL cannot write, so every rollup failed and no raw partition was ever retired (OddNamesSqlTest
     * shows the database's side). Retentions are bounded to a century, the raw one too.
     */
    @Test
    void retentionsLongerThanACenturyAreRefusedByField() throws InvalidSpecException {
        assertField("rollups[0].retention", spec(tier("1h", "106000w")));
        assertField("rollups[0].retention", spec(tier("1h", "36526d")));
        MetricRetentionPolicySpec raw = spec(tier("1h", "365d"));
        raw.setRetention("105800w");
        assertField("retention", raw);
        assertEquals(Duration.ofDays(36_525), MetricPolicySettings.from(spec(tier("1h", "36525d"))).rollups().tiers()
                .get(0).retention());
    }

    @Test
    void eachBrokenRuleNamesItsField() {
        assertField("rollups[1].resolution", spec(tier("5m", "30d"), tier("1m", "7d")));
        assertField("rollups[1].resolution", spec(tier("2m", "7d"), tier("5m", "30d")));
        assertField("rollups[0].retention", spec(tier("5m", "1d")));
        assertField("rollups[0].resolution", spec(tier(null, "7d")));
        assertField("rollups[0].retention", spec(tier("5m", null)));
        RollupTier a = tier("1m", "7d");
        a.setTable("noetl.t");
        RollupTier b = tier("5m", "30d");
        b.setTable("noetl.t");
        assertField("rollups[1].table", spec(a, b));
        RollupTier raw = tier("1m", "7d");
        raw.setTable("noetl.metric");
        assertField("rollups[0].table", spec(raw));
        MetricRetentionPolicySpec grace = spec(tier("1m", "7d"));
        grace.setRollupGrace("soon");
        assertField("rollupGrace", grace);
    }

    private static void assertField(String field, MetricRetentionPolicySpec spec) {
        InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> MetricPolicySettings.from(spec));
        assertTrue(e.getMessage().startsWith("spec." + field + ": "), e.getMessage());
    }
}
