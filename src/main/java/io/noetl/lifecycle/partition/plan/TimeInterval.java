package io.noetl.lifecycle.partition.plan;

import java.util.Arrays;

/** The partition widths a MetricRetentionPolicy offers. */
public enum TimeInterval {
    HOUR("1h"), DAY("1d"), WEEK("7d"), MONTH("1mo");

    private final String spec;

    TimeInterval(String spec) {
        this.spec = spec;
    }

    public String spec() {
        return spec;
    }

    public static TimeInterval parse(String text) {
        return Arrays.stream(values()).filter(i -> i.spec.equals(text)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "'" + text + "' is not an interval; use 1h, 1d, 7d or 1mo"));
    }
}
