package io.noetl.lifecycle.metric.rollup;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Generated labels for the fingerprint tests, and other spellings of them: keys shuffled, numbers respelled
 * ({@code 1}, {@code 1.000}, {@code 10E-1}), characters escaped, whitespace added. Shared with the PostgreSQL test.
 */
public final class JsonSamples {
    /** Keys and strings that sort differently in UTF-16 than in code points (U+FF61 against U+1F600). */
    private static final String[] WORDS = {"host", "job", "le", "quantile", "a", "ab", "b", "é", "e\u0301", "\uff61",
        "\ud83d\ude00", "", " ", "\"", "\\", "/", "\n", "x.y", "0", "true", "null", "Zürich", "日本"};

    private final Random random;

    public JsonSamples(long seed) {
        this.random = new Random(seed);
    }

    public Random random() {
        return random;
    }

    /** Labels as metric rows have them: mostly flat strings, sometimes numbers, booleans, null, arrays or objects. */
    public Json labels() {
        return object(0);
    }

    private Json object(int depth) {
        Map<String, Json> members = new TreeMap<>();
        int n = random.nextInt(depth == 0 ? 6 : 3);
        for (int i = 0; i < n; i++) {
            members.put(word(), value(depth + 1));
        }
        return Json.Obj.of(members);
    }

    private Json value(int depth) {
        int kind = random.nextInt(depth > 2 ? 5 : 7);
        return switch (kind) {
            case 0, 1 -> new Json.Str(word());
            case 2 -> new Json.Num(number());
            case 3 -> new Json.Bool(random.nextBoolean());
            case 4 -> new Json.Null();
            case 5 -> {
                List<Json> items = new ArrayList<>();
                for (int i = random.nextInt(3); i > 0; i--) {
                    items.add(value(depth + 1));
                }
                yield new Json.Arr(items);
            }
            default -> object(depth);
        };
    }

    private String word() {
        String w = WORDS[random.nextInt(WORDS.length)];
        return random.nextInt(3) == 0 ? w + random.nextInt(100) : w;
    }

    private BigDecimal number() {
        return switch (random.nextInt(5)) {
            case 0 -> BigDecimal.valueOf(random.nextInt(2001) - 1000);
            case 1 -> new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(30) - 10);
            case 2 -> BigDecimal.valueOf(random.nextDouble() * 1e6 - 5e5);
            case 3 -> BigDecimal.ZERO;
            default -> new BigDecimal("1e" + (random.nextInt(400) - 200));
        };
    }

    /** Another spelling of {@code v}: JSON text that parses back to it. */
    public String spell(Json v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private void write(StringBuilder b, Json v) {
        space(b);
        if (v instanceof Json.Null) {
            b.append("null");
        } else if (v instanceof Json.Bool bool) {
            b.append(bool.value());
        } else if (v instanceof Json.Num n) {
            b.append(respell(n.value()));
        } else if (v instanceof Json.Str s) {
            string(b, s.value());
        } else if (v instanceof Json.Arr a) {
            b.append('[');
            for (int i = 0; i < a.items().size(); i++) {
                b.append(i == 0 ? "" : ",");
                write(b, a.items().get(i));
            }
            space(b);
            b.append(']');
        } else {
            List<Map.Entry<String, Json>> members = new ArrayList<>(((Json.Obj) v).members().entrySet());
            Collections.shuffle(members, random);
            if (!members.isEmpty() && random.nextInt(4) == 0) {
                // a key written twice: the last value counts, as in jsonb
                b.append('{');
                string(b, members.get(0).getKey());
                b.append(":\"overwritten\",");
            } else {
                b.append('{');
            }
            for (int i = 0; i < members.size(); i++) {
                b.append(i == 0 ? "" : ",");
                space(b);
                string(b, members.get(i).getKey());
                space(b);
                b.append(':');
                write(b, members.get(i).getValue());
            }
            space(b);
            b.append('}');
        }
    }

    private String respell(BigDecimal v) {
        BigInteger unscaled = v.unscaledValue();
        int scale = v.scale();
        int extra = random.nextInt(4);
        BigInteger padded = unscaled.multiply(BigInteger.TEN.pow(extra));
        String sign = v.signum() == 0 && random.nextBoolean() ? "-" : "";
        BigDecimal longhand = new BigDecimal(padded, scale + extra);
        int exponent = -(scale + extra);
        String e = random.nextBoolean() ? "e" : "E";
        return sign + switch (random.nextInt(5)) {
            case 0 -> v.toPlainString();
            case 1 -> padded + e + exponent;
            case 2 -> longhand.toPlainString();
            case 3 -> longhand.toString().replace("E", e);
            default -> padded + e + (exponent >= 0 ? "+" : "") + exponent;
        };
    }

    private void string(StringBuilder b, String s) {
        b.append('"');
        s.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else if (cp < 0x20 || random.nextInt(5) == 0) {
                for (char c : Character.toChars(cp)) {
                    b.append(String.format("\\u%04x", (int) c));
                }
            } else if (cp == '/' && random.nextBoolean()) {
                b.append("\\/");
            } else {
                b.appendCodePoint(cp);
            }
        });
        b.append('"');
    }

    private void space(StringBuilder b) {
        if (random.nextInt(4) == 0) {
            b.append(" \n\t\r".charAt(random.nextInt(4)));
        }
    }
}
