package io.noetl.lifecycle.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.noetl.lifecycle.api.Condition;
import io.noetl.lifecycle.api.LifecycleStatus;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.postgres.ServerBudget;
import io.noetl.lifecycle.report.Conditions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Shows a pass that waits long for its server's connection budget: {@code Waiting=True}, reason
 * {@code ConnectionBudget}, with how long and how many passes are ahead, written at once (the pass has not run, so the
 * reconcile's own status write is still to come). The reconcile's write after the pass removes it
 * ({@link Conditions#clearWaiting}); it must write even when nothing else changed ({@link #reported()}).
 */
public final class BudgetWait implements ServerBudget.WaitListener {
    private static final Logger LOG = Logger.getLogger(BudgetWait.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final CustomResource<?, ? extends LifecycleStatus> resource;
    private final long generation;
    private final Clock clock;
    private volatile boolean reported;

    public BudgetWait(KubernetesClient client, CustomResource<?, ? extends LifecycleStatus> resource, long generation,
            Clock clock) {
        this.client = client;
        this.resource = resource;
        this.generation = generation;
        this.clock = clock;
    }

    @Override
    public void waiting(Duration waited, int ahead, ServerBudget budget) {
        String message = "waiting for " + budget + " (lifecycle.pool.connections-per-server): " + ahead
                + (ahead == 1 ? " pass" : " passes") + " ahead, " + budget.inUse() + " in use, waited "
                + waited.toSeconds() + " s so far";
        // the conditions the resource shows now, with Waiting added (a list is replaced whole by a merge patch)
        LifecycleStatus shown = new LifecycleStatus() {
        };
        List<Condition> current = resource.getStatus() == null || resource.getStatus().getConditions() == null
                ? List.of() : resource.getStatus().getConditions();
        shown.setConditions(new ArrayList<>(current));
        Conditions.markWaiting(shown, Reason.CONNECTION_BUDGET, message, generation, clock.instant());
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("status").set("conditions", JSON.valueToTree(shown.getConditions()));
        try {
            // on the resource as the reconcile has it, which names it: a patch by name alone first reads the resource
            // from the server (fabric8), a request per waiting pass that the patch does not need
            client.resource(resource).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE),
                    patch.toString());
            reported = true;
        } catch (KubernetesClientException e) {
            LOG.debugf("could not show that %s/%s waits for %s: %s", resource.getMetadata().getNamespace(),
                    resource.getMetadata().getName(), budget, e.getMessage());
        }
    }

    /** Whether {@code Waiting=True} was written: then the reconcile writes its status even if nothing else changed. */
    public boolean reported() {
        return reported;
    }
}
