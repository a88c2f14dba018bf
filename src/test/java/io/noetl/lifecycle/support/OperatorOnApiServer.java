package io.noetl.lifecycle.support;

import io.quarkus.test.common.QuarkusTestResourceConfigurableLifecycleManager;
import java.util.Map;

/**
 * The Quarkus test resource behind {@link WithApiServer}: installs the CRDs on the shared server, makes a fresh
 * namespace with the operator's ServiceAccount, Role and RoleBinding from {@code deploy/}, and points the operator's
 * Kubernetes client at a kubeconfig holding that ServiceAccount's token and namespace. The client reads the file
 * named by the {@code kubeconfig} system property, as fabric8 does in production with {@code KUBECONFIG} or the
 * in-cluster token; nothing else about it is configured here.
 */
public class OperatorOnApiServer implements QuarkusTestResourceConfigurableLifecycleManager<WithApiServer> {
    private String prefix;
    private String leaseHeldBy;
    private ApiServerContext context;
    private String previousKubeconfig;

    @Override
    public void init(WithApiServer annotation) {
        prefix = annotation.value();
        leaseHeldBy = annotation.leaseHeldBy();
    }

    @Override
    public Map<String, String> start() {
        ApiServer server = ApiServer.get();
        server.installCrds();
        String namespace = server.freshNamespace(prefix);
        context = new ApiServerContext(server, server.operatorIdentity(namespace));
        if (!leaseHeldBy.isEmpty()) {
            server.admin().resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class).inNamespace(namespace)
                    .resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata()
                            .withName("noetl-lifecycle-operator").endMetadata().withNewSpec()
                            .withHolderIdentity(leaseHeldBy).withLeaseDurationSeconds(3600)
                            .withAcquireTime(java.time.ZonedDateTime.now()).withRenewTime(java.time.ZonedDateTime.now())
                            .withLeaseTransitions(0).endSpec().build()).create();
        }
        previousKubeconfig = System.getProperty("kubeconfig");
        System.setProperty("kubeconfig", context.operator().kubeconfigFile().toString());
        return Map.of();
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(context, new TestInjector.MatchesType(ApiServerContext.class));
    }

    @Override
    public void stop() {
        if (previousKubeconfig == null) {
            System.clearProperty("kubeconfig");
        } else {
            System.setProperty("kubeconfig", previousKubeconfig);
        }
    }
}
