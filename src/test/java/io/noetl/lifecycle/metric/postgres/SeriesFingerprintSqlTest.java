package io.noetl.lifecycle.metric.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.noetl.lifecycle.metric.rollup.Json;
import io.noetl.lifecycle.metric.rollup.JsonSamples;
import io.noetl.lifecycle.metric.rollup.MetricType;
import io.noetl.lifecycle.metric.rollup.SeriesFingerprint;
import io.noetl.lifecycle.metric.rollup.SeriesKey;
import io.noetl.lifecycle.support.NestedLabels;
import io.noetl.lifecycle.support.Teardown;
import io.noetl.lifecycle.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The database and the operator compute one fingerprint for one series: real PostgreSQL against SeriesFingerprint. */
class SeriesFingerprintSqlTest {
    private static TestDatabase db;

    @BeforeAll
    static void createDatabase() throws SQLException {
        db = TestDatabase.create("fingerprint_it");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA noetl");
            SeriesFingerprintSql.ensureFunctions(s, "noetl");
            // twice: CREATE OR REPLACE
            SeriesFingerprintSql.ensureFunctions(s, "noetl");
            s.execute("CREATE TABLE series (id int PRIMARY KEY, metric_name text NOT NULL, metric_type text NOT NULL, "
                    + "runtime_id bigint NOT NULL, labels jsonb)");
        }
    }

    @AfterAll
    static void dropDatabase() {
        Teardown.close(db);
    }

    @Test
    void thePinnedValuesAgree() {
        assertEquals(3_090_485_300_051_823_027L, db.queryLong(
                "SELECT noetl.series_fingerprint('cpu', 'gauge', 7, '{\"n\": 1.0, \"host\": \"a\"}')"));
        assertEquals(-2_574_602_254_909_485_198L, db.queryLong("SELECT noetl.series_fingerprint('cpu', 'gauge', 7, NULL)"));
        SeriesKey key = new SeriesKey("cpu", MetricType.GAUGE, 7, Json.parse("{\"host\":\"a\",\"n\":1}"));
        assertEquals(HexFormat.of().formatHex(SeriesFingerprint.encoding(key)), db.queryStrings("SELECT encode("
                + "'\\x01'::bytea || int4send(3) || convert_to('cpu', 'UTF8') || int4send(5) || convert_to('gauge', 'UTF8')"
                + " || int8send(7) || noetl.series_label_bytes('{\"n\": 1.0, \"host\": \"a\"}'), 'hex')").get(0));
    }

    /**
     * Labels whose deepest value sits 32 levels down are fingerprinted alike by both; one level more, and neither gives
     * one: NULL in the database, whatever the depth (before, 1,000 levels failed with "stack depth limit exceeded" and
     * 33 had a fingerprint), and IllegalArgumentException in the operator.
     */
    @Test
    void labelsNestedDeeperThan32LevelsHaveNoFingerprintInEither() {
        for (String labels : List.of(NestedLabels.json(32), NestedLabels.jsonWithArrays(32))) {
            SeriesKey key = new SeriesKey("cpu", MetricType.GAUGE, 7, Json.parse(labels));
            assertEquals(key.fingerprint(), db.queryLong("SELECT noetl.series_fingerprint('cpu', 'gauge', 7, ?::jsonb)",
                    labels), labels);
        }
        for (String labels : List.of(NestedLabels.json(33), NestedLabels.jsonWithArrays(33))) {
            SeriesKey key = new SeriesKey("cpu", MetricType.GAUGE, 7, Json.parse(labels));
            assertThrows(IllegalArgumentException.class, key::fingerprint, labels);
        }
        for (int levels : List.of(33, 1000, 6000)) {
            for (String labels : List.of(NestedLabels.json(levels), NestedLabels.jsonWithArrays(levels))) {
                List<Object> row = db.query("SELECT noetl.series_fingerprint('cpu', 'gauge', 7, ?::jsonb), "
                        + "noetl.series_label_bytes(?::jsonb)", labels, labels).get(0);
                assertNull(row.get(0), levels + " levels");
                assertNull(row.get(1), levels + " levels");
            }
        }
    }

    @Test
    void bothAreImmutableSoIndexesAndGeneratedColumnsMayUseThem() {
        assertEquals(List.of("i", "i"), db.queryStrings("SELECT provolatile::text FROM pg_proc WHERE pronamespace = "
                + "'noetl'::regnamespace AND proname IN ('series_fingerprint', 'series_label_bytes') ORDER BY proname"));
    }

    /**
     * Generated series, their labels spelled every way (keys shuffled and repeated, numbers respelled, escapes), plus
     * the edge cases: the database's fingerprint equals the operator's of the same text and of the text jsonb prints.
     */
    @Test
    void generatedSeriesGetTheSameFingerprintInBoth() throws SQLException {
        JsonSamples samples = new JsonSamples(42L);
        List<SeriesKey> keys = new ArrayList<>();
        List<Optional<String>> texts = new ArrayList<>();
        for (String edge : List.of("{}", "null", "[]", "[1, \"a\", null, true, {}]", "\"text\"", "0",
                "{\"\\uff61\": 1, \"\\ud83d\\ude00\": 2, \"z\": 3, \"\": 4}", "{\"a\": 1e-300, \"b\": 1e300, \"c\": -0.0}",
                "{\"a\": 123456789012345678901234567890.123456789000}", "{\"a\": {\"b\": {\"c\": [[[{\"d\": [1.50]}]]]}}}",
                "{\"é\": \"e\\u0301\", \"quote\": \"\\\"\\\\/\\n\\t\"}", "{\"le\": \"+Inf\", \"quantile\": 0.99}")) {
            texts.add(Optional.of(edge));
            keys.add(new SeriesKey("edge", MetricType.HISTOGRAM, 1, Json.parse(edge)));
        }
        texts.add(Optional.empty());
        keys.add(new SeriesKey("edge", MetricType.COUNTER, 1, Json.NO_LABELS));
        for (int i = 0; i < 2_000; i++) {
            Json labels = samples.labels();
            keys.add(new SeriesKey("metric_" + i % 7, MetricType.values()[i % 4], i % 5 - 2, labels));
            texts.add(Optional.of(samples.spell(labels)));
        }
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO series VALUES (?, ?, ?, ?, ?::jsonb)")) {
                for (int i = 0; i < keys.size(); i++) {
                    ps.setInt(1, i);
                    ps.setString(2, keys.get(i).name());
                    ps.setString(3, keys.get(i).type().sql());
                    ps.setLong(4, keys.get(i).runtimeId());
                    if (texts.get(i).isPresent()) {
                        ps.setString(5, texts.get(i).get());
                    } else {
                        ps.setNull(5, Types.VARCHAR);
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, noetl.series_fingerprint("
                    + "metric_name, metric_type, runtime_id, labels), labels::text, metric_name, metric_type, runtime_id "
                    + "FROM series ORDER BY id")) {
                int n = 0;
                while (rs.next()) {
                    int id = rs.getInt(1);
                    SeriesKey key = keys.get(id);
                    assertEquals(key.fingerprint(), rs.getLong(2), "series " + id + ": " + texts.get(id));
                    SeriesKey read = SeriesKey.of(rs.getString(4), rs.getString(5), rs.getLong(6),
                            Optional.ofNullable(rs.getString(3)));
                    assertEquals(key, read, "series " + id + " read back as jsonb prints it: " + rs.getString(3));
                    n++;
                }
                assertEquals(keys.size(), n);
            }
        }
        // jsonb's own equality groups the series as the fingerprint does
        assertEquals(db.queryLong("SELECT count(*) FROM (SELECT DISTINCT metric_name, metric_type, runtime_id, "
                + "coalesce(labels, '{}') FROM series) d"), db.queryLong("SELECT count(DISTINCT noetl.series_fingerprint("
                + "metric_name, metric_type, runtime_id, labels)) FROM series"));
    }
}
