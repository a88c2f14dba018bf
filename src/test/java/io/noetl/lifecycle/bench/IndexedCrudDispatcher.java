package io.noetl.lifecycle.bench;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import java.lang.reflect.Field;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * fabric8's CRUD mock dispatcher with its store indexed by (plural, name), for benchmarks with thousands of objects.
 *
 * <p>The stock dispatcher answers every create, get, patch and replace of one object with a scan of everything it
 * holds, so with N objects stored each request costs O(N) and creating N objects costs O(N²): 10,000
 * RuntimeComponents took 334 s to create before the operator's work could be measured. A real API server looks an
 * object up by its key. This subclass keeps the stock store, its semantics and its responses (it is still the mock
 * server: HTTP, JSON, watches over websockets, resource versions, finalizers), and adds an index from (plural, name)
 * to the stored keys, so that requests naming one object find it without a scan. Requests that name no object
 * (lists, watches, deletes of collections) still scan, as before.
 *
 * <p>The index is exact, not a cache: it is updated inside the store's own put and remove, under the store's lock,
 * and a hit is still checked with the stock matching rules (namespace, api group, version, selectors).
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
    private final IndexedStore store = new IndexedStore();
    private final Map<AttributeSet, String> synchronizedStore = Collections.synchronizedMap(store);

    IndexedCrudDispatcher() {
        try {
            Field field = CrudDispatcher.class.getDeclaredField("map");
            field.setAccessible(true);
            field.set(this, synchronizedStore);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("fabric8's CrudDispatcher no longer keeps its store in 'map'", e);
        }
    }

    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
        String key = key(query);
        if (key == null) {
            return super.findResource(query);
        }
        synchronized (synchronizedStore) {
            for (AttributeSet stored : store.keysFor(key)) {
                if (stored.matches(query)) {
                    return Map.entry(stored, store.get(stored));
                }
            }
            if (store.unindexed > 0) {
                return super.findResource(query); // some stored object has no (plural, name): scan as before
            }
        }
        return null;
    }

    /** Gets of one object by name answer from the index; everything else (lists, watches) as the stock server. */
    @Override
    public MockResponse handleGet(String path) {
        if (path.contains("watch=")) {
            return super.handleGet(path);
        }
        AttributeSet query = attributeExtractor.fromPath(path);
        if (key(query) == null) {
            return super.handleGet(path);
        }
        Map.Entry<AttributeSet, String> found = findResource(query);
        return found == null ? new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
                : new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(found.getValue());
    }

    /** (plural, name) when the set names exactly one of each by equality, else null. */
    private static String key(AttributeSet set) {
        String plural = single(set, KubernetesAttributesExtractor.PLURAL);
        String name = single(set, KubernetesAttributesExtractor.NAME);
        return plural == null || name == null ? null : plural + "/" + name;
    }

    private static String single(AttributeSet set, String key) {
        Attribute attribute = set.getAttribute(key);
        if (attribute == null || attribute.getType() != AttributeType.WITH || attribute.getValues().size() != 1) {
            return null;
        }
        String value = attribute.getValues().get(0).toString();
        // A create with generateName asks for a null name: no stored object has one, so it maps to a key
        // that nothing indexed can have.
        return value == null ? "\u0000" : value;
    }

    /** The stock insertion-ordered store plus the index; every mutation goes through put or remove. */
    private static final class IndexedStore extends LinkedHashMap<AttributeSet, String> {
        private final Map<String, List<AttributeSet>> index = new HashMap<>();
        /** Stored objects without a (plural, name) key; while there are any, a miss falls back to a scan. */
        int unindexed;

        List<AttributeSet> keysFor(String key) {
            return index.getOrDefault(key, List.of());
        }

        @Override
        public String put(AttributeSet attributes, String value) {
            String previous = super.put(attributes, value);
            if (previous == null) {
                String key = key(attributes);
                if (key != null) {
                    index.computeIfAbsent(key, k -> new ArrayList<>(1)).add(attributes);
                } else {
                    unindexed++;
                }
            }
            return previous;
        }

        @Override
        public String remove(Object attributes) {
            String previous = super.remove(attributes);
            if (previous != null && attributes instanceof AttributeSet) {
                String key = key((AttributeSet) attributes);
                List<AttributeSet> keys = key == null ? null : index.get(key);
                if (key == null) {
                    unindexed--;
                } else if (keys != null) {
                    keys.remove(attributes);
                    if (keys.isEmpty()) {
                        index.remove(key);
                    }
                }
            }
            return previous;
        }

        @Override
        public void clear() {
            super.clear();
            index.clear();
            unindexed = 0;
        }
    }
}
