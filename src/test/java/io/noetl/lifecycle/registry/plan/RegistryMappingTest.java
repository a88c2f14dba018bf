package io.noetl.lifecycle.registry.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.ComponentType;
import io.noetl.lifecycle.registry.plan.RegistryMapping.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistryMappingTest {

    private static RegistryShape shape(List<Set<String>> unique, String... columns) {
        Map<String, RegistryShape.Column> map = new HashMap<>();
        for (String c : columns) {
            String[] p = c.split(":");
            map.put(p[0], new RegistryShape.Column(p[0], p[1], p.length > 2));
        }
        return new RegistryShape(true, map, unique, false);
    }

    private static final String[] SEED = {"runtime_id:int8:nn", "name:text:nn", "component_type:text:nn",
        "base_url:text", "status:text:nn", "labels:jsonb", "capabilities:jsonb", "capacity:int4", "runtime:jsonb",
        "last_heartbeat:timestamptz", "created_at:timestamptz", "updated_at:timestamptz"};
    private static final String[] OTHER = {"runtime_id:int8:nn", "name:text:nn", "kind:varchar:nn", "uri:text",
        "status:text:nn", "heartbeat:timestamp"};

    @Test
    void takesTheSeedsNames() throws Exception {
        RegistryMapping m = RegistryMapping.choose("noetl.runtime",
                shape(List.of(Set.of("runtime_id"), Set.of("component_type", "name")), SEED));
        assertEquals("component_type", m.name(Role.TYPE));
        assertEquals("base_url", m.name(Role.URL));
        assertEquals("last_heartbeat", m.name(Role.HEARTBEAT));
        assertEquals(5, m.declared().size());
    }

    @Test
    void takesTheOtherVersionsNamesAndWritesOnlyTheDeclaredColumnsItHas() throws Exception {
        RegistryMapping m = RegistryMapping.choose("noetl.runtime", shape(List.of(Set.of("name", "kind")), OTHER));
        assertEquals("kind", m.name(Role.TYPE));
        assertEquals("uri", m.name(Role.URL));
        assertEquals("heartbeat", m.name(Role.HEARTBEAT));
        assertEquals(List.of("uri"), m.declared().stream().map(RegistryShape.Column::name).toList());
        RuntimeDeclaration plain = new RuntimeDeclaration(ComponentType.BROKER, "b", "http://b", null, null, null,
                null);
        assertEquals(Optional.empty(), m.missingFor(plain));
        RuntimeDeclaration withCapacity = new RuntimeDeclaration(ComponentType.BROKER, "b", null, null, null, 3,
                null);
        assertEquals(Optional.of("capacity"), m.missingFor(withCapacity));
    }

    @Test
    void whenBothTypeNamesExistTheOneInTheUniqueKeyWins() throws Exception {
        List<String> cols = new ArrayList<>(List.of(OTHER));
        cols.add("component_type:text");
        RegistryMapping m = RegistryMapping.choose("noetl.runtime",
                shape(List.of(Set.of("kind", "name")), cols.toArray(String[]::new)));
        assertEquals("kind", m.name(Role.TYPE));
    }

    @Test
    void namesEveryMissingRequiredColumn() {
        RegistryIncompatibleException e = assertThrows(RegistryIncompatibleException.class,
                () -> RegistryMapping.choose("noetl.runtime", shape(List.of(), "runtime_id:int8", "name:text",
                        "status:text")));
        assertEquals("noetl.runtime has no column component_type or kind, no column last_heartbeat or heartbeat",
                e.getMessage());
    }

    @Test
    void needsTheUniqueKeyForOnConflict() {
        RegistryIncompatibleException e = assertThrows(RegistryIncompatibleException.class,
                () -> RegistryMapping.choose("noetl.runtime", shape(List.of(Set.of("runtime_id")), SEED)));
        assertTrue(e.getMessage().contains("no unique index on (component_type, name)"), e.getMessage());
    }

    @Test
    void rejectsColumnsOfTheWrongTypeAndUnknownColumnsThatNeedAValue() {
        String[] wrongType = SEED.clone();
        wrongType[7] = "capacity:text";
        RegistryIncompatibleException e = assertThrows(RegistryIncompatibleException.class,
                () -> RegistryMapping.choose("noetl.runtime",
                        shape(List.of(Set.of("component_type", "name")), wrongType)));
        assertTrue(e.getMessage().startsWith("noetl.runtime column capacity is text"), e.getMessage());

        List<String> cols = new ArrayList<>(List.of(SEED));
        cols.add("tenant:text:nn");
        e = assertThrows(RegistryIncompatibleException.class, () -> RegistryMapping.choose("noetl.runtime",
                shape(List.of(Set.of("component_type", "name")), cols.toArray(String[]::new))));
        assertTrue(e.getMessage().contains("column tenant is NOT NULL without a default"), e.getMessage());
    }

    @Test
    void knowsWhichJsonColumnsAreJson() throws Exception {
        String[] textLabels = SEED.clone();
        textLabels[5] = "labels:text";
        RegistryMapping m = RegistryMapping.choose("noetl.runtime",
                shape(List.of(Set.of("component_type", "name")), textLabels));
        assertFalse(m.isJson(Role.LABELS));
        assertTrue(m.isJson(Role.RUNTIME));
    }
}
