package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ResourceEventsTest {
    KubernetesClient client;

    @Test
    void repeatedWarningsAggregateIntoOneEventAndNormalEventsDoNot() {
        MutableClock clock = new MutableClock();
        clock.set(Instant.parse("2026-11-21T10:00:00Z"));
        ResourceEvents events = new ResourceEvents(client, clock);
        MetricRetentionPolicy policy = new MetricRetentionPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").withUid("u1").build());

        for (int i = 0; i < 12; i++) {
            events.warning(policy, "LockTimeout", "no lock after 5 attempts");
            clock.advance(Duration.ofSeconds(30));
        }
        events.normal(policy, "CreatePartition", "metric_2026_11_21: current interval");
        events.normal(policy, "CreatePartition", "metric_2026_11_22: kept ready ahead");

        List<Event> all = client.v1().events().inNamespace("ns").list().getItems();
        List<Event> warnings = all.stream().filter(e -> "Warning".equals(e.getType())).toList();
        assertEquals(1, warnings.size());
        // written at most once a minute: the 12th repeat is counted but not yet written
        assertEquals(11, warnings.get(0).getCount());
        assertEquals("2026-11-21T10:05:00Z", warnings.get(0).getLastTimestamp());
        assertEquals("2026-11-21T10:00:00Z", warnings.get(0).getFirstTimestamp());
        assertEquals(2, all.stream().filter(e -> "Normal".equals(e.getType())).count());

        // after a quiet half hour the same warning starts a new Event
        clock.advance(Duration.ofMinutes(31));
        events.warning(policy, "LockTimeout", "no lock after 5 attempts");
        assertEquals(2, client.v1().events().inNamespace("ns").list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType())).count());
    }
}
