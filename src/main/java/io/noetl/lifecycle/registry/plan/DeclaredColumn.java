package io.noetl.lifecycle.registry.plan;

import io.noetl.lifecycle.api.FieldDrift;
import java.util.regex.Pattern;

/**
 * One declared column of a row as the registry renders it: the declared value and the row's (both as PostgreSQL
 * prints them, JSON as text; null for SQL NULL).
 *
 * @param declared the declared value; null when the spec does not set the field
 * @param row the value the row holds (before a write, for the columns a write restored)
 */
public record DeclaredColumn(RegistryMapping.Role role, String column, String declared, String row) {
    /** The most characters of a value status, Events and messages show. */
    public static final int SHOWN = 256;
    /** The password of user:password@ in a URL. */
    private static final Pattern USER_INFO = Pattern.compile("(://[^/@\\s:]*:)[^@/\\s]*@");
    /** password=... (or a JSON "password": "..."), whatever the case. */
    private static final Pattern PASSWORD = Pattern.compile(
            "((?:password|passwd|secret|token)\"?\\s*[=:]\\s*\"?)[^&;\\s\",}]*", Pattern.CASE_INSENSITIVE);

    /** As status shows it: bounded ({@link #bounded}). */
    public FieldDrift shown() {
        return new FieldDrift(role.specField(), column, bounded(declared), bounded(row));
    }

    /** {@code field value (declared other)}, for messages. */
    public String describe() {
        return role.specField() + " " + (row == null ? "NULL" : bounded(row)) + " (declared " + bounded(declared)
                + ")";
    }

    /** A value as status, Events and messages show it: at most {@link #SHOWN} characters, credentials masked. */
    public static String bounded(String value) {
        if (value == null) {
            return null;
        }
        String masked = PASSWORD.matcher(USER_INFO.matcher(value).replaceAll("$1****@")).replaceAll("$1****");
        return masked.length() > SHOWN ? masked.substring(0, SHOWN - 3) + "..." : masked;
    }
}
