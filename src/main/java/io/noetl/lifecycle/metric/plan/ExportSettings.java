package io.noetl.lifecycle.metric.plan;

import io.noetl.lifecycle.api.CaSecretRef;
import io.noetl.lifecycle.api.ExportVerify;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.api.RefusedRows;
import io.noetl.lifecycle.metric.rollup.Resolution;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A MetricRetentionPolicy's {@code spec.export}, checked and with the operator's defaults applied. Not enabled: no
 * export, and retirements do not wait for one.
 *
 * @param target the ledger's key for the receiver: the URL as written, so that pointing the policy at another
 *     receiver exports every closed partition to it afresh
 * @param secretName the Secret with the receiver's credentials, if any
 * @param headers extra headers, by name as written
 * @param queryUrl where {@code verify: Query} asks; empty for {@code AckOnly}
 * @param tier the resolution of the rollup tier {@code source} names; empty for {@code raw}
 * @param allowPlainHttpCredentials whether the Secret's credentials may go over {@code http://}
 * @param ca the Secret key with the certificate authorities {@code https://} connections trust instead of the JVM's
 * @param refusedRows whether a partition whose export refused rows is kept past retention ({@code Hold}, the
 *     default) or may go once its samples sent are confirmed ({@code Accept})
 */
public record ExportSettings(boolean enabled, URI url, String target, Optional<String> secretName,
        Map<String, String> headers, ExportVerify verify, Optional<URI> queryUrl, int batchSamples,
        Optional<Resolution> tier, boolean allowPlainHttpCredentials, Optional<CaSecret> ca,
        RefusedRows refusedRows) {

    /** {@code spec.export.caSecretRef}: a Secret's name and the key holding the PEM certificates. */
    public record CaSecret(String name, String key) {
    }

    public static final int DEFAULT_BATCH_SAMPLES = 10_000;
    private static final String WRITE_PATH = "/api/v1/write";
    private static final Pattern SECRET_KEY = Pattern.compile("^[-._a-zA-Z0-9]{1,253}$");
    private static final Pattern TOKEN = Pattern.compile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$");
    /** Headers the remote-write protocol or {@code secretRef} sets. */
    private static final Set<String> RESERVED = Set.of("content-encoding", "content-type", "content-length",
            "x-prometheus-remote-write-version", "authorization", "host", "user-agent");

    public ExportSettings {
        headers = Map.copyOf(headers);
    }

    /** No export. */
    public static ExportSettings none() {
        return new ExportSettings(false, null, "", Optional.empty(), Map.of(), ExportVerify.Query, Optional.empty(),
                DEFAULT_BATCH_SAMPLES, Optional.empty(), false, Optional.empty(), RefusedRows.Hold);
    }

    public static ExportSettings from(MetricExport export) throws InvalidSpecException {
        if (export == null) {
            return none();
        }
        URI url = url("export.url", export.getUrl());
        Optional<Resolution> tier = Optional.empty();
        if (export.getSource() != null && !"raw".equals(export.getSource())) {
            try {
                tier = Optional.of(Resolution.parse(export.getSource()));
            } catch (IllegalArgumentException e) {
                throw new InvalidSpecException("export.source", "`raw` or the resolution of a tier of spec.rollups, not "
                        + export.getSource() + ": " + e.getMessage());
            }
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (export.getHeaders() != null) {
            if (export.getHeaders().size() > 16) {
                throw new InvalidSpecException("export.headers", "at most 16 headers, not " + export.getHeaders().size());
            }
            for (Map.Entry<String, String> h : export.getHeaders().entrySet()) {
                String name = h.getKey();
                if (name == null || !TOKEN.matcher(name).matches()) {
                    throw new InvalidSpecException("export.headers", "`" + name + "` is not an HTTP header name");
                }
                if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                    throw new InvalidSpecException("export.headers." + name, "this header is set by the operator"
                            + (name.equalsIgnoreCase("authorization") ? " from export.secretRef" : "")
                            + " and cannot be given");
                }
                String value = h.getValue() == null ? "" : h.getValue();
                if (value.chars().anyMatch(ch -> ch == '\r' || ch == '\n' || ch == 0)) {
                    throw new InvalidSpecException("export.headers." + name, "a header value cannot hold a line break");
                }
                if (headers.put(name, value) != null) {
                    throw new InvalidSpecException("export.headers." + name, "given twice (header names ignore case)");
                }
            }
        }
        ExportVerify verify = export.getVerify() == null ? ExportVerify.Query : export.getVerify();
        Optional<URI> queryUrl = Optional.empty();
        if (verify == ExportVerify.Query) {
            if (export.getQueryUrl() != null) {
                queryUrl = Optional.of(url("export.queryUrl", export.getQueryUrl()));
            } else {
                queryUrl = Optional.of(derivedQueryUrl(url));
            }
        } else if (export.getQueryUrl() != null) {
            throw new InvalidSpecException("export.queryUrl", "verify: AckOnly asks no query API; leave queryUrl out "
                    + "or use verify: Query");
        }
        int batch = export.getBatchSamples() == null ? DEFAULT_BATCH_SAMPLES : export.getBatchSamples();
        if (batch < 100 || batch > 1_000_000) {
            throw new InvalidSpecException("export.batchSamples", "between 100 and 1000000, not " + batch);
        }
        Optional<String> secret = export.getSecretRef() == null ? Optional.empty()
                : Optional.ofNullable(export.getSecretRef().getName());
        if (export.getSecretRef() != null && secret.isEmpty()) {
            throw new InvalidSpecException("export.secretRef.name", "the Secret's name is missing");
        }
        Optional<CaSecret> ca = Optional.empty();
        if (export.getCaSecretRef() != null) {
            String name = export.getCaSecretRef().getName();
            if (name == null || name.isBlank()) {
                throw new InvalidSpecException("export.caSecretRef.name", "the Secret's name is missing");
            }
            String key = export.getCaSecretRef().getKey();
            if (key != null && !SECRET_KEY.matcher(key).matches()) {
                throw new InvalidSpecException("export.caSecretRef.key", "`" + key + "` is not a Secret key "
                        + "(letters, digits, '-', '_' and '.')");
            }
            if (!isHttps(url) && queryUrl.map(q -> !isHttps(q)).orElse(true)) {
                throw new InvalidSpecException("export.caSecretRef", "a CA is for https:// connections, and neither "
                        + "export.url nor export.queryUrl is https://");
            }
            ca = Optional.of(new CaSecret(name, key == null ? CaSecretRef.DEFAULT_KEY : key));
        }
        RefusedRows refused = export.getRefusedRows() == null ? RefusedRows.Hold : export.getRefusedRows();
        return new ExportSettings(true, url, export.getUrl(), secret, headers, verify, queryUrl, batch, tier,
                Boolean.TRUE.equals(export.getAllowPlainHttpCredentials()), ca, refused);
    }

    /** Whether a partition whose export refused rows is kept past retention ({@code refusedRows: Hold}). */
    public boolean holdsRefusedRows() {
        return refusedRows == RefusedRows.Hold;
    }

    /**
     * Why nothing may be sent, when {@code secretRef}'s credentials would cross plain {@code http://} (to {@code url}
     * or to {@code queryUrl}, derived or given) and the spec does not allow it: anyone on the path could read them.
     * Empty when the export may go: no credentials, every endpoint {@code https://}, or the spec's explicit
     * {@code allowPlainHttpCredentials}. No exception for loopback addresses: whether a listener there is a
     * TLS-terminating sidecar or a port-forward to a remote receiver cannot be told, so the spec says it.
     */
    public Optional<String> plainHttpCredentials() {
        if (!enabled || secretName.isEmpty() || allowPlainHttpCredentials) {
            return Optional.empty();
        }
        List<String> plain = new ArrayList<>();
        if (!isHttps(url)) {
            plain.add("url " + url);
        }
        queryUrl.filter(q -> !isHttps(q)).ifPresent(q -> plain.add("queryUrl " + q));
        if (plain.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("the credentials of export.secretRef (Secret " + secretName.get() + ") would be sent in "
                + "clear over plain http:// (" + String.join(", ", plain) + "): nothing is exported, and no partition "
                + "waiting for its export is retired; use https:// (with export.caSecretRef for a private CA), or set "
                + "export.allowPlainHttpCredentials: true where the hop is protected otherwise (a TLS sidecar, a mesh)");
    }

    private static boolean isHttps(URI url) {
        return "https".equalsIgnoreCase(url.getScheme());
    }

    /** The tier of {@code rollups} that {@code source} names; refused when there is none of that resolution. */
    public Optional<RollupSettings.Tier> tierOf(RollupSettings rollups) throws InvalidSpecException {
        if (tier.isEmpty()) {
            return Optional.empty();
        }
        Optional<RollupSettings.Tier> found = rollups.tiers().stream().filter(t -> t.resolution().equals(tier.get()))
                .findFirst();
        if (found.isEmpty()) {
            throw new InvalidSpecException("export.source", "no tier of spec.rollups has the resolution "
                    + tier.get() + (rollups.enabled() ? " (they are " + rollups.tiers().stream()
                            .map(t -> t.resolution().toString()).toList() + ")" : ": the policy has no rollups"));
        }
        return found;
    }

    /**
     * The query endpoint beside a write endpoint that ends in {@code /api/v1/write} (VictoriaMetrics single-node,
     * Prometheus); a VictoriaMetrics cluster's vminsert serves no queries, and another endpoint's query API cannot be
     * guessed.
     */
    static URI derivedQueryUrl(URI url) throws InvalidSpecException {
        String path = url.getPath() == null ? "" : url.getPath();
        if (path.startsWith("/insert/")) {
            throw new InvalidSpecException("export.queryUrl", "a VictoriaMetrics cluster's vminsert (" + url
                    + ") answers no queries: set queryUrl to vmselect's /select/<tenant>/prometheus/api/v1/query, "
                    + "or verify: AckOnly");
        }
        if (!path.endsWith(WRITE_PATH)) {
            throw new InvalidSpecException("export.queryUrl", "cannot tell where " + url + " answers queries (its "
                    + "path does not end in " + WRITE_PATH + "): set queryUrl, or verify: AckOnly for an endpoint "
                    + "that cannot be asked");
        }
        try {
            return new URI(url.getScheme(), url.getRawAuthority(), path.substring(0, path.length()
                    - WRITE_PATH.length()) + "/api/v1/query", null, null);
        } catch (URISyntaxException e) {
            throw new InvalidSpecException("export.queryUrl", e.getMessage());
        }
    }

    private static URI url(String field, String text) throws InvalidSpecException {
        if (text == null || text.isBlank()) {
            throw new InvalidSpecException(field, "a URL such as http://victoria-metrics:8428/api/v1/write is needed");
        }
        URI url;
        try {
            url = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new InvalidSpecException(field, "not a URL: " + e.getMessage());
        }
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null) {
            throw new InvalidSpecException(field, "an http:// or https:// URL with a host is needed, not " + text);
        }
        if (url.getRawUserInfo() != null) {
            throw new InvalidSpecException(field, "credentials do not belong in the URL (they would show in status "
                    + "and logs): put them in a Secret named by export.secretRef");
        }
        if (url.getRawFragment() != null) {
            throw new InvalidSpecException(field, "a URL with a #fragment is not an endpoint");
        }
        return url;
    }
}
