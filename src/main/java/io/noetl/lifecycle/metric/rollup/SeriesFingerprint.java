package io.noetl.lifecycle.metric.rollup;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * A series' 64-bit fingerprint: the first 8 bytes of SHA-256 over a canonical, length-prefixed encoding of its
 * {@link SeriesKey}, read as a big-endian signed {@code bigint}. SHA-256 because PostgreSQL has it built in
 * ({@code sha256(bytea)}), so the database computes the same value over the same bytes with no extension; 64 bits make
 * a collision among a million series about one in 37 million. Every string is length-prefixed and every value
 * tagged, so no two keys share an encoding ({@code {"a":"bc"}} and {@code {"ab":"c"}}, {@code 1} and {@code "1"}).
 *
 * <p>The encoding, version 1 (integers big-endian, two's complement; text is UTF-8):
 * <pre>
 * encoding  = 0x01                              version
 *             text(metric_name)
 *             text(metric_type)                 counter | gauge | histogram | summary
 *             int64(runtime_id)
 *             value(labels)                     SQL NULL labels are {}
 * text(s)   = int32(byte length of s) bytes of s
 * value(v)  = 0x00                              null
 *           | 0x01                              false
 *           | 0x02                              true
 *           | 0x03 text(canonical decimal)      number: {@link Json.Num#canonical}, PostgreSQL's trim_scale(n)::text
 *           | 0x04 text(s)                      string, escapes decoded
 *           | 0x05 int32(n) value(e1) … value(en)           array, in its order
 *           | 0x06 int32(n) text(k1) value(v1) … text(kn) value(vn)
 *                                               object, keys once each, ascending in UTF-8 byte order
 * fingerprint = int64(first 8 bytes of sha256(encoding))
 * </pre>
 * A change to any of this changes every fingerprint, so it takes a new version byte and a migration of the
 * catalogue. {@code SeriesFingerprintSql} computes it in PostgreSQL.
 *
 * <p>Labels nested deeper than {@link #MAX_LABEL_DEPTH} levels have no fingerprint: {@link #of} refuses them, and
 * the database's {@code series_fingerprint} is NULL for them, so the rollups refuse their rows rather than recurse
 * that deep (PostgreSQL's PL/pgSQL ran out of stack near 1,000 levels).
 */
public final class SeriesFingerprint {
    public static final byte VERSION = 1;
    /**
     * How many levels below the labels object a value may sit: {@code {"a": 1}} has one, {@code {"a": {"b": 1}}}
     * two; SQL/JSON's {@code strict $.**{33}} finds a value one level deeper. Labels are flat in practice; the
     * bound keeps the fingerprint's recursion small whatever a writer stores.
     */
    public static final int MAX_LABEL_DEPTH = 32;

    private SeriesFingerprint() {
    }

    /** @throws IllegalArgumentException for labels nested deeper than {@link #MAX_LABEL_DEPTH} */
    public static long of(SeriesKey key) {
        if (depth(key.labels()) > MAX_LABEL_DEPTH) {
            throw new IllegalArgumentException("labels nested deeper than " + MAX_LABEL_DEPTH
                    + " levels have no fingerprint");
        }
        byte[] digest = sha256(encoding(key));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (digest[i] & 0xff);
        }
        return v;
    }

    /** The bytes the fingerprint hashes. */
    public static byte[] encoding(SeriesKey key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(VERSION);
        text(out, key.name());
        text(out, key.type().sql());
        int64(out, key.runtimeId());
        value(out, key.labels());
        return out.toByteArray();
    }

    /** How many levels below {@code v} its deepest value sits: 0 for a scalar or an empty array or object. */
    public static int depth(Json v) {
        if (v instanceof Json.Arr a) {
            return a.items().stream().mapToInt(e -> 1 + depth(e)).max().orElse(0);
        }
        if (v instanceof Json.Obj o) {
            return o.members().values().stream().mapToInt(e -> 1 + depth(e)).max().orElse(0);
        }
        return 0;
    }

    private static void value(ByteArrayOutputStream out, Json v) {
        if (v instanceof Json.Null) {
            out.write(0x00);
        } else if (v instanceof Json.Bool b) {
            out.write(b.value() ? 0x02 : 0x01);
        } else if (v instanceof Json.Num n) {
            out.write(0x03);
            text(out, n.canonical());
        } else if (v instanceof Json.Str s) {
            out.write(0x04);
            text(out, s.value());
        } else if (v instanceof Json.Arr a) {
            out.write(0x05);
            int32(out, a.items().size());
            a.items().forEach(item -> value(out, item));
        } else {
            Json.Obj o = (Json.Obj) v;
            out.write(0x06);
            int32(out, o.members().size());
            for (Map.Entry<String, Json> m : o.members().entrySet()) {
                text(out, m.getKey());
                value(out, m.getValue());
            }
        }
    }

    private static void text(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int32(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void int32(ByteArrayOutputStream out, int v) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.write(v >>> shift);
        }
    }

    private static void int64(ByteArrayOutputStream out, long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift));
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
