package io.noetl.lifecycle.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import io.noetl.lifecycle.support.ApiServer;
import io.noetl.lifecycle.support.ApiServerCondition;
import io.noetl.lifecycle.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Events written as the operator writes them: on the real API server, with the operator's own identity (only
 * {@code deploy/role.yaml}'s rights: events create and patch), so a repeat's merge patch is proven allowed and
 * accepted by the server, not by a stand-in. Events are written in the background: each check waits for the writer.
 */
@ExtendWith(ApiServerCondition.class)
class ResourceEventsTest {

    @Test
    void repeatedWarningsAggregateIntoOneEventAndNormalEventsDoNot() {
        ApiServer server = ApiServer.get();
        String ns = server.freshNamespace("events");
        KubernetesClient admin = server.admin();
        try (KubernetesClient operator = server.operatorIdentity(ns).client()) {
            MutableClock clock = new MutableClock();
            clock.set(Instant.parse("2026-11-21T10:00:00Z"));
            ResourceEvents events = new ResourceEvents(operator, clock);
            MetricRetentionPolicy policy = new MetricRetentionPolicy();
            policy.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace(ns).withUid("u1").build());

            for (int i = 0; i < 12; i++) {
                events.warning(policy, "LockTimeout", "no lock after 5 attempts");
                clock.advance(Duration.ofSeconds(30));
            }
            events.normal(policy, "CreatePartition", "metric_2026_11_21: current interval");
            events.normal(policy, "CreatePartition", "metric_2026_11_22: kept ready ahead");
            assertTrue(events.flush(Duration.ofSeconds(30)), "the background writer did not finish");

            List<Event> all = admin.v1().events().inNamespace(ns).list().getItems();
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
            assertTrue(events.flush(Duration.ofSeconds(30)));
            assertEquals(2, admin.v1().events().inNamespace(ns).list().getItems().stream()
                    .filter(e -> "Warning".equals(e.getType())).count());
        }
    }

    /**
     * The writer's bound, against a server that accepts connections and never answers (a stand-in: a real API server
     * that hangs cannot be had on purpose). Recording never blocks, and what does not fit is counted, not queued.
     */
    @Test
    void recordingNeverWaitsForTheServerAndWhatDoesNotFitIsCounted() throws Exception {
        try (java.net.ServerSocket hanging = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(hanging.accept());
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                    new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("http://127.0.0.1:"
                            + hanging.getLocalPort()).withRequestTimeout(120_000).withRequestRetryBackoffLimit(0)
                            .build()).build()) {
                ResourceEvents events = new ResourceEvents(client, java.time.Clock.systemUTC());
                MetricRetentionPolicy policy = new MetricRetentionPolicy();
                policy.setMetadata(new ObjectMetaBuilder().withName("p").withNamespace("ns").withUid("u2").build());
                long start = System.nanoTime();
                int recorded = ResourceEvents.MAX_PENDING + 500;
                for (int i = 0; i < recorded; i++) {
                    events.normal(policy, "CreatePartition", "metric_" + i);
                }
                assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(10),
                        "recording waited for the server");
                // the writers hold one each; the queue holds MAX_PENDING; the rest are dropped and counted
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> events.dropped() == recorded - ResourceEvents.MAX_PENDING - ResourceEvents.WRITERS);
                events.close();
            } finally {
                for (java.net.Socket s : held) {
                    s.close();
                }
            }
        }
    }
}
