package io.noetl.lifecycle.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.noetl.lifecycle.support.ApiServerContext;
import io.noetl.lifecycle.support.WithApiServer;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Without lifecycle.http.enabled (the default) the endpoints do not exist, whatever the caller sends. */
@QuarkusTest
@WithApiServer("endpoint-off")
class MetricsMaintenanceDisabledTest {

    @TestHTTPResource("/")
    URL base;

    private int post(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.toURI().resolve(path))
                .header("Authorization", "Bearer anything").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void bothEndpointsAnswerNotFoundWhenDisabled() throws Exception {
        assertEquals(404, post("api/metrics/cleanup"));
        assertEquals(404, post("api/metrics/partitions/create?days_ahead=3"));
    }
}
