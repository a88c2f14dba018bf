package io.noetl.lifecycle.support;

import io.quarkus.test.common.QuarkusTestResource;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a {@code @QuarkusTest} class's operator against the shared real kube-apiserver ({@link ApiServer}), as it runs
 * in production: server-side apply and leader election on, its identity a ServiceAccount bound only to
 * {@code deploy/role.yaml}, in a fresh namespace that its kubeconfig names (so it watches that namespace alone).
 * Each annotated class gets its own namespace and its own operator start. The class is skipped, with one line
 * saying how to enable it, when no server can be had ({@link ApiServerCondition}).
 *
 * <p>Fields of the test typed {@link ApiServerContext} receive the namespace, the admin client and the operator's
 * identity.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(ApiServerCondition.class)
@QuarkusTestResource(value = OperatorOnApiServer.class, restrictToAnnotatedClass = true)
public @interface WithApiServer {
    /** Prefix of the class's fresh namespace. */
    String value();

    /**
     * When set, the operator's Lease ({@code noetl-lifecycle-operator}) is created in the fresh namespace before the
     * operator starts, held by this identity for an hour: the operator under test stands by.
     */
    String leaseHeldBy() default "";
}
