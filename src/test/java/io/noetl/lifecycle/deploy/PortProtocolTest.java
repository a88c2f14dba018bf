package io.noetl.lifecycle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Server-side apply merges Service ports by (port, protocol) and container ports by (containerPort, protocol);
 * an entry that leaves the key's {@code protocol} to the server's default is refused ("associative list with keys
 * has an element that omits key field"). Every port under deploy/ writes it out.
 */
class PortProtocolTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyPortUnderDeployNamesItsProtocol() throws IOException {
        List<String> ports = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("deploy"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                collect(file.toString(), YAML.readTree(file.toFile()), ports, missing);
            }
        }
        assertTrue(ports.size() >= 2, "the Service's and the container's ports are found: " + ports);
        assertTrue(missing.isEmpty(), "ports without protocol: " + missing);
    }

    @Test
    void theServicePortIsTcp() throws IOException {
        JsonNode port = YAML.readTree(Path.of("deploy", "service.yaml").toFile()).at("/spec/ports/0");
        assertEquals("http", port.get("name").asText());
        assertEquals("TCP", port.path("protocol").asText());
        assertFalse(port.has("nodePort"));
    }

    /** Walks a document for every "ports" list whose entries carry port or containerPort. */
    private static void collect(String where, JsonNode node, List<String> ports, List<String> missing) {
        if (node == null) {
            return;
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("ports") && e.getValue().isArray()) {
                    for (JsonNode p : e.getValue()) {
                        if (p.has("port") || p.has("containerPort")) {
                            String id = where + ": " + p;
                            ports.add(id);
                            if (!p.hasNonNull("protocol")) {
                                missing.add(id);
                            }
                        }
                    }
                }
                collect(where, e.getValue(), ports, missing);
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(where, n, ports, missing));
        }
    }
}
