package io.noetl.lifecycle.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.snappy.SnappyFramedInputStream;
import io.noetl.lifecycle.export.RemoteWriteFrame.Sample;
import io.noetl.lifecycle.export.RemoteWriteFrame.Series;
import io.noetl.lifecycle.export.prompb.Label;
import io.noetl.lifecycle.export.prompb.MetricMetadata;
import io.noetl.lifecycle.export.prompb.TimeSeries;
import io.noetl.lifecycle.export.prompb.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

class RemoteWriteFrameTest {
    /** Prometheus's staleness marker: a NaN with these bits, which must survive as they are. */
    private static final double STALE = Double.longBitsToDouble(0x7ff0000000000002L);

    private static final Series ROWS = new Series("noetl_rows_total", Map.of("table", "metric", "tier", "1h"),
            List.of(new Sample(3_000, 30), new Sample(1_000, 10), new Sample(2_000, 20)));
    private static final Series LAG = new Series("noetl_lag_seconds", Map.of("table", "event"),
            List.of(new Sample(1_000, 0.5), new Sample(2_000, STALE)));

    @Test
    void theBodyDecodesBackIntoTheSameSeries() throws IOException {
        RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(ROWS, LAG));

        WriteRequest decoded = WriteRequest.parseFrom(Snappy.uncompress(frame.body()));

        assertEquals(frame.request(), decoded);
        assertEquals(List.of(
                Map.of("__name__", "noetl_rows_total", "table", "metric", "tier", "1h"),
                Map.of("__name__", "noetl_lag_seconds", "table", "event")),
                decoded.getTimeseriesList().stream().map(RemoteWriteFrameTest::labels).toList());
        assertEquals(List.of(List.of(new Sample(1_000, 10), new Sample(2_000, 20), new Sample(3_000, 30)),
                List.of(new Sample(1_000, 0.5), new Sample(2_000, STALE))),
                decoded.getTimeseriesList().stream().map(RemoteWriteFrameTest::samples).toList());
        assertEquals(0x7ff0000000000002L,
                Double.doubleToRawLongBits(decoded.getTimeseries(1).getSamples(1).getValue()), "the staleness NaN");
        assertEquals(0, decoded.getMetadataCount());
    }

    @Test
    void theWireBytesAreThoseOfPrompbsWriteRequest() throws IOException {
        // written out by hand from prompb's field numbers: WriteRequest.timeseries = 1 { TimeSeries.labels = 1
        // { name = 1, value = 2 }, TimeSeries.samples = 2 { value = 1 (fixed64 double), timestamp = 2 (varint) } }
        byte[] expected = HexFormat.of().parseHex("0a1e" + "0a0e" + "0a085f5f6e616d655f5f" + "12027570" + "120c"
                + "09000000000000f03f" + "10e807");
        RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(new Series("up", Map.of(), List.of(new Sample(1000, 1)))));

        assertArrayEquals(expected, frame.request().toByteArray());
        assertArrayEquals(expected, Snappy.uncompress(frame.body()));
        assertEquals(expected.length, frame.uncompressedLength());
    }

    @Test
    void theProtoKeepsPrompbsFieldNumbersAndReservesTwo() {
        DescriptorProto request = WriteRequest.getDescriptor().toProto();
        assertEquals("prometheus.WriteRequest", WriteRequest.getDescriptor().getFullName());
        assertEquals(1, WriteRequest.getDescriptor().findFieldByName("timeseries").getNumber());
        assertEquals(3, WriteRequest.getDescriptor().findFieldByName("metadata").getNumber());
        assertEquals(2, request.getReservedRange(0).getStart());
        assertEquals(3, request.getReservedRange(0).getEnd(), "exclusive end: only field 2 is reserved");
        assertEquals(List.of("type", "metric_family_name", "help", "unit"),
                MetricMetadata.getDescriptor().getFields().stream().map(f -> f.getName()).toList());
        assertEquals(List.of(1, 2, 4, 5),
                MetricMetadata.getDescriptor().getFields().stream().map(f -> f.getNumber()).toList());
    }

    @Test
    void labelsAreSanitisedSortedAndEmptyValuesDropped() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("http.status", "200");
        labels.put("zone", "eu");
        labels.put("2xx", "yes");
        labels.put("job", "");
        labels.put("instance", null);
        labels.put("a:b", "c");
        labels.put("Zone", "upper case sorts before _");
        labels.put("größe", "1");
        RemoteWriteFrame frame = RemoteWriteFrame.of(
                List.of(new Series("noetl.rows-total:rate5m", labels, List.of(new Sample(1, 1)))));

        TimeSeries series = frame.request().getTimeseries(0);
        assertEquals(List.of("Zone", "_2xx", "__name__", "a_b", "gr__e", "http_status", "zone"),
                series.getLabelsList().stream().map(Label::getName).toList());
        assertEquals("noetl_rows_total:rate5m", labels(series).get("__name__"), "a metric name keeps its colons");
        assertEquals("200", labels(series).get("http_status"));
        assertFalse(labels(series).containsKey("job"));
        assertFalse(labels(series).containsKey("instance"));
    }

    @Test
    void namesAreSanitisedToThePrometheusCharsets() {
        Map<String, String> labelNames = Map.of("ok_Name9", "ok_Name9", "http.status", "http_status", "9lives",
                "_9lives", "a:b", "a_b", "a-b c", "a_b_c", "größe", "gr__e", "a\uD83D\uDE00", "a_", "__name__",
                "__name__", "_", "_");
        labelNames.forEach((in, out) -> assertEquals(out, RemoteWriteFrame.sanitiseLabelName(in), in));
        Map<String, String> metricNames = Map.of("job:rows:rate5m", "job:rows:rate5m", "noetl.rows-total",
                "noetl_rows_total", "0x", "_0x", ":x", ":x");
        metricNames.forEach((in, out) -> assertEquals(out, RemoteWriteFrame.sanitiseMetricName(in), in));
        for (String name : List.of("a.b", "9", "x-y:z", "größe")) {
            assertTrue(RemoteWriteFrame.sanitiseLabelName(name).matches("[a-zA-Z_][a-zA-Z0-9_]*"), name);
            assertTrue(RemoteWriteFrame.sanitiseMetricName(name).matches("[a-zA-Z_:][a-zA-Z0-9_:]*"), name);
        }
        assertThrows(IllegalArgumentException.class, () -> RemoteWriteFrame.sanitiseLabelName(""));
    }

    @Test
    void samplesAreInTimeOrderAndEmptySeriesLeftOut() {
        List<Sample> shuffled = new ArrayList<>();
        for (long t : new long[] {50, -10, 40, 0, 30, 10, 20}) {
            shuffled.add(new Sample(t, t / 10.0));
        }
        RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(new Series("empty", Map.of(), List.of()),
                new Series("shuffled", Map.of(), shuffled)));

        assertEquals(1, frame.request().getTimeseriesCount(), "the series without samples is left out");
        assertEquals(List.of(-10L, 0L, 10L, 20L, 30L, 40L, 50L), frame.request().getTimeseries(0).getSamplesList()
                .stream().map(io.noetl.lifecycle.export.prompb.Sample::getTimestamp).toList());
        assertEquals(samples(frame.request().getTimeseries(0)),
                shuffled.stream().sorted((a, b) -> Long.compare(a.timestampMillis(), b.timestampMillis())).toList());
    }

    @Test
    void refusesWhatAReceiverWouldReject() {
        assertThrows(IllegalArgumentException.class, () -> RemoteWriteFrame.of(
                List.of(new Series(Map.of("job", "x"), List.of(new Sample(1, 1))))), "no metric name");
        assertThrows(IllegalArgumentException.class, () -> RemoteWriteFrame.of(
                List.of(new Series(Map.of("__name__", "", "job", "x"), List.of(new Sample(1, 1))))), "an empty name");
        assertThrows(IllegalArgumentException.class, () -> RemoteWriteFrame.of(
                List.of(new Series("", Map.of("job", "x"), List.of(new Sample(1, 1))))), "an empty metric name");
        assertThrows(IllegalArgumentException.class, () -> RemoteWriteFrame.of(
                List.of(new Series("m", Map.of("a.b", "1", "a_b", "2"), List.of(new Sample(1, 1))))), "a clash");
        assertThrows(IllegalArgumentException.class, () -> RemoteWriteFrame.of(
                List.of(new Series("m", Map.of(), List.of(new Sample(1, 1), new Sample(1, 2))))), "one millisecond");
        assertThrows(IllegalArgumentException.class, () -> RemoteWriteFrame.of(List.of(ROWS),
                List.of(MetricMetadata.newBuilder().setHelp("no family").build())), "metadata without a name");
        // a clash of names whose values are dropped anyway is no clash
        RemoteWriteFrame.of(List.of(new Series("m", Map.of("a.b", "", "a_b", "2"), List.of(new Sample(1, 1)))));
    }

    @Test
    void metadataGoesInFieldThreeWithItsFamilyNameSanitised() throws IOException {
        MetricMetadata rows = MetricMetadata.newBuilder().setType(MetricMetadata.MetricType.COUNTER)
                .setMetricFamilyName("noetl.rows").setHelp("Rows rolled up.").setUnit("rows").build();
        RemoteWriteFrame frame = RemoteWriteFrame.of(List.of(ROWS), List.of(rows));

        WriteRequest decoded = WriteRequest.parseFrom(Snappy.uncompress(frame.body()));
        assertEquals(List.of(rows.toBuilder().setMetricFamilyName("noetl_rows").build()), decoded.getMetadataList());
    }

    @Test
    void theBodyIsSnappyBlockFormatNotTheFramedStream() throws IOException {
        // large enough (well over snappy's 64 KiB fragment) and repetitive enough to compress for real
        List<Series> many = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            many.add(new Series("noetl_partition_rows", Map.of("table", "metric_" + (i % 7), "partition", "p" + i),
                    List.of(new Sample(1_700_000_000_000L + i, i), new Sample(1_700_000_060_000L + i, i + 1))));
        }
        RemoteWriteFrame frame = RemoteWriteFrame.of(many);
        byte[] body = frame.body();
        byte[] raw = frame.request().toByteArray();
        assertTrue(raw.length > 64 * 1024, "bigger than one snappy fragment: " + raw.length);
        assertTrue(body.length < raw.length / 2, body.length + " of " + raw.length);

        // a block starts with the uncompressed length as a varint; a framed stream with its 0xff stream identifier
        assertEquals(raw.length, CodedInputStream.newInstance(body).readRawVarint32());
        assertEquals(raw.length, frame.uncompressedLength());
        assertEquals(raw.length, SnappyDecompressor.getUncompressedLength(body, 0));
        assertEquals(raw.length, Snappy.uncompressedLength(body));
        byte[] streamIdentifier = HexFormat.of().parseHex("ff060000734e61507059"); // 0xff, length 6, "sNaPpY"
        assertFalse(java.util.Arrays.equals(streamIdentifier, java.util.Arrays.copyOf(body, streamIdentifier.length)),
                "no stream identifier chunk");

        // two independent raw (block) decoders give the serialised request back byte for byte
        assertTrue(Snappy.isValidCompressedBuffer(body));
        assertArrayEquals(raw, Snappy.uncompress(body));
        byte[] out = new byte[raw.length];
        assertEquals(raw.length, new SnappyDecompressor().decompress(body, 0, body.length, out, 0, out.length));
        assertArrayEquals(raw, out);
        assertEquals(frame.request(), WriteRequest.parseFrom(out));

        // and the stream (framed) decoder does not take it
        assertThrows(IOException.class, () -> new SnappyFramedInputStream(new ByteArrayInputStream(body)).readAllBytes());
    }

    @Test
    void theHeadersAreTheRemoteWriteOnes() {
        assertEquals(List.of(Map.entry("Content-Encoding", "snappy"), Map.entry("Content-Type", "application/x-protobuf"),
                Map.entry("X-Prometheus-Remote-Write-Version", "0.1.0")),
                List.copyOf(RemoteWriteFrame.of(List.of(ROWS)).headers().entrySet()));
        assertThrows(UnsupportedOperationException.class, () -> RemoteWriteFrame.HEADERS.put("X", "y"));
    }

    @Test
    void anEmptyFrameIsAValidEmptyRequest() throws IOException {
        RemoteWriteFrame frame = RemoteWriteFrame.of(List.of());
        assertEquals(0, frame.uncompressedLength());
        assertArrayEquals(new byte[] {0}, frame.body(), "a snappy block of nothing is its length, 0");
        assertEquals(WriteRequest.getDefaultInstance(), WriteRequest.parseFrom(Snappy.uncompress(frame.body())));
    }

    private static Map<String, String> labels(TimeSeries series) {
        Map<String, String> labels = new LinkedHashMap<>();
        series.getLabelsList().forEach(l -> labels.put(l.getName(), l.getValue()));
        return labels;
    }

    private static List<Sample> samples(TimeSeries series) {
        return series.getSamplesList().stream().map(s -> new Sample(s.getTimestamp(), s.getValue())).toList();
    }
}
