package io.noetl.lifecycle.export;

import io.airlift.compress.snappy.SnappyCompressor;
import io.noetl.lifecycle.export.prompb.Label;
import io.noetl.lifecycle.export.prompb.MetricMetadata;
import io.noetl.lifecycle.export.prompb.TimeSeries;
import io.noetl.lifecycle.export.prompb.WriteRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One Prometheus remote-write 1.0 request body: a {@code prometheus.WriteRequest} (src/main/proto/remote.proto)
 * serialised with protobuf and compressed with snappy's <em>block</em> format (not the framed/stream format), and
 * the headers that go with it ({@link #HEADERS}). Pure: no HTTP, no clock, no I/O; sending it is the caller's.
 *
 * <p>What {@link #of} does to the series it is given, so that every frame is one a receiver accepts:
 * <ul>
 * <li><b>Label names</b> are sanitised to Prometheus's legacy label-name charset {@code [a-zA-Z_][a-zA-Z0-9_]*}:
 * every other character (a colon, a dot, a dash, a space, anything non-ASCII) becomes one {@code _} per code point,
 * and a name that starts with a digit gets a {@code _} in front ({@code 2xx} becomes {@code _2xx},
 * {@code http.status} becomes {@code http_status}, {@code größe} becomes {@code gr__e}). A valid name is left as
 * it is.</li>
 * <li><b>The metric name</b> (the value of {@code __name__}, and {@link MetricMetadata#getMetricFamilyName()}) is
 * sanitised the same way to the metric-name charset {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, where a colon is kept.</li>
 * <li><b>Empty label values are dropped</b> (a null value too): to Prometheus a label with an empty value is no label.
 * A series must keep a non-empty {@code __name__}.</li>
 * <li><b>Labels are sorted by name</b> (by UTF-16 code unit, which on the sanitised ASCII names is byte order, the
 * order Prometheus keeps). Two names that sanitise to the same name ({@code a.b} and {@code a_b}) are an error,
 * not a silent merge: a receiver rejects duplicate label names.</li>
 * <li><b>Samples are put in timestamp order</b>; two samples of one series at the same millisecond are an error.
 * A series with no sample is left out. Values are kept bit for bit (NaN staleness markers too).</li>
 * </ul>
 * Series keep the order they were given in; one label set given twice stays two series.
 */
public final class RemoteWriteFrame {
    public static final String CONTENT_ENCODING = "snappy";
    public static final String CONTENT_TYPE = "application/x-protobuf";
    /** The remote-write 1.0 version header's value (the spec's, not this project's). */
    public static final String REMOTE_WRITE_VERSION = "0.1.0";
    /** The headers every remote-write 1.0 request carries, in this order. */
    public static final Map<String, String> HEADERS = remoteWriteHeaders();
    public static final String METRIC_NAME_LABEL = "__name__";

    private final WriteRequest request;
    private final int uncompressedLength;
    private final byte[] body;

    private RemoteWriteFrame(WriteRequest request) {
        this.request = request;
        byte[] raw = request.toByteArray();
        this.uncompressedLength = raw.length;
        SnappyCompressor snappy = new SnappyCompressor();
        byte[] out = new byte[snappy.maxCompressedLength(raw.length)];
        int written = snappy.compress(raw, 0, raw.length, out, 0, out.length);
        this.body = Arrays.copyOf(out, written);
    }

    /** One sample: milliseconds since the Unix epoch and the value. */
    public record Sample(long timestampMillis, double value) {
    }

    /** One series as the caller has it: labels by name (including {@code __name__}) and samples in any order. */
    public record Series(Map<String, String> labels, List<Sample> samples) {
        public Series {
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(labels, "labels")));
            samples = List.copyOf(Objects.requireNonNull(samples, "samples"));
        }

        public Series(String metricName, Map<String, String> labels, List<Sample> samples) {
            this(withName(metricName, labels), samples);
        }

        private static Map<String, String> withName(String metricName, Map<String, String> labels) {
            Map<String, String> all = new LinkedHashMap<>(Objects.requireNonNull(labels, "labels"));
            all.put(METRIC_NAME_LABEL, metricName);
            return all;
        }
    }

    /** A frame of these series and no metadata. */
    public static RemoteWriteFrame of(Collection<Series> series) {
        return of(series, List.of());
    }

    /**
     * A frame of these series (see the class comment for what is done to them) and this metadata (its family names
     * sanitised as metric names).
     *
     * @throws IllegalArgumentException for a series without a metric name, with two label names that sanitise to
     *         one, or with two samples at one millisecond; or metadata without a family name
     */
    public static RemoteWriteFrame of(Collection<Series> series, Collection<MetricMetadata> metadata) {
        WriteRequest.Builder request = WriteRequest.newBuilder();
        for (Series s : series) {
            if (!s.samples().isEmpty()) {
                request.addTimeseries(timeSeries(s));
            }
        }
        for (MetricMetadata m : metadata) {
            if (m.getMetricFamilyName().isEmpty()) {
                throw new IllegalArgumentException("metadata without a metric family name: " + m);
            }
            request.addMetadata(m.toBuilder().setMetricFamilyName(sanitiseMetricName(m.getMetricFamilyName())));
        }
        return new RemoteWriteFrame(request.build());
    }

    private static TimeSeries timeSeries(Series s) {
        TreeMap<String, String> sorted = new TreeMap<>();
        Map<String, String> originalName = new TreeMap<>();
        s.labels().forEach((name, value) -> {
            if (value == null || value.isEmpty()) {
                return;
            }
            String sanitised = sanitiseLabelName(Objects.requireNonNull(name, "label name"));
            String clash = originalName.putIfAbsent(sanitised, name);
            if (clash != null) {
                throw new IllegalArgumentException("label names " + clash + " and " + name + " are both " + sanitised
                        + " once sanitised, in " + s.labels());
            }
            sorted.put(sanitised, sanitised.equals(METRIC_NAME_LABEL) ? sanitiseMetricName(value) : value);
        });
        if (!sorted.containsKey(METRIC_NAME_LABEL)) {
            throw new IllegalArgumentException("a series needs a non-empty " + METRIC_NAME_LABEL + ": " + s.labels());
        }
        TimeSeries.Builder out = TimeSeries.newBuilder();
        sorted.forEach((name, value) -> out.addLabels(Label.newBuilder().setName(name).setValue(value)));
        List<Sample> samples = new ArrayList<>(s.samples());
        samples.sort(Comparator.comparingLong(Sample::timestampMillis));
        for (int i = 0; i < samples.size(); i++) {
            Sample sample = samples.get(i);
            if (i > 0 && samples.get(i - 1).timestampMillis() == sample.timestampMillis()) {
                throw new IllegalArgumentException("two samples at " + sample.timestampMillis() + " ms in " + sorted);
            }
            out.addSamples(io.noetl.lifecycle.export.prompb.Sample.newBuilder()
                    .setTimestamp(sample.timestampMillis()).setValue(sample.value()));
        }
        return out.build();
    }

    /** {@code name} in {@code [a-zA-Z_][a-zA-Z0-9_]*}: other characters become {@code _}; a leading digit gets one. */
    public static String sanitiseLabelName(String name) {
        return sanitise(name, false);
    }

    /** {@code name} in {@code [a-zA-Z_:][a-zA-Z0-9_:]*}: other characters become {@code _}; a leading digit gets one. */
    public static String sanitiseMetricName(String name) {
        return sanitise(name, true);
    }

    private static String sanitise(String name, boolean colons) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an empty name cannot be sanitised");
        }
        StringBuilder out = new StringBuilder(name.length() + 1);
        if (name.charAt(0) >= '0' && name.charAt(0) <= '9') {
            out.append('_');
        }
        name.codePoints().forEach(c -> {
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || (colons && c == ':');
            out.append(valid ? (char) c : '_');
        });
        return out.toString();
    }

    /** The request as built (sanitised, sorted, ordered), before serialisation. */
    public WriteRequest request() {
        return request;
    }

    /** The HTTP body: the serialised request, snappy block-compressed. A copy. */
    public byte[] body() {
        return body.clone();
    }

    /** The serialised request's length before compression (also the varint that starts the snappy block). */
    public int uncompressedLength() {
        return uncompressedLength;
    }

    /** The headers to send with {@link #body()}: {@link #HEADERS}. */
    public Map<String, String> headers() {
        return HEADERS;
    }

    private static Map<String, String> remoteWriteHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Encoding", CONTENT_ENCODING);
        headers.put("Content-Type", CONTENT_TYPE);
        headers.put("X-Prometheus-Remote-Write-Version", REMOTE_WRITE_VERSION);
        return Collections.unmodifiableMap(headers);
    }
}
