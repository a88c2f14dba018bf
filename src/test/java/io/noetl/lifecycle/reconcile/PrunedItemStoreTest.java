package io.noetl.lifecycle.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.noetl.lifecycle.api.RuntimeComponent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrunedItemStoreTest {

    @Test
    void keepsEverythingButManagedFieldsAndTheLastAppliedCopy() {
        RuntimeComponent rc = new RuntimeComponent();
        rc.setMetadata(new ObjectMetaBuilder().withName("w").withNamespace("ns").withUid("u")
                .withResourceVersion("7").withFinalizers("runtimecomponents.lifecycle.noetl.io/finalizer")
                .withAnnotations(Map.of(PrunedItemStore.LAST_APPLIED, "{\"spec\":{}}",
                        "lifecycle.noetl.io/skip-cleanup", "true"))
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("gitops").withOperation("Apply")
                        .build()).build());
        PrunedItemStore<RuntimeComponent> store = new PrunedItemStore<>();
        store.put(store.getKey(rc), rc);

        RuntimeComponent cached = store.get("ns/w");
        assertNull(cached.getMetadata().getManagedFields());
        assertEquals(Map.of("lifecycle.noetl.io/skip-cleanup", "true"), cached.getMetadata().getAnnotations());
        assertEquals(List.of("runtimecomponents.lifecycle.noetl.io/finalizer"), cached.getMetadata().getFinalizers());
        assertEquals("7", cached.getMetadata().getResourceVersion());
        assertEquals(1, store.size());
    }
}
