package io.noetl.lifecycle.bench;

import io.noetl.lifecycle.partition.plan.KeyType;
import io.noetl.lifecycle.partition.plan.TimeGrid;
import io.noetl.lifecycle.partition.plan.TimeInterval;
import io.noetl.lifecycle.support.MetricShape;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * What the rollup and export benchmarks need to know of a metric table's shape ({@link MetricShape}): how to make the
 * table as it is in the wild, the partition key's type, the columns a generated row is loaded through, the raw
 * partition's indexes and the registry's type column. Times are UTC throughout: on the live shape {@code created_at}
 * holds the UTC wall-clock time of the sample, and the operator reads it {@code AT TIME ZONE} UTC.
 */
final class BenchShape {
    private BenchShape() {
    }

    /** {@code shape=live|seed|both} among the flags; both (live first) when absent. */
    static List<MetricShape> parse(List<String> flags) {
        String v = flags.stream().filter(f -> f.startsWith("shape=")).map(f -> f.substring(6)).findFirst()
                .orElse("both");
        return switch (v) {
            case "live" -> List.of(MetricShape.LIVE);
            case "seed" -> List.of(MetricShape.SEED_EXAMPLE);
            case "both" -> List.of(MetricShape.LIVE, MetricShape.SEED_EXAMPLE);
            default -> throw new IllegalArgumentException("shape=live|seed|both, not " + v);
        };
    }

    static String label(MetricShape shape) {
        return shape == MetricShape.LIVE ? "live" : "seed";
    }

    static KeyType keyType(MetricShape shape) {
        return shape == MetricShape.LIVE ? KeyType.TIMESTAMP : KeyType.TIMESTAMPTZ;
    }

    static TimeGrid grid(MetricShape shape) {
        return new TimeGrid(TimeInterval.DAY, ZoneOffset.UTC, keyType(shape));
    }

    /** A partition bound of the shape's key type, UTC. */
    static String bound(MetricShape shape, Instant t) {
        TimeGrid g = grid(shape);
        return keyType(shape).sqlLiteral(g.keyOf(t));
    }

    /**
     * {@code noetl.runtime} and {@code noetl.metric} as the shape has them: NoETL's live DDL (its five indexes, the
     * snowflake default); or the seed's example with the seed's five indexes (runtime_id, metric_name, timestamp,
     * (runtime_id, metric_name), GIN labels), as the benchmarks measured it before issue 21.
     */
    static void create(Connection c, MetricShape shape) throws SQLException {
        shape.create(c, "noetl.metric");
        if (shape == MetricShape.SEED_EXAMPLE) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE INDEX idx_metric_runtime_id ON noetl.metric (runtime_id)");
                s.execute("CREATE INDEX idx_metric_name ON noetl.metric (metric_name)");
                s.execute("CREATE INDEX idx_metric_runtime_name ON noetl.metric (runtime_id, metric_name)");
                s.execute("CREATE INDEX idx_metric_labels ON noetl.metric USING GIN (labels)");
            }
        }
    }

    /**
     * The time columns of a generated row and their SQL over {@code ts} (the sample's instant, a timestamptz) and
     * {@code ca} (its insert time on the seed's shape): {columns, expressions}. Live: the sample time into
     * {@code created_at} as the UTC wall clock, {@code expires_at} a day after it, explicit.
     */
    static String[] timeColumns(MetricShape shape) {
        return shape == MetricShape.LIVE
                ? new String[] {"created_at, expires_at", "ts AT TIME ZONE 'UTC', ts + interval '1 day'"}
                : new String[] {"timestamp, created_at, expires_at", "ts, ca, ca + interval '1 day'"};
    }

    /** The raw partition's indexes besides the primary key, as the parent has them: {name, SQL after "ON p"}. */
    static String[][] indexes(MetricShape shape) {
        String time = shape == MetricShape.LIVE ? "created_at" : "timestamp";
        return new String[][] {{"runtime_id", "(runtime_id)"}, {"metric_name", "(metric_name)"},
            {time, "(" + time + ")"}, {"runtime_id, metric_name", "(runtime_id, metric_name)"},
            {"GIN labels", "USING GIN (labels)"}};
    }

    /** The registry's type column: {@code kind} (live) or {@code component_type} (seed). */
    static String registryType(MetricShape shape) {
        return shape.registryTypeColumn();
    }
}
