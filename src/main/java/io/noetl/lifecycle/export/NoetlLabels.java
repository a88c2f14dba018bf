package io.noetl.lifecycle.export;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How a row of NoETL's metric table becomes a remote-write series' labels ({@code ExportPass} sends them):
 * <ul>
 * <li>{@code __name__} is {@code metric_name}, sanitised ({@link RemoteWriteFrame#sanitiseMetricName});</li>
 * <li>each top-level key of the {@code labels} JSONB is a label, its name sanitised
 * ({@link RemoteWriteFrame#sanitiseLabelName}); a string is its value as is; a number its JSON text ({@code 1},
 * {@code 2.5}, as the JSONB holds it); {@code true}/{@code false}; a nested object or array its compact JSON text;
 * a JSON {@code null} or an empty string is no label, as remote-write has no empty values;</li>
 * <li>the registry's {@code runtime_name} and {@code runtime_type} (the runtime component's name and type) as labels
 * of those names;</li>
 * <li>{@code metric_type} and {@code unit} are not labels (that would split a series when a writer changes them):
 * they go as remote-write metadata of the metric family.</li>
 * </ul>
 * A row the mapping cannot express is refused with the reason, for the caller to count and report: labels that are
 * not a JSON object, labels nested deeper than {@link #MAX_DEPTH} levels, a key that sanitises to a reserved label
 * ({@code __name__}, {@code runtime_name}, {@code runtime_type}) or to the same name as another key, an empty metric
 * name.
 */
public final class NoetlLabels {
    public static final String RUNTIME_NAME = "runtime_name";
    public static final String RUNTIME_TYPE = "runtime_type";
    /**
     * How many levels below the labels object a value may sit ({@code {"a": {"b": 1}}} has two): the rollups' bound
     * ({@code SeriesFingerprint.MAX_LABEL_DEPTH}), so both refuse the same rows. Deeper labels are refused before
     * they are parsed into a tree, whatever their depth (Jackson's own limit is 1,000).
     */
    public static final int MAX_DEPTH = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private NoetlLabels() {
    }

    /** The labels of one row, or why the row cannot be expressed. */
    public record Mapped(Optional<Map<String, String>> labels, Optional<String> refusal) {
        static Mapped of(Map<String, String> labels) {
            return new Mapped(Optional.of(Map.copyOf(labels)), Optional.empty());
        }

        static Mapped refused(String why) {
            return new Mapped(Optional.empty(), Optional.of(why));
        }
    }

    /**
     * @param labelsJson the row's {@code labels} as JSON text, null for SQL NULL (no labels)
     * @param runtimeName the registry's name of the row's runtime, null when it has none
     * @param runtimeType the registry's component type, null when it has none
     */
    public static Mapped of(String metricName, String labelsJson, String runtimeName, String runtimeType) {
        if (metricName == null || metricName.isEmpty()) {
            return Mapped.refused("the metric name is empty");
        }
        Map<String, String> labels = new TreeMap<>();
        labels.put(RemoteWriteFrame.METRIC_NAME_LABEL, RemoteWriteFrame.sanitiseMetricName(metricName));
        put(labels, RUNTIME_NAME, runtimeName);
        put(labels, RUNTIME_TYPE, runtimeType);
        if (labelsJson != null) {
            JsonNode node;
            try {
                if (tooDeep(labelsJson)) {
                    return Mapped.refused("labels are nested deeper than " + MAX_DEPTH + " levels");
                }
                node = JSON.readTree(labelsJson);
            } catch (JsonProcessingException e) {
                return Mapped.refused("labels are not JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                return Mapped.refused("labels are not JSON: " + e.getMessage());
            }
            if (node != null && !node.isNull()) {
                if (!node.isObject()) {
                    return Mapped.refused("labels are a JSON " + node.getNodeType().name().toLowerCase(
                            java.util.Locale.ROOT) + ", not an object");
                }
                Map<String, String> seen = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String name = RemoteWriteFrame.sanitiseLabelName(e.getKey());
                    if (name.equals(RemoteWriteFrame.METRIC_NAME_LABEL) || name.equals(RUNTIME_NAME)
                            || name.equals(RUNTIME_TYPE)) {
                        return Mapped.refused("the label key '" + e.getKey() + "' would be the reserved label " + name);
                    }
                    String before = seen.put(name, e.getKey());
                    if (before != null) {
                        return Mapped.refused("the label keys '" + before + "' and '" + e.getKey()
                                + "' both become " + name);
                    }
                    put(labels, name, text(e.getValue()));
                }
            }
        }
        return Mapped.of(labels);
    }

    /**
     * The remote-write metadata of a metric family from a row: its {@code metric_type} ({@code counter},
     * {@code gauge}, {@code histogram}, {@code summary}; anything else {@code UNKNOWN}), {@code unit} and
     * {@code help_text} (null: left empty).
     */
    public static io.noetl.lifecycle.export.prompb.MetricMetadata metadata(String metricName, String metricType,
            String unit, String help) {
        io.noetl.lifecycle.export.prompb.MetricMetadata.MetricType type = switch (metricType == null ? ""
                : metricType.toLowerCase(java.util.Locale.ROOT)) {
            case "counter" -> io.noetl.lifecycle.export.prompb.MetricMetadata.MetricType.COUNTER;
            case "gauge" -> io.noetl.lifecycle.export.prompb.MetricMetadata.MetricType.GAUGE;
            case "histogram" -> io.noetl.lifecycle.export.prompb.MetricMetadata.MetricType.HISTOGRAM;
            case "summary" -> io.noetl.lifecycle.export.prompb.MetricMetadata.MetricType.SUMMARY;
            default -> io.noetl.lifecycle.export.prompb.MetricMetadata.MetricType.UNKNOWN;
        };
        return io.noetl.lifecycle.export.prompb.MetricMetadata.newBuilder().setType(type)
                .setMetricFamilyName(RemoteWriteFrame.sanitiseMetricName(metricName))
                .setUnit(unit == null ? "" : unit).setHelp(help == null ? "" : help).build();
    }

    /**
     * Whether some value of {@code json} sits more than {@link #MAX_DEPTH} levels below its top, read token by token
     * and only as far as the first such value; text that is not JSON is for {@code readTree} to describe, unless it
     * is too deep before it goes wrong.
     */
    private static boolean tooDeep(String json) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(json)) {
            int open = 0; // the arrays and objects around the next value: its level
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.END_ARRAY || t == JsonToken.END_OBJECT) {
                    open--;
                } else if (t != JsonToken.FIELD_NAME) {
                    if (open > MAX_DEPTH) {
                        return true;
                    }
                    if (t.isStructStart()) {
                        open++;
                    }
                }
            }
        }
        return false;
    }

    private static String text(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isTextual() ? v.asText() : v.toString();
    }

    private static void put(Map<String, String> labels, String name, String value) {
        if (value != null && !value.isEmpty()) {
            labels.put(name, value);
        }
    }
}
