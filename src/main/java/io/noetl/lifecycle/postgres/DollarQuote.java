package io.noetl.lifecycle.postgres;

/**
 * Dollar-quoted function bodies whose tag no text inside them contains. A body quoted with a fixed tag such as
 * {@code $fn$} ends early where a name spliced into it holds that tag: a schema named {@code a$fn$b} (a valid
 * identifier) cut the fingerprint functions and the event table's helpers in two, and their CREATE failed.
 */
public final class DollarQuote {
    private DollarQuote() {
    }

    /** {@code body} between the first tag of the form {@code $fn$}, {@code $fn1$}, ... that it does not contain. */
    public static String of(String body) {
        String tag = "$fn$";
        for (int n = 1; body.contains(tag); n++) {
            tag = "$fn" + n + "$";
        }
        return tag + body + tag;
    }

    /**
     * A {@code CREATE FUNCTION}/{@code PROCEDURE} statement written as {@code ... AS $fn$ <body> $fn$}, with its body
     * quoted by {@link #of}: the body runs from the first {@code " AS $fn$"} (no identifier holds a space) to the
     * statement's final {@code $fn$}.
     */
    public static String retag(String statement) {
        int open = statement.indexOf(" AS $fn$");
        if (open < 0 || !statement.endsWith("$fn$") || statement.length() - 4 < open + 8) {
            throw new IllegalArgumentException("not a statement of the form ... AS $fn$ <body> $fn$");
        }
        return statement.substring(0, open + 4) + of(statement.substring(open + 8, statement.length() - 4));
    }
}
