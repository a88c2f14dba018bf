package io.noetl.lifecycle.plan;

import java.time.Duration;

/** The duration notation of the specs: number-unit pairs with units s, m, h, d, w ({@code 90s}, {@code 1d12h}). */
public final class DurationSpec {

    private DurationSpec() {
    }

    /** Parses a duration, rejecting anything but the documented notation (and zero). */
    public static Duration parse(String text) {
        Duration total = sum(text);
        if (total.isZero()) {
            throw new IllegalArgumentException("'" + text + "' is zero; a duration must be positive");
        }
        return total;
    }

    /** Parses a duration that may be zero: the notation, or {@code 0} alone (for example {@code 0}, {@code 0s}). */
    public static Duration parseOrZero(String text) {
        return "0".equals(text) ? Duration.ZERO : sum(text);
    }

    /** The longest text a duration may be ({@code ApiGroup.DURATION_MAX_LENGTH}, the CRD's maxLength). */
    public static final int MAX_LENGTH = 64;

    /**
     * Reads number-unit pairs left to right, without a regular expression: a pattern with a repeated group recurses
     * once per pair in the JDK's matcher, and a few hundred pairs (a valid-looking string of about 850 characters)
     * overflowed the stack under the Deployment's {@code -Xss512k}, past the framework's exception handling.
     */
    private static Duration sum(String text) {
        String bad = "'" + (text == null ? null : text.length() > MAX_LENGTH ? text.substring(0, 20) + "...' ("
                + text.length() + " characters" + ")" : text + "'")
                + " is not a duration such as 90s, 10m, 36h, 7d or 1d12h";
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException(bad);
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(bad + " of at most " + MAX_LENGTH + " characters");
        }
        Duration total = Duration.ZERO;
        int i = 0;
        while (i < text.length()) {
            int start = i;
            while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                i++;
            }
            if (i == start || i - start > 6 || i == text.length()) {
                throw new IllegalArgumentException(bad);
            }
            long n = Long.parseLong(text.substring(start, i));
            Duration part = switch (text.charAt(i)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                case 'w' -> Duration.ofDays(7 * n);
                default -> throw new IllegalArgumentException(bad);
            };
            total = total.plus(part);
            i++;
        }
        return total;
    }

    /**
     * The notation for {@code d} without loss, every unit from days to seconds that is not zero ({@code 30d},
     * {@code 1d12h}, {@code 1m30s}; {@code 0s} for zero): {@link #parse} reads it back to the same duration.
     */
    public static String exact(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long[] amounts = {s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < amounts.length; i++) {
            if (amounts[i] > 0) {
                b.append(amounts[i]).append(units[i]);
            }
        }
        return b.toString();
    }

    /** A compact rendering for status, for example {@code 1d2h}, {@code 45s}. */
    public static String format(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long days = s / 86_400;
        long hours = s % 86_400 / 3_600;
        long minutes = s % 3_600 / 60;
        long seconds = s % 60;
        if (days > 0) {
            b.append(days).append('d');
        }
        if (hours > 0) {
            b.append(hours).append('h');
        }
        if (minutes > 0 && days == 0) {
            b.append(minutes).append('m');
        }
        if (seconds > 0 && days == 0 && hours == 0) {
            b.append(seconds).append('s');
        }
        return b.toString();
    }
}
