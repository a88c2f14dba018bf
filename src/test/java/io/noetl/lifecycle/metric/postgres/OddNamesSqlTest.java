package io.noetl.lifecycle.metric.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.partition.postgres.SeedSchema;
import io.noetl.lifecycle.plan.SnowflakeLayout;
import io.noetl.lifecycle.postgres.DollarQuote;
import io.noetl.lifecycle.postgres.TableName;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Names the operator splices into the SQL it runs (issue 23, 9 and 14), on the real PostgreSQL: a schema whose name
 * holds the dollar tag the function bodies were quoted with ({@code a$fn$b}, a valid identifier) ended the bodies early
 * and their CREATE failed; and bootstrapping tables {@code metric} and {@code metrics} in one schema gave both the same
 * index names, so {@code IF NOT EXISTS} left the second without indexes. And (10) the bound on retentions.
 */
class OddNamesSqlTest {
    private static TestDatabase db;

    @BeforeAll
    static void create() {
        db = TestDatabase.create("odd_names_it");
    }

    @AfterAll
    static void drop() {
        Teardown.close(db);
    }

    @Test
    void aDollarTagInTheSchemaNameEndsNoFunctionBody() throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA \"a$fn$b\"");
            SeriesFingerprintSql.ensureFunctions(s, "a$fn$b");
            SeriesFingerprintSql.ensureFunctions(s, "a$fn$b"); // idempotent
            // the same fingerprint as in a plain schema
            s.execute("CREATE SCHEMA plain");
            SeriesFingerprintSql.ensureFunctions(s, "plain");
            assertEquals(db.queryLong("SELECT plain.series_fingerprint('m', 'gauge', 1, '{\"k\": [1, true]}')"),
                    db.queryLong("SELECT \"a$fn$b\".series_fingerprint('m', 'gauge', 1, '{\"k\": [1, true]}')"));
            SeedSchema.ensureEventTable(c, new TableName("e$fn$x", "event"), "event_default",
                    new SnowflakeLayout(Instant.parse("2024-01-01T00:00:00Z"), 23));
            s.execute("CALL \"e$fn$x\".ensure_event_partition('2026-07-01', '2026-10-01', 'event_2026_q3')");
            assertEquals(List.of("event_2026_q3", "event_default"), db.partitions("\"e$fn$x\".event"));
            assertEquals(db.queryLong("SELECT \"e$fn$x\".partition_id_for_ts(timestamptz '2026-07-01 00:00+00')"),
                    db.queryLong("SELECT (extract(epoch FROM timestamptz '2026-07-01 00:00+00') * 1000 - 1704067200000)"
                            + "::bigint << 23"));
        }
    }

    @Test
    void theTagIsOneTheBodyDoesNotHold() {
        assertEquals("$fn$ x $fn$", DollarQuote.of(" x "));
        assertEquals("$fn1$ a$fn$b $fn1$", DollarQuote.of(" a$fn$b "));
        assertEquals("$fn2$ $fn$$fn1$ $fn2$", DollarQuote.of(" $fn$$fn1$ "));
        assertEquals("CREATE FUNCTION \"a$fn$b\".f() RETURNS int LANGUAGE sql AS $fn1$ SELECT \"a$fn$b\".g() $fn1$",
                DollarQuote.retag("CREATE FUNCTION \"a$fn$b\".f() RETURNS int LANGUAGE sql AS $fn$ SELECT "
                        + "\"a$fn$b\".g() $fn$"));
    }

    @Test
    void twoMetricTablesInOneSchemaGetIndexesOfTheirOwn() throws Exception {
        try (Connection c = db.connect()) {
            MetricSchema.ensureMetricTable(c, new TableName("twin", "metric"));
            MetricSchema.ensureMetricTable(c, new TableName("twin", "metrics"));
        }
        for (String table : List.of("metric", "metrics")) {
            long indexes = db.queryLong("SELECT count(*) FROM pg_indexes WHERE schemaname = 'twin' AND tablename = ?",
                    table);
            assertEquals(6, indexes, table + ": its primary key and NoETL's five indexes");
        }
        assertTrue(db.queryLong("SELECT count(*) FROM pg_indexes WHERE schemaname = 'twin' "
                + "AND indexname = 'idx_metric_labels'") == 1);
    }

    /**
     * Issue 23, 10, the database's side: a tier's keep-from is the lower bound of the tier partition that holds now
     * less its retention (RollupPass.keepFrom), written as an instant literal. A century back is a date PostgreSQL
     * reads (the bound the spec now holds); 2,100 years back is year -78, whose literal PostgreSQL refuses ("time zone displacement out of range"), so the
     * statement fails, as every rollup of such a tier did.
     */
    @Test
    void aCenturyOfRetentionIsInRangeAndTwoMillenniaAreNot() {
        Instant now = Instant.parse("2026-12-06T00:00:00Z");
        RollupSql.Tier century = new RollupSql.Tier(new TableName("noetl", "t"),
                io.noetl.lifecycle.metric.rollup.Resolution.parse("1h"), io.noetl.lifecycle.plan.SpecRules.MAX_RETENTION,
                java.util.Optional.of(now.minus(io.noetl.lifecycle.plan.SpecRules.MAX_RETENTION)));
        assertTrue(db.queryStrings("SELECT (" + century.keepFromSql() + ")::text").get(0).startsWith("1926-12-"));
        java.time.Duration twoMillennia = java.time.Duration.ofDays(2_100L * 366);
        RollupSql.Tier millennia = new RollupSql.Tier(new TableName("noetl", "t"),
                io.noetl.lifecycle.metric.rollup.Resolution.parse("1h"), twoMillennia,
                java.util.Optional.of(now.minus(twoMillennia)));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> db.queryStrings("SELECT (" + millennia.keepFromSql() + ")::text"));
        assertTrue(String.valueOf(e.getCause()).contains("out of range"), String.valueOf(e.getCause()));
    }
}
