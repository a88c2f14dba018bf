package io.noetl.lifecycle.metric.rollup;

import java.util.Arrays;

/** The metric table's {@code metric_type} values (seed 000's CHECK constraint), spelled as the table holds them. */
public enum MetricType {
    COUNTER("counter", true), GAUGE("gauge", false), HISTOGRAM("histogram", true), SUMMARY("summary", false);

    private final String sql;
    private final boolean cumulative;

    MetricType(String sql, boolean cumulative) {
        this.sql = sql;
        this.cumulative = cumulative;
    }

    /** The value in the table, and what the fingerprint encodes. */
    public String sql() {
        return sql;
    }

    /**
     * Whether the samples are running totals, so that a bucket's {@link Bucket#increase} means something: counters,
     * and a histogram's rows (its buckets, sum and count are all cumulative). A summary's quantiles are not.
     */
    public boolean cumulative() {
        return cumulative;
    }

    public static MetricType of(String sql) {
        return Arrays.stream(values()).filter(t -> t.sql.equals(sql)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("'" + sql
                        + "' is not a metric type; the table allows counter, gauge, histogram and summary"));
    }
}
