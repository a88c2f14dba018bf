package io.noetl.lifecycle.partition.report;

import java.util.Locale;

/** Byte counts for people, in the units pg_size_pretty uses. */
public final class Sizes {
    private static final String[] UNITS = {"bytes", "kB", "MB", "GB", "TB", "PB"};

    private Sizes() {
    }

    public static String human(long bytes) {
        if (bytes < 10 * 1024) {
            return bytes + " bytes";
        }
        double v = bytes;
        int unit = 0;
        while (v >= 10 * 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%d %s", Math.round(v), UNITS[unit]);
    }
}
