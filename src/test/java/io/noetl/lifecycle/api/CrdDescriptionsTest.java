package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What `kubectl explain` and `kubectl get` show: a description on every field, printer columns, short names. */
class CrdDescriptionsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyFieldOfEveryKindHasADescription() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String plural : List.of("metricretentionpolicies", "eventpartitionplans", "runtimecomponents")) {
            JsonNode schema = crd(plural).at("/spec/versions/0/schema/openAPIV3Schema");
            for (String top : List.of("spec", "status")) {
                walk(plural + "." + top, schema.at("/properties/" + top), missing);
            }
        }
        assertEquals(List.of(), missing, "fields without a description");
    }

    @Test
    void everyKindHasPrinterColumnsReadyFirstAgeLastAndAShortName() throws IOException {
        for (String[] kind : new String[][] {{"metricretentionpolicies", "mrp"}, {"eventpartitionplans", "epp"},
                {"runtimecomponents", "rtc"}}) {
            JsonNode crd = crd(kind[0]);
            assertEquals(kind[1], crd.at("/spec/names/shortNames/0").asText());
            JsonNode columns = crd.at("/spec/versions/0/additionalPrinterColumns");
            assertTrue(columns.size() >= 4, kind[0]);
            assertEquals("Ready", columns.get(0).get("name").asText());
            assertEquals(".status.conditions[?(@.type==\"Ready\")].status", columns.get(0).get("jsonPath").asText());
            assertEquals("Age", columns.get(columns.size() - 1).get("name").asText());
            assertTrue(crd.at("/spec/versions/0/subresources/status").isObject(), kind[0] + " has a status subresource");
        }
    }

    private static JsonNode crd(String plural) throws IOException {
        return YAML.readTree(Path.of("crds", plural + ".lifecycle.noetl.io-v1.yml").toFile());
    }

    private static void walk(String path, JsonNode node, List<String> missing) {
        if (!node.has("properties")) {
            if (node.has("items")) {
                walk(path + "[]", node.get("items"), missing);
            }
            return;
        }
        node.get("properties").fields().forEachRemaining(e -> {
            JsonNode field = e.getValue();
            if (!field.hasNonNull("description") || field.get("description").asText().isBlank()) {
                missing.add(path + "." + e.getKey());
            }
            walk(path + "." + e.getKey(), field, missing);
        });
    }
}
