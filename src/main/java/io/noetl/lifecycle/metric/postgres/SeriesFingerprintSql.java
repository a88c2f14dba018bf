package io.noetl.lifecycle.metric.postgres;

import io.noetl.lifecycle.metric.rollup.SeriesFingerprint;
import io.noetl.lifecycle.partition.postgres.CatalogReader;
import io.noetl.lifecycle.postgres.DollarQuote;
import io.noetl.lifecycle.postgres.IdempotentDdl;
import io.noetl.lifecycle.postgres.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * {@code SeriesFingerprint} in PostgreSQL, so the database fingerprints the series of its own rows and the operator
 * agrees: {@code <schema>.series_fingerprint(metric_name text, metric_type text, runtime_id bigint, labels jsonb)}
 * returns the same {@code bigint} as {@code SeriesFingerprint.of} for the same row, over the same bytes (see
 * {@code SeriesFingerprint} for the encoding). {@code <schema>.series_label_bytes(jsonb)} is the encoding of one JSON
 * value, recursive, hence PL/pgSQL. Needs PostgreSQL 13 ({@code trim_scale}).
 *
 * <p>Why it agrees: a number's text is {@code trim_scale(numeric)::text}, the canonical decimal; a string's is its
 * value ({@code #>> '{}'} decodes the escapes); keys are ordered by their UTF-8 bytes ({@code convert_to}, compared as
 * {@code bytea}, so the database's encoding and collation do not matter); lengths are {@code int4send} of the UTF-8
 * byte length and the runtime id {@code int8send}, both big-endian. All of it is immutable, so an index or a generated
 * column may use it. jsonb equality already ignores key order and number spelling, so fingerprinting the distinct
 * (name, type, runtime, labels) of a partition computes each series once.
 *
 * <p>Labels nested deeper than {@code SeriesFingerprint.MAX_LABEL_DEPTH} (32) levels have no fingerprint: both
 * functions return NULL for them ({@link #tooDeep}, checked before each array or object is encoded), as
 * {@code SeriesFingerprint.of} refuses them. The recursion is PL/pgSQL's, whose frames are large: before the bound,
 * labels about 1,000 levels deep failed with "stack depth limit exceeded", and with them the rollup of their whole
 * partition. The check itself, {@code jsonb_path_exists} with {@code strict $.**{33}}, looks no deeper than 33
 * levels, so it is safe for any value a jsonb column can hold.
 */
public final class SeriesFingerprintSql {
    public static final String FINGERPRINT = "series_fingerprint";
    public static final String LABEL_BYTES = "series_label_bytes";

    private SeriesFingerprintSql() {
    }

    /** Creates or replaces both functions in {@code schema}. */
    public static void ensureFunctions(Statement s, String schema) throws SQLException {
        for (Definition d : definitions(schema)) {
            IdempotentDdl.execute(s, d.statement());
        }
    }

    /**
     * {@link #ensureFunctions} only when a function is missing or its body is not this version's (an installation
     * made before the depth bound has the unbounded {@code series_label_bytes}); a pass that changes nothing writes
     * nothing to the catalog. Returns whether it (re)created them.
     */
    public static boolean ensureCurrent(Connection c, String schema) throws SQLException {
        boolean current = true;
        for (Definition d : definitions(schema)) {
            current &= CatalogReader.functionBody(c, d.signature()).filter(d.body()::equals).isPresent();
        }
        if (current) {
            return false;
        }
        try (Statement s = c.createStatement()) {
            ensureFunctions(s, schema);
        }
        return true;
    }

    /** A function: the signature {@code to_regprocedure} reads, the body PostgreSQL keeps, the statement making it. */
    private record Definition(String signature, String body, String statement) {
        static Definition of(String signature, String head, String body) {
            return new Definition(signature, body, head + " AS " + DollarQuote.of(body));
        }
    }

    /** Both functions, {@code series_label_bytes} first. */
    private static List<Definition> definitions(String schema) {
        String labelBytes = new TableName(schema, LABEL_BYTES).sql();
        String fingerprint = new TableName(schema, FINGERPRINT).sql();
        return List.of(Definition.of(labelBytes + "(jsonb)", "CREATE OR REPLACE FUNCTION " + labelBytes + "(v jsonb) "
                + "RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE", " BEGIN "
                // an array or object nested too deep has no encoding; its parts, shallower, always have one
                + "IF jsonb_typeof(v) IN ('array', 'object') AND " + tooDeep("v") + " THEN RETURN NULL; END IF; "
                + "CASE jsonb_typeof(v) "
                + "WHEN 'null' THEN RETURN decode('00', 'hex'); "
                + "WHEN 'boolean' THEN RETURN CASE WHEN v = 'true'::jsonb THEN decode('02', 'hex') ELSE decode('01', 'hex') END; "
                + "WHEN 'number' THEN RETURN decode('03', 'hex') || " + text("trim_scale(v::numeric)::text") + "; "
                + "WHEN 'string' THEN RETURN decode('04', 'hex') || " + text("(v #>> '{}')") + "; "
                + "WHEN 'array' THEN RETURN decode('05', 'hex') || int4send(jsonb_array_length(v)) || coalesce(("
                + "SELECT string_agg(" + labelBytes + "(e), ''::bytea ORDER BY i) "
                + "FROM jsonb_array_elements(v) WITH ORDINALITY AS a (e, i)), ''::bytea); "
                + "ELSE RETURN decode('06', 'hex') || int4send((SELECT count(*)::int FROM jsonb_object_keys(v))) || coalesce(("
                + "SELECT string_agg(" + text("k") + " || " + labelBytes + "(e), ''::bytea ORDER BY convert_to(k, 'UTF8')) "
                + "FROM jsonb_each(v) AS o (k, e)), ''::bytea); "
                + "END CASE; END "),
                Definition.of(fingerprint + "(text, text, bigint, jsonb)", "CREATE OR REPLACE FUNCTION " + fingerprint
                + "(metric_name text, metric_type text, runtime_id bigint, labels jsonb) RETURNS bigint "
                + "LANGUAGE sql IMMUTABLE PARALLEL SAFE", " "
                + "SELECT ('x' || encode(substr(sha256(decode('01', 'hex') || " + text("metric_name") + " || "
                + text("metric_type") + " || int8send(runtime_id) || " + labelBytes + "(coalesce(labels, '{}'::jsonb))"
                + "), 1, 8), 'hex'))::bit(64)::bigint "));
    }

    /**
     * The SQL condition that the jsonb {@code expression} holds a value more than
     * {@link SeriesFingerprint#MAX_LABEL_DEPTH} levels below it: it then has no fingerprint. Immutable; it looks no
     * deeper than the level after the bound (a value there is what makes it too deep), so its cost and its
     * recursion are bounded whatever the depth.
     */
    public static String tooDeep(String expression) {
        return "jsonb_path_exists(" + expression + ", 'strict $.**{" + (SeriesFingerprint.MAX_LABEL_DEPTH + 1)
                + "}')";
    }

    /** {@code text(s)} of the encoding: the UTF-8 byte length, then the bytes. */
    private static String text(String expression) {
        return "int4send(octet_length(convert_to(" + expression + ", 'UTF8'))) || convert_to(" + expression + ", 'UTF8')";
    }
}
