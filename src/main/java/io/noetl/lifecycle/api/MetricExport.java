package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/**
 * {@code spec.export}: where closed raw partitions are sent, by Prometheus remote-write, before they may be retired.
 * Only what the user writes is stored: no field but {@code url} is required, and none has a default in the schema or
 * here; the operator derives its own (ExportSettings).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MetricExport {
    @Required
    @Pattern("^https?://[^\\s@/]+(/\\S*)?$")
    @JsonPropertyDescription("The Prometheus remote-write endpoint, for example `http://victoria-metrics:8428/api/v1/write`, a VictoriaMetrics cluster's `http://vminsert:8480/insert/<tenant>/prometheus/api/v1/write`, or Prometheus' own `http://prometheus:9090/api/v1/write` (with `--web.enable-remote-write-receiver`). No credentials in the URL: use `secretRef`.")
    private String url;

    @JsonPropertyDescription("Credentials for the endpoint: a bearer token or HTTP basic authentication, from a Secret. Sent only over `https://`: with an `http://` `url` or `queryUrl` the export is refused (Degraded `InsecureTransport`) and nothing is sent, unless `allowPlainHttpCredentials` is true.")
    private ExportSecretRef secretRef;

    @JsonPropertyDescription("Send the credentials of `secretRef` over plain `http://` (`url` or `queryUrl`), readable by anyone on the network path. Only for a hop protected otherwise, such as a TLS-terminating sidecar on loopback or a service mesh that encrypts the connection; prefer `https://`. Without it such an export is refused. Default false.")
    private Boolean allowPlainHttpCredentials;

    @JsonPropertyDescription("The certificate authorities that signed the receiver's certificate, from a Secret: with it, `https://` connections (to `url` and `queryUrl`) trust these certificates only, instead of the JVM's default ones. The host name is verified either way. For a receiver whose certificate a private CA issued.")
    private CaSecretRef caSecretRef;

    @Size(max = 16)
    @JsonPropertyDescription("Extra HTTP headers sent with every request, for example a tenant header (`X-Scope-OrgID: team-a`). The remote-write headers (`Content-Encoding`, `Content-Type`, `X-Prometheus-Remote-Write-Version`) cannot be set, nor `Authorization` (use `secretRef`). Not for secrets: the spec is readable by whoever can read the resource.")
    private Map<String, String> headers;

    @Pattern("^(raw|([0-9]{1,6}(s|m|h|d|w))+)$")
    @JsonPropertyDescription("What is sent: `raw` (the default), the raw table's rows, one sample per row, each raw partition before it is retired; or the resolution of one tier of `spec.rollups` (for example `1h`): that tier's buckets, as the series `<name>:avg_<resolution>`, `:min_`, `:max_`, `:sum_`, `:count_`, `:last_` (and `:increase_` for counters), each tier partition once no raw partition can still add to it and before the tier's retention retires it.")
    private String source;

    @JsonPropertyDescription("How a partition's export is confirmed before the partition may go: `Query` (the default) asks the receiver's query API (`queryUrl`) how many samples it holds of each series sent (matched by all of its labels; other writers' series do not count), and every series must hold at least what was sent of it; `AckOnly` trusts the receiver's acknowledgements, for an endpoint that cannot be asked.")
    private ExportVerify verify;

    @Pattern("^https?://[^\\s@/]+(/\\S*)?$")
    @JsonPropertyDescription("The Prometheus instant-query endpoint `verify: Query` asks. Default: `url` with its trailing `/api/v1/write` replaced by `/api/v1/query`, right for VictoriaMetrics single-node and Prometheus; a VictoriaMetrics cluster needs vmselect's `http://vmselect:8481/select/<tenant>/prometheus/api/v1/query`.")
    private String queryUrl;

    @Min(100)
    @Max(1000000)
    @JsonPropertyDescription("Samples per remote-write request. Default 10000.")
    private Integer batchSamples;

    @JsonPropertyDescription("What happens to a closed partition holding rows the export could not send (a `NaN` value, which receivers drop or read as a staleness marker; a second row of one series in one millisecond; labels the mapping cannot express): `Hold` (the default) keeps it past retention, once its other samples are confirmed, and reports `ExportRefusedRows` with the count and one such row; `Accept` lets it go with them. `status.export.rowsRefused` and `lastRefusal` show such rows either way.")
    private RefusedRows refusedRows;

    public MetricExport() {
    }

    public MetricExport(String url) {
        this.url = url;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public ExportSecretRef getSecretRef() {
        return secretRef;
    }

    public void setSecretRef(ExportSecretRef secretRef) {
        this.secretRef = secretRef;
    }

    public Boolean getAllowPlainHttpCredentials() {
        return allowPlainHttpCredentials;
    }

    public void setAllowPlainHttpCredentials(Boolean allowPlainHttpCredentials) {
        this.allowPlainHttpCredentials = allowPlainHttpCredentials;
    }

    public CaSecretRef getCaSecretRef() {
        return caSecretRef;
    }

    public void setCaSecretRef(CaSecretRef caSecretRef) {
        this.caSecretRef = caSecretRef;
    }

    public Map<String, String> getHeaders() {
        return headers;
    }

    public void setHeaders(Map<String, String> headers) {
        this.headers = headers;
    }

    public String getSource() {
        return source;
    }

    public void setSource(String source) {
        this.source = source;
    }

    public ExportVerify getVerify() {
        return verify;
    }

    public void setVerify(ExportVerify verify) {
        this.verify = verify;
    }

    public String getQueryUrl() {
        return queryUrl;
    }

    public void setQueryUrl(String queryUrl) {
        this.queryUrl = queryUrl;
    }

    public Integer getBatchSamples() {
        return batchSamples;
    }

    public void setBatchSamples(Integer batchSamples) {
        this.batchSamples = batchSamples;
    }

    public RefusedRows getRefusedRows() {
        return refusedRows;
    }

    public void setRefusedRows(RefusedRows refusedRows) {
        this.refusedRows = refusedRows;
    }
}
