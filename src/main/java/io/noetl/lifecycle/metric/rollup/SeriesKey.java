package io.noetl.lifecycle.metric.rollup;

import java.util.Objects;
import java.util.Optional;

/**
 * What makes one series of the metric table: its name, type, runtime and labels (seed 003's series catalogue keys
 * the same by a fingerprint). Rows whose labels differ only in key order or number spelling are one series.
 *
 * @param labels canonical; {@link Json#NO_LABELS} for a row whose {@code labels} is SQL NULL
 */
public record SeriesKey(String name, MetricType type, long runtimeId, Json labels) {
    public SeriesKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(labels, "labels");
        JsonText.checkText(name);
    }

    /** The series of a metric row as JDBC reads it: {@code labels} as jsonb's text, empty when SQL NULL. */
    public static SeriesKey of(String name, String type, long runtimeId, Optional<String> labels) {
        return new SeriesKey(name, MetricType.of(type), runtimeId, labels.map(Json::parse).orElse(Json.NO_LABELS));
    }

    /** {@link SeriesFingerprint#of}. */
    public long fingerprint() {
        return SeriesFingerprint.of(this);
    }
}
