package io.noetl.lifecycle.metric.rollup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SeriesFingerprintTest {
    private static long fp(String name, MetricType type, long runtime, String labels) {
        return new SeriesKey(name, type, runtime, Json.parse(labels)).fingerprint();
    }

    private static long gauge(String labels) {
        return fp("cpu", MetricType.GAUGE, 7, labels);
    }

    /**
     * The encoding written out by hand from the class's grammar, and its value, which an independent implementation
     * and PostgreSQL's sha256() computed too: a change to either breaks every stored fingerprint.
     */
    @Test
    void theEncodingAndTheValueArePinned() throws Exception {
        String hex = "01"
                + "00000003" + "637075" // text("cpu")
                + "00000005" + "6761756765" // text("gauge")
                + "0000000000000007" // int64(7)
                + "06" + "00000002" // an object of two members, keys in byte order
                + "00000004" + "686f7374" + "04" + "00000001" + "61" // "host": string "a"
                + "00000001" + "6e" + "03" + "00000001" + "31"; // "n": number "1"
        byte[] expected = HexFormat.of().parseHex(hex);
        SeriesKey key = new SeriesKey("cpu", MetricType.GAUGE, 7, Json.parse("{\"n\":1.0,\"host\":\"a\"}"));
        assertArrayEquals(expected, SeriesFingerprint.encoding(key));
        long first8 = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(expected)).getLong();
        assertEquals(first8, key.fingerprint());
        assertEquals(3_090_485_300_051_823_027L, key.fingerprint());
        assertEquals(-2_574_602_254_909_485_198L, SeriesKey.of("cpu", "gauge", 7, Optional.empty()).fingerprint());
    }

    @Test
    void labelOrderNeverChangesTheFingerprint() {
        assertEquals(gauge("{\"host\":\"a\",\"job\":\"b\"}"), gauge("{\"job\":\"b\",\"host\":\"a\"}"));
        assertEquals(gauge("{\"x\":{\"p\":1,\"q\":[{\"s\":1,\"r\":2}]}}"), gauge("{\"x\":{\"q\":[{\"r\":2,\"s\":1}],\"p\":1}}"));
    }

    @Test
    void valueSpellingsNeverChangeTheFingerprint() {
        long one = gauge("{\"le\":1}");
        for (String spelling : List.of("1.0", "1e0", "1E+0", "10e-1", "0.1e1", "1.000")) {
            assertEquals(one, gauge("{\"le\":" + spelling + "}"), spelling);
        }
        assertEquals(gauge("{\"v\":0}"), gauge("{\"v\":-0.0}"));
        assertEquals(gauge("{\"s\":\"é/\"}"), gauge("{\"s\":\"\\u00e9\\/\"}"));
        assertEquals(gauge("{\"a\":1}"), gauge(" {\n\t\"a\" : 1 } "));
        assertEquals(gauge("{\"a\":2}"), gauge("{\"a\":1,\"a\":2}"));
    }

    @Test
    void noLabelsAreTheEmptyObject() {
        assertEquals(gauge("{}"), SeriesKey.of("cpu", "gauge", 7, Optional.empty()).fingerprint());
        assertEquals(gauge("{}"), SeriesKey.of("cpu", "gauge", 7, Optional.of("{ }")).fingerprint());
    }

    @Test
    void everyPartOfTheKeyCounts() {
        long base = fp("cpu", MetricType.GAUGE, 7, "{\"host\":\"a\"}");
        assertNotEquals(base, fp("cpu2", MetricType.GAUGE, 7, "{\"host\":\"a\"}"));
        assertNotEquals(base, fp("cpu", MetricType.COUNTER, 7, "{\"host\":\"a\"}"));
        assertNotEquals(base, fp("cpu", MetricType.GAUGE, 8, "{\"host\":\"a\"}"));
        assertNotEquals(base, fp("cpu", MetricType.GAUGE, -7, "{\"host\":\"a\"}"));
        assertNotEquals(base, fp("cpu", MetricType.GAUGE, 7, "{\"host\":\"b\"}"));
        assertNotEquals(base, fp("cpu", MetricType.GAUGE, 7, "{\"Host\":\"a\"}"));
        assertNotEquals(base, fp("cpu", MetricType.GAUGE, 7, "{\"host\":\"a\",\"job\":\"a\"}"));
        assertNotEquals(base, fp("cpu", MetricType.GAUGE, 7, "{}"));
    }

    @Test
    void keysThatLookAlikeDiffer() {
        // each differs from every other: value types, nesting against a flat key, where a string is cut, order in
        // arrays, null against a missing key, an empty array against an empty object
        List<String> labels = List.of("{\"a\":1}", "{\"a\":\"1\"}", "{\"a\":true}", "{\"a\":\"true\"}", "{\"a\":null}",
                "{\"a\":\"null\"}", "{}", "{\"a\":{\"b\":1}}", "{\"a.b\":1}", "{\"a\":\"bc\"}", "{\"ab\":\"c\"}",
                "{\"a\":[1,2]}", "{\"a\":[2,1]}", "{\"a\":[[1],2]}", "{\"a\":[1,[2]]}", "{\"a\":[]}", "{\"a\":{}}",
                "{\"a\":[null]}", "{\"a\":\"\"}", "[]", "null", "{\"a\":1,\"b\":2}", "{\"a\":{\"b\":2}}",
                "{\"\":\"a\"}", "{\"a\":\"\"}");
        Map<Long, String> seen = new HashMap<>();
        for (String l : labels.stream().distinct().toList()) {
            String before = seen.put(gauge(l), l);
            assertEquals(null, before, l + " has the fingerprint of " + before);
        }
        // the name and a label cannot trade bytes
        assertNotEquals(fp("ab", MetricType.GAUGE, 7, "{\"c\":\"d\"}"), fp("a", MetricType.GAUGE, 7, "{\"bc\":\"d\"}"));
    }

    @Test
    void generatedLabelsKeepTheirFingerprintInEverySpellingAndNeverShareOne() {
        JsonSamples samples = new JsonSamples(13L);
        Map<Long, SeriesKey> seen = new HashMap<>();
        for (int i = 0; i < 5_000; i++) {
            SeriesKey key = new SeriesKey("m" + samples.random().nextInt(3), MetricType.values()[i % 4],
                    samples.random().nextInt(3), samples.labels());
            for (int k = 0; k < 3; k++) {
                String text = samples.spell(key.labels());
                assertEquals(key.fingerprint(), new SeriesKey(key.name(), key.type(), key.runtimeId(),
                        Json.parse(text)).fingerprint(), text);
            }
            SeriesKey before = seen.putIfAbsent(key.fingerprint(), key);
            if (before != null) {
                assertEquals(before, key, "two series share a fingerprint");
            }
        }
        assertTrue(seen.size() > 4_000, "the generator makes mostly distinct series: " + seen.size());
    }

    @Test
    void aNameThatTextCannotHoldIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SeriesKey("a\0b", MetricType.GAUGE, 1, Json.NO_LABELS));
        assertThrows(IllegalArgumentException.class, () -> SeriesKey.of("cpu", "rate", 1, Optional.empty()));
    }
}
