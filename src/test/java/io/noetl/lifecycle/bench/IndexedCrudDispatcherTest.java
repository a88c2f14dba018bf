package io.noetl.lifecycle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The benchmark's indexed mock store answers one-object requests as the stock CRUD store does. */
class IndexedCrudDispatcherTest {
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new IndexedCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void createGetPatchReplaceDeleteByName() {
        client.configMaps().inNamespace("a").resource(map("one", "a", "v", "1")).create();
        client.configMaps().inNamespace("b").resource(map("one", "b", "v", "2")).create();

        assertEquals("1", client.configMaps().inNamespace("a").withName("one").get().getData().get("v"));
        assertEquals("2", client.configMaps().inNamespace("b").withName("one").get().getData().get("v"));
        assertNull(client.configMaps().inNamespace("c").withName("one").get());
        assertNull(client.secrets().inNamespace("a").withName("one").get(), "another kind with the same name");

        KubernetesClientException conflict = assertThrows(KubernetesClientException.class,
                () -> client.configMaps().inNamespace("a").resource(map("one", "a", "v", "3")).create());
        assertEquals(409, conflict.getCode());

        client.configMaps().inNamespace("a").withName("one").edit(cm -> {
            cm.getData().put("v", "patched");
            return cm;
        });
        assertEquals("patched", client.configMaps().inNamespace("a").withName("one").get().getData().get("v"));
        assertEquals("2", client.configMaps().inNamespace("b").withName("one").get().getData().get("v"));

        ConfigMap replaced = client.configMaps().inNamespace("b").withName("one").get();
        replaced.getData().put("v", "replaced");
        client.configMaps().inNamespace("b").resource(replaced).update();
        assertEquals("replaced", client.configMaps().inNamespace("b").withName("one").get().getData().get("v"));

        client.configMaps().inNamespace("a").withName("one").delete();
        assertNull(client.configMaps().inNamespace("a").withName("one").get());
        assertNotNull(client.configMaps().inNamespace("b").withName("one").get());
        client.configMaps().inNamespace("a").resource(map("one", "a", "v", "again")).create();
        assertEquals("again", client.configMaps().inNamespace("a").withName("one").get().getData().get("v"));
        assertEquals(1, client.configMaps().inNamespace("b").list().getItems().size());
        assertEquals(2, client.configMaps().inAnyNamespace().list().getItems().size());
    }

    @Test
    void generatedNamesAreCreated() {
        for (int i = 0; i < 3; i++) {
            client.v1().events().inNamespace("a").resource(new EventBuilder().withNewMetadata()
                    .withGenerateName("evt-").endMetadata().withReason("R" + i).build()).create();
        }
        assertEquals(3, client.v1().events().inNamespace("a").list().getItems().size());
        assertTrue(client.v1().events().inNamespace("a").list().getItems().stream()
                .allMatch(e -> e.getMetadata().getName().startsWith("evt-")));
    }

    private static ConfigMap map(String name, String namespace, String key, String value) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withData(new HashMap<>(Map.of(key, value))).build();
    }
}
