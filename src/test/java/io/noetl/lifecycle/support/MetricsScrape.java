package io.noetl.lifecycle.support;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The operator's Prometheus endpoint as a test reads it. */
public final class MetricsScrape {
    private MetricsScrape() {
    }

    /** The text of {@code /q/metrics} at {@code url}. */
    public static String scrape(URL url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.toURI()).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value of one series (name and labels as Prometheus prints them) in {@code metrics}. */
    public static double sample(String metrics, String series) {
        return metrics.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no sample " + series));
    }

    /**
     * The value of one series in {@code metrics}, or 0 when it has no sample yet: a per-kind counter before the first
     * pass that counts in it.
     */
    public static double sampleOrZero(String metrics, String series) {
        return metrics.lines().anyMatch(l -> l.startsWith(series + " ")) ? sample(metrics, series) : 0;
    }
}
