package io.noetl.lifecycle.metric.rollup;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A JSON value in canonical form, so that two spellings of the same labels are one value: as records, two values
 * are equal exactly when PostgreSQL's jsonb calls them equal. A series' labels are compared so, not by their text:
 * jsonb's equality ignores key order and number spelling, while the text a row prints keeps some spelling
 * ({@code 1.0} stays {@code 1.0}, {@code 1e0} prints as {@code 1}).
 *
 * <p>The canonical form, which {@link SeriesFingerprint} encodes:
 * <ul>
 * <li>an object's keys are in code point order (UTF-8 byte order), each once: of a key written twice the last
 * value counts, as in jsonb;</li>
 * <li>a number is its exact decimal value, so {@code 1}, {@code 1.0}, {@code 1e0} and {@code 10E-1} are one number
 * and {@code -0} is {@code 0}; no rounding to a double, so {@code 0.1} and {@code 0.10000000000000001} differ, as
 * in jsonb;</li>
 * <li>a string is its code points, escapes decoded (an escaped é is é); not Unicode-normalised, as in
 * jsonb;</li>
 * <li>an array keeps its order; {@code true}, {@code false} and {@code null} are themselves, and a number, a string
 * and a boolean never equal one another ({@code 1}, {@code "1"}, {@code true}).</li>
 * </ul>
 * {@link #parse} accepts RFC 8259 JSON that jsonb accepts too: it refuses U+0000 and unpaired surrogates
 * (PostgreSQL's text holds neither) and numbers beyond PostgreSQL's numeric range, so every value it accepts is one a
 * jsonb column can hold, and every value such a column holds, printed as jsonb prints it, parses.
 */
public sealed interface Json {
    /** The labels of a row whose {@code labels} column is SQL NULL: no labels. */
    Obj NO_LABELS = Obj.of(Map.of());

    /** How deep arrays and objects may nest; labels are flat, and deeper input is refused rather than overflowing. */
    int MAX_DEPTH = 1000;

    /** PostgreSQL numeric's limits: digits before the decimal point, and after it. */
    int MAX_INTEGER_DIGITS = 131_072;
    int MAX_FRACTION_DIGITS = 16_383;

    /** Code point order, which is UTF-8 byte order and PostgreSQL's {@code COLLATE "C"} in a UTF8 database. */
    Comparator<String> KEY_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    record Null() implements Json {
    }

    record Bool(boolean value) implements Json {
    }

    /** A number, held as its exact value with no trailing zeros ({@link BigDecimal#stripTrailingZeros}). */
    record Num(BigDecimal value) implements Json {
        public Num {
            value = value.signum() == 0 ? BigDecimal.ZERO : value.stripTrailingZeros();
            if (value.scale() > MAX_FRACTION_DIGITS || value.precision() - value.scale() > MAX_INTEGER_DIGITS) {
                throw new IllegalArgumentException("the number " + value + " is beyond PostgreSQL's numeric range ("
                        + MAX_INTEGER_DIGITS + " digits before the decimal point, " + MAX_FRACTION_DIGITS + " after)");
            }
        }

        /**
         * The canonical decimal: {@code -} when negative, the integer digits without leading zeros ({@code 0} when
         * there are none), then a {@code .} and the fraction's digits only when it is not zero, without trailing zeros;
         * never an exponent. It is what PostgreSQL prints for {@code trim_scale(n)}.
         */
        public String canonical() {
            return value.toPlainString();
        }
    }

    record Str(String value) implements Json {
        public Str {
            JsonText.checkText(value);
        }
    }

    record Arr(List<Json> items) implements Json {
        public Arr {
            items = List.copyOf(items);
        }
    }

    /** An object; its members are kept in {@link #KEY_ORDER}, whatever order the map given had. */
    record Obj(SortedMap<String, Json> members) implements Json {
        public Obj {
            members.keySet().forEach(JsonText::checkText);
            TreeMap<String, Json> copy = new TreeMap<>(KEY_ORDER);
            copy.putAll(members);
            members = Collections.unmodifiableSortedMap(copy);
        }

        public static Obj of(Map<String, ? extends Json> members) {
            TreeMap<String, Json> copy = new TreeMap<>(KEY_ORDER);
            copy.putAll(members);
            return new Obj(copy);
        }
    }

    /** Parses RFC 8259 JSON text (any value, surrounded by whitespace or not) into its canonical form. */
    static Json parse(String text) {
        return new JsonText(text).document();
    }
}
