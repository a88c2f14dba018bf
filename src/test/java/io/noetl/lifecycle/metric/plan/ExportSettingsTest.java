package io.noetl.lifecycle.metric.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.CaSecretRef;
import io.noetl.lifecycle.api.ExportSecretRef;
import io.noetl.lifecycle.api.ExportVerify;
import io.noetl.lifecycle.api.MetricExport;
import io.noetl.lifecycle.plan.InvalidSpecException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** spec.export parsed: the defaults, the derived query URL, and what is refused with which field. No cluster. */
class ExportSettingsTest {
    private static MetricExport export(String url) {
        return new MetricExport(url);
    }

    private static String refusal(MetricExport e) {
        return assertThrows(InvalidSpecException.class, () -> ExportSettings.from(e)).getMessage();
    }

    @Test
    void noExportIsNotEnabled() throws Exception {
        assertFalse(ExportSettings.from(null).enabled());
    }

    @Test
    void aSingleNodeUrlGetsTheDefaultsAndTheQueryUrlBesideIt() throws Exception {
        ExportSettings s = ExportSettings.from(export("http://vm:8428/api/v1/write"));
        assertTrue(s.enabled());
        assertEquals(ExportVerify.Query, s.verify());
        assertEquals(ExportSettings.DEFAULT_BATCH_SAMPLES, s.batchSamples());
        assertEquals(Optional.of(URI.create("http://vm:8428/api/v1/query")), s.queryUrl());
        assertEquals("http://vm:8428/api/v1/write", s.target());
        assertEquals(Optional.empty(), s.secretName());
        assertEquals(io.noetl.lifecycle.api.RefusedRows.Hold, s.refusedRows(), "refused rows hold their partition");
        assertTrue(s.holdsRefusedRows());
    }

    @Test
    void aClusterUrlWorksAsItIsButNeedsVmselectToBeAsked() throws Exception {
        MetricExport cluster = export("http://vminsert:8480/insert/42/prometheus/api/v1/write");
        assertTrue(refusal(cluster).startsWith("spec.export.queryUrl: a VictoriaMetrics cluster's vminsert"),
                refusal(cluster));
        cluster.setQueryUrl("http://vmselect:8481/select/42/prometheus/api/v1/query");
        assertEquals(URI.create("http://vmselect:8481/select/42/prometheus/api/v1/write".replace("write", "query")),
                ExportSettings.from(cluster).queryUrl().orElseThrow());
        MetricExport ackOnly = export("http://vminsert:8480/insert/42/prometheus/api/v1/write");
        ackOnly.setVerify(ExportVerify.AckOnly);
        assertEquals(Optional.empty(), ExportSettings.from(ackOnly).queryUrl());
        assertEquals(URI.create("http://vminsert:8480/insert/42/prometheus/api/v1/write"),
                ExportSettings.from(ackOnly).url());
    }

    @Test
    void anEndpointWhoseQueryApiCannotBeGuessedNeedsQueryUrlOrAckOnly() {
        assertTrue(refusal(export("https://gateway.example/push")).contains("set queryUrl, or verify: AckOnly"));
    }

    @Test
    void credentialsBelongInASecretNotInTheUrlOrTheHeaders() throws Exception {
        assertTrue(refusal(export("http://user:pw@vm:8428/api/v1/write")).startsWith(
                "spec.export.url: credentials do not belong in the URL"));
        MetricExport auth = export("http://vm:8428/api/v1/write");
        auth.setHeaders(Map.of("authorization", "Bearer x"));
        assertTrue(refusal(auth).contains("from export.secretRef"), refusal(auth));
        auth.setHeaders(Map.of("X-Scope-OrgID", "team-a"));
        auth.setSecretRef(new ExportSecretRef("vm-write"));
        ExportSettings s = ExportSettings.from(auth);
        assertEquals(Map.of("X-Scope-OrgID", "team-a"), Map.copyOf(s.headers()));
        assertEquals(Optional.of("vm-write"), s.secretName());
    }

    @Test
    void theProtocolsHeadersAndBrokenHeadersAreRefused() {
        for (String name : new String[] {"Content-Encoding", "content-type", "X-Prometheus-Remote-Write-Version"}) {
            MetricExport e = export("http://vm:8428/api/v1/write");
            e.setHeaders(Map.of(name, "x"));
            assertTrue(refusal(e).contains("set by the operator"), name);
        }
        MetricExport broken = export("http://vm:8428/api/v1/write");
        broken.setHeaders(Map.of("X-Tenant", "a\r\nX-Evil: 1"));
        assertTrue(refusal(broken).contains("line break"));
        broken.setHeaders(Map.of("Bad Name", "a"));
        assertTrue(refusal(broken).contains("not an HTTP header name"));
    }

    @Test
    void aTierSourceMustNameATierOfTheRollups() throws Exception {
        io.noetl.lifecycle.api.MetricRetentionPolicySpec spec = new io.noetl.lifecycle.api.MetricRetentionPolicySpec();
        MetricExport e = export("http://vm:8428/api/v1/write");
        e.setSource("5m");
        spec.setExport(e);
        assertTrue(assertThrows(InvalidSpecException.class, () -> MetricPolicySettings.from(spec)).getMessage()
                .equals("spec.export.source: no tier of spec.rollups has the resolution 5m: the policy has no rollups"));
        spec.setRollups(java.util.List.of(new io.noetl.lifecycle.api.RollupTier("1m", "7d"),
                new io.noetl.lifecycle.api.RollupTier("1h", "365d")));
        assertTrue(assertThrows(InvalidSpecException.class, () -> MetricPolicySettings.from(spec)).getMessage()
                .contains("(they are [1m, 1h])"));
        e.setSource("60m"); // the same width as 1h
        MetricPolicySettings s = MetricPolicySettings.from(spec);
        assertEquals("noetl.metric_rollup_1h", s.export().tierOf(s.rollups()).orElseThrow().qualified());
        e.setSource("raw");
        assertEquals(Optional.empty(), MetricPolicySettings.from(spec).export().tier());
    }

    @Test
    void otherFieldsAreChecked() {
        assertTrue(refusal(export("ftp://vm/api/v1/write")).startsWith("spec.export.url: an http:// or https://"));
        MetricExport odd = export("http://vm:8428/api/v1/write");
        odd.setSource("hourly");
        assertTrue(refusal(odd).startsWith("spec.export.source: `raw` or the resolution of a tier"), refusal(odd));
        MetricExport both = export("http://vm:8428/api/v1/write");
        both.setVerify(ExportVerify.AckOnly);
        both.setQueryUrl("http://vm:8428/api/v1/query");
        assertTrue(refusal(both).startsWith("spec.export.queryUrl: verify: AckOnly asks no query API"));
        MetricExport tiny = export("http://vm:8428/api/v1/write");
        tiny.setBatchSamples(10);
        assertTrue(refusal(tiny).startsWith("spec.export.batchSamples"));
    }

    @Test
    void theSecretsCredentialsOverPlainHttpAreRefusedUnlessTheSpecAllowsThem() throws Exception {
        MetricExport e = export("http://vm:8428/api/v1/write");
        assertEquals(Optional.empty(), ExportSettings.from(e).plainHttpCredentials(), "no credentials: http is fine");
        e.setSecretRef(new ExportSecretRef("vm-write"));
        String why = ExportSettings.from(e).plainHttpCredentials().orElseThrow();
        assertTrue(why.startsWith("the credentials of export.secretRef (Secret vm-write) would be sent in clear over "
                + "plain http:// (url http://vm:8428/api/v1/write, queryUrl http://vm:8428/api/v1/query): nothing is "
                + "exported"), why);
        assertTrue(why.contains("export.allowPlainHttpCredentials: true"), why);
        // loopback is no exception: a sidecar and a port-forward look the same from here
        e.setUrl("http://127.0.0.1:8428/api/v1/write");
        assertTrue(ExportSettings.from(e).plainHttpCredentials().isPresent());
        // https for writes, but the query (given) over http would carry the same headers
        e.setUrl("https://vm.example:8428/api/v1/write");
        e.setQueryUrl("http://vmselect:8481/select/0/prometheus/api/v1/query");
        assertTrue(ExportSettings.from(e).plainHttpCredentials().orElseThrow().contains(
                "(queryUrl http://vmselect:8481/select/0/prometheus/api/v1/query)"));
        e.setQueryUrl(null);
        assertEquals(Optional.empty(), ExportSettings.from(e).plainHttpCredentials(), "https and its derived query");
        // AckOnly asks no query API: only the write URL counts
        e.setUrl("http://vm:8428/api/v1/write");
        e.setVerify(ExportVerify.AckOnly);
        assertTrue(ExportSettings.from(e).plainHttpCredentials().orElseThrow().contains("(url http://vm:8428/"));
        e.setAllowPlainHttpCredentials(true);
        assertEquals(Optional.empty(), ExportSettings.from(e).plainHttpCredentials(), "allowed explicitly");
        e.setAllowPlainHttpCredentials(false);
        assertTrue(ExportSettings.from(e).plainHttpCredentials().isPresent());
    }

    @Test
    void aCaSecretIsForHttpsAndDefaultsToTheKeyCaCrt() throws Exception {
        MetricExport e = export("https://vm.example/api/v1/write");
        e.setCaSecretRef(new CaSecretRef("vm-ca"));
        assertEquals(Optional.of(new ExportSettings.CaSecret("vm-ca", "ca.crt")), ExportSettings.from(e).ca());
        e.getCaSecretRef().setKey("tls.ca");
        assertEquals(Optional.of(new ExportSettings.CaSecret("vm-ca", "tls.ca")), ExportSettings.from(e).ca());
        e.getCaSecretRef().setKey("a/b");
        assertTrue(refusal(e).startsWith("spec.export.caSecretRef.key: `a/b` is not a Secret key"), refusal(e));
        e.getCaSecretRef().setKey(null);
        e.getCaSecretRef().setName(null);
        assertTrue(refusal(e).startsWith("spec.export.caSecretRef.name"), refusal(e));
        MetricExport plain = export("http://vm:8428/api/v1/write");
        plain.setCaSecretRef(new CaSecretRef("vm-ca"));
        assertTrue(refusal(plain).startsWith("spec.export.caSecretRef: a CA is for https:// connections, and "
                + "neither export.url nor export.queryUrl is https://"), refusal(plain));
        // a CA for the query side alone (vmselect behind TLS, vminsert inside the cluster) is fine
        MetricExport cluster = export("http://vminsert:8480/insert/0/prometheus/api/v1/write");
        cluster.setQueryUrl("https://vmselect.example/select/0/prometheus/api/v1/query");
        cluster.setCaSecretRef(new CaSecretRef("vm-ca"));
        assertTrue(ExportSettings.from(cluster).ca().isPresent());
        assertEquals(Optional.empty(), ExportSettings.from(export("https://vm.example/api/v1/write")).ca());
    }
}
