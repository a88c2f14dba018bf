package io.noetl.lifecycle.metric.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static Json parse(String text) {
        return Json.parse(text);
    }

    @Test
    void objectsAreEqualWhateverTheirKeyOrder() {
        assertEquals(parse("{\"a\":1,\"b\":{\"x\":true,\"y\":null}}"), parse("{ \"b\" : {\"y\":null,\"x\":true}, \"a\":1 }"));
        assertEquals(List.of("a", "b"), List.copyOf(((Json.Obj) parse("{\"b\":1,\"a\":2}")).members().keySet()));
    }

    @Test
    void numbersAreTheirExactDecimalValue() {
        for (String one : List.of("1", "1.0", "1.000", "1e0", "1E+0", "10e-1", "0.1e1", "100E-2")) {
            assertEquals(new Json.Num(BigDecimal.ONE), parse(one), one);
            assertEquals("1", ((Json.Num) parse(one)).canonical(), one);
        }
        for (String zero : List.of("0", "-0", "0.0", "-0.000", "0e7", "-0E-3")) {
            assertEquals("0", ((Json.Num) parse(zero)).canonical(), zero);
        }
        assertEquals("100", ((Json.Num) parse("1e2")).canonical());
        assertEquals("-0.0015", ((Json.Num) parse("-1.50e-3")).canonical());
        assertEquals("123456789012345678901234567890", ((Json.Num) parse("1.2345678901234567890123456789e29")).canonical());
        // no rounding through a double: jsonb keeps these apart too
        assertNotEquals(parse("0.1"), parse("0.10000000000000001"));
        assertNotEquals(parse("9007199254740993"), parse("9007199254740992"));
    }

    @Test
    void stringsAreTheirCodePointsWithEscapesDecoded() {
        assertEquals(new Json.Str("é"), parse("\"\\u00e9\""));
        assertEquals(new Json.Str("\ud83d\ude00"), parse("\"\\ud83d\\ude00\""));
        assertEquals(new Json.Str("a/b\"\\\n\t"), parse("\"a\\/b\\\"\\\\\\n\\t\""));
        // not normalised: a composed and a decomposed é are two strings, in jsonb as here
        assertNotEquals(parse("\"\\u00e9\""), parse("\"e\\u0301\""));
    }

    @Test
    void typesNeverEqualOneAnother() {
        List<Json> values = List.of(parse("1"), parse("\"1\""), parse("true"), parse("\"true\""), parse("null"),
                parse("\"null\""), parse("[]"), parse("{}"), parse("[1]"), parse("{\"1\":1}"));
        for (int i = 0; i < values.size(); i++) {
            for (int j = 0; j < values.size(); j++) {
                assertEquals(i == j, values.get(i).equals(values.get(j)), values.get(i) + " and " + values.get(j));
            }
        }
    }

    @Test
    void arraysKeepTheirOrder() {
        assertNotEquals(parse("[1,2]"), parse("[2,1]"));
        assertEquals(parse("[1,{\"b\":2,\"a\":1}]"), parse("[1.0,{\"a\":1,\"b\":2.0}]"));
    }

    @Test
    void aKeyWrittenTwiceKeepsItsLastValueAsInJsonb() {
        assertEquals(parse("{\"a\":2}"), parse("{\"a\":1,\"a\":2}"));
    }

    @Test
    void keysAreInCodePointOrderNotUtf16Order() {
        // U+FF61 sorts after U+1F600's high surrogate in UTF-16, before U+1F600 in code points and UTF-8 bytes
        Json.Obj o = (Json.Obj) parse("{\"\ud83d\ude00\":1,\"\uff61\":2,\"z\":3}");
        assertEquals(List.of("z", "\uff61", "\ud83d\ude00"), List.copyOf(o.members().keySet()));
        assertTrue("\ud83d\ude00".compareTo("\uff61") < 0, "String.compareTo would put it first");
    }

    @Test
    void membersGivenInAnyOrderAreKeptInKeyOrder() {
        Json.Obj o = Json.Obj.of(Map.of("b", new Json.Null(), "a", new Json.Bool(false)));
        assertEquals(parse("{\"a\":false,\"b\":null}"), o);
        assertEquals(Json.NO_LABELS, parse("{}"));
    }

    @Test
    void refusesWhatJsonbRefuses() {
        for (String bad : List.of("", " ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "01", "1.", ".5", "+1", "-",
                "1e", "1e+", "NaN", "Infinity", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u00zz\"",
                "\"a\nb\"", "1 2", "{}{}", "\"\\u0000\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d x\"",
                "1e131072", "1e-16384", "1e9999999999", "[".repeat(Json.MAX_DEPTH + 2))) {
            assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
        }
    }

    @Test
    void acceptsPostgresqlsNumericLimits() {
        assertEquals(131_072, ((Json.Num) parse("1e131071")).canonical().length());
        assertEquals("0." + "0".repeat(16_382) + "1", ((Json.Num) parse("1e-16383")).canonical());
        // trailing zeros beyond the limit are no digits of the value
        assertEquals("1", ((Json.Num) parse("1." + "0".repeat(20_000))).canonical());
    }

    @Test
    void everyGeneratedValueParsesBackFromAnyOfItsSpellings() {
        JsonSamples samples = new JsonSamples(20_260_113L);
        for (int i = 0; i < 2_000; i++) {
            Json labels = samples.labels();
            String text = samples.spell(labels);
            assertEquals(labels, parse(text), text);
        }
    }
}
