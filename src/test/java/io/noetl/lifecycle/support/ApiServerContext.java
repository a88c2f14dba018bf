package io.noetl.lifecycle.support;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What a {@link WithApiServer} test gets: the namespace its operator runs in and watches, a cluster-admin client for
 * the test's own set-up and checks, and the operator's identity (to count what it was refused).
 */
public record ApiServerContext(ApiServer server, ApiServer.OperatorIdentity operator) {
    public String namespace() {
        return operator.namespace();
    }

    public KubernetesClient admin() {
        return server.admin();
    }
}
