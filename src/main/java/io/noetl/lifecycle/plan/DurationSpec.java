package io.noetl.lifecycle.plan;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The duration notation of the specs: number-unit pairs with units s, m, h, d, w ({@code 90s}, {@code 1d12h}). */
public final class DurationSpec {
    private static final Pattern WHOLE = Pattern.compile("([0-9]{1,6}(s|m|h|d|w))+");
    private static final Pattern PART = Pattern.compile("([0-9]{1,6})(s|m|h|d|w)");

    private DurationSpec() {
    }

    /** Parses a duration, rejecting anything but the documented notation (and zero). */
    public static Duration parse(String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration such as 90s, 10m, 36h, 7d or 1d12h");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            });
        }
        if (total.isZero()) {
            throw new IllegalArgumentException("'" + text + "' is zero; a duration must be positive");
        }
        return total;
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
