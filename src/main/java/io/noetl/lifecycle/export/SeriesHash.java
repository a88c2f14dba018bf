package io.noetl.lifecycle.export;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A series' identity as one 64-bit number: its labels ({@code __name__} included) sorted by name, each name and
 * value as its UTF-8 bytes after their length, through SHA-256, of which the first 8 bytes. The export records what it
 * sent of each series under this number ({@code <ledger>_series}) and {@link ReceiverCount} hashes the label sets the
 * receiver answers with the same way, so that a series is matched by all of its labels, exactly: a receiver series
 * with one label more, less or different is another series. Two of a partition's series share a number with a
 * probability of about n²/2⁶⁵ (a million series: 3 in 10⁸).
 */
public final class SeriesHash {
    private SeriesHash() {
    }

    /** The number of the series with {@code labels} (names to values, {@code __name__} among them). */
    public static long of(Map<String, String> labels) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        ByteBuffer length = ByteBuffer.allocate(4);
        Map<String, String> sorted = new TreeMap<>();
        sorted.putAll(labels);
        for (Map.Entry<String, String> label : sorted.entrySet()) {
            for (String part : new String[] {label.getKey(), label.getValue()}) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                sha.update(length.clear().putInt(bytes.length).array());
                sha.update(bytes);
            }
        }
        return ByteBuffer.wrap(sha.digest()).getLong();
    }
}
