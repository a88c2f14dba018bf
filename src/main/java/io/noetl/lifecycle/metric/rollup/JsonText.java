package io.noetl.lifecycle.metric.rollup;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Recursive descent over the RFC 8259 grammar; refuses what jsonb refuses (see {@link Json}). */
final class JsonText {
    private final String in;
    private int at;

    JsonText(String in) {
        this.in = in;
    }

    Json document() {
        Json v = value(0);
        space();
        if (at != in.length()) {
            throw error("text after the JSON value");
        }
        return v;
    }

    private Json value(int depth) {
        if (depth > Json.MAX_DEPTH) {
            throw error("nesting deeper than " + Json.MAX_DEPTH);
        }
        space();
        if (at >= in.length()) {
            throw error("a value is missing");
        }
        char c = in.charAt(at);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> new Json.Str(string());
            case 't' -> literal("true", new Json.Bool(true));
            case 'f' -> literal("false", new Json.Bool(false));
            case 'n' -> literal("null", new Json.Null());
            default -> number();
        };
    }

    private Json object(int depth) {
        at++;
        TreeMap<String, Json> members = new TreeMap<>(Json.KEY_ORDER);
        space();
        if (peek('}')) {
            at++;
            return new Json.Obj(members);
        }
        while (true) {
            space();
            if (!peek('"')) {
                throw error("an object key must be a string");
            }
            String key = string();
            space();
            expect(':');
            members.put(key, value(depth + 1));
            space();
            if (peek(',')) {
                at++;
            } else {
                expect('}');
                return new Json.Obj(members);
            }
        }
    }

    private Json array(int depth) {
        at++;
        List<Json> items = new ArrayList<>();
        space();
        if (peek(']')) {
            at++;
            return new Json.Arr(items);
        }
        while (true) {
            items.add(value(depth + 1));
            space();
            if (peek(',')) {
                at++;
            } else {
                expect(']');
                return new Json.Arr(items);
            }
        }
    }

    private String string() {
        at++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (at >= in.length()) {
                throw error("an unterminated string");
            }
            char c = in.charAt(at++);
            if (c == '"') {
                String s = b.toString();
                try {
                    checkText(s);
                } catch (IllegalArgumentException e) {
                    throw error(e.getMessage());
                }
                return s;
            }
            if (c < 0x20) {
                throw error("a control character in a string must be escaped");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (at >= in.length()) {
                throw error("an unterminated escape");
            }
            char e = in.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (at + 4 > in.length()) {
                        throw error("a short \\u escape");
                    }
                    int cp = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(in.charAt(at++), 16);
                        if (d < 0) {
                            throw error("a \\u escape that is not hexadecimal");
                        }
                        cp = cp * 16 + d;
                    }
                    b.append((char) cp);
                }
                default -> throw error("an unknown escape \\" + e);
            }
        }
    }

    private Json number() {
        int start = at;
        if (peek('-')) {
            at++;
        }
        if (peek('0')) {
            at++;
        } else if (!digits()) {
            throw error("not a JSON value");
        }
        if (peek('.')) {
            at++;
            if (!digits()) {
                throw error("a number needs digits after its decimal point");
            }
        }
        if (peek('e') || peek('E')) {
            at++;
            if (peek('+') || peek('-')) {
                at++;
            }
            if (!digits()) {
                throw error("a number needs digits in its exponent");
            }
        }
        String text = in.substring(start, at);
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw error("the number " + text + " is beyond PostgreSQL's numeric range");
        }
        try {
            return new Json.Num(value);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private boolean digits() {
        int start = at;
        while (at < in.length() && in.charAt(at) >= '0' && in.charAt(at) <= '9') {
            at++;
        }
        return at > start;
    }

    private Json literal(String word, Json value) {
        if (!in.startsWith(word, at)) {
            throw error("not a JSON value");
        }
        at += word.length();
        return value;
    }

    private void space() {
        while (at < in.length() && (in.charAt(at) == ' ' || in.charAt(at) == '\t' || in.charAt(at) == '\n'
                || in.charAt(at) == '\r')) {
            at++;
        }
    }

    private boolean peek(char c) {
        return at < in.length() && in.charAt(at) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private IllegalArgumentException error(String problem) {
        return new IllegalArgumentException("not JSON that jsonb accepts: " + problem + " at offset " + at);
    }

    /** Refuses what PostgreSQL's text cannot hold: U+0000 and unpaired surrogates. */
    static void checkText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException("a JSON string holds U+0000, which PostgreSQL's text cannot");
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("a JSON string holds an unpaired surrogate at index " + i);
            }
        }
    }
}
