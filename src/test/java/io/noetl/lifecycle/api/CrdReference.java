package io.noetl.lifecycle.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders docs/reference.md from the CRDs in crds/. ReferenceDocIsCurrentTest fails when the committed file
 * differs; regenerate with {@code ./mvnw -B -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.noetl.lifecycle.api.CrdReference}.
 */
public final class CrdReference {
    static final Path OUTPUT = Path.of("docs", "reference.md");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> PLURALS = List.of("metricretentionpolicies", "eventpartitionplans",
            "runtimecomponents");

    public static void main(String[] args) throws IOException {
        Files.writeString(OUTPUT, render());
    }

    static String render() throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Resource reference\n\n")
                .append("Generated from `crds/` by `CrdReference` (a test fails when it is stale). API group `")
                .append(ApiGroup.GROUP).append("`, version `").append(ApiGroup.VERSION)
                .append("`, all namespaced. `kubectl explain <kind>.spec` shows the same descriptions.\n");
        for (String plural : PLURALS) {
            JsonNode crd = YAML.readTree(Path.of("crds", plural + ".lifecycle.noetl.io-v1.yml").toFile());
            JsonNode version = crd.at("/spec/versions/0");
            md.append("\n## ").append(crd.at("/spec/names/kind").asText()).append("\n\n")
                    .append("Plural `").append(plural).append("`, short name `")
                    .append(crd.at("/spec/names/shortNames/0").asText()).append("`.\n\n")
                    .append("Columns of `kubectl get`: ");
            List<String> columns = new ArrayList<>();
            version.get("additionalPrinterColumns").forEach(c -> columns.add(c.get("name").asText().toUpperCase()));
            md.append(String.join(", ", columns)).append(".\n");
            JsonNode schema = version.at("/schema/openAPIV3Schema");
            JsonNode rules = schema.at("/properties/spec/x-kubernetes-validations");
            for (String part : List.of("spec", "status")) {
                md.append("\n### ").append(part).append("\n\n| field | type | default | rules | description |\n")
                        .append("|---|---|---|---|---|\n");
                rows(md, part, schema.at("/properties/" + part));
            }
            if (rules.isArray() && !rules.isEmpty()) {
                md.append("\nCross-field rules (CEL, repeated by the reconciler):\n\n");
                rules.forEach(r -> md.append("- ").append(r.get("message").asText()).append(": `")
                        .append(r.get("rule").asText()).append("`\n"));
            }
        }
        return md.toString();
    }

    private static void rows(StringBuilder md, String path, JsonNode node) {
        JsonNode properties = node.has("properties") ? node.get("properties")
                : node.has("items") && node.get("items").has("properties") ? node.get("items").get("properties") : null;
        if (properties == null) {
            return;
        }
        properties.fields().forEachRemaining(e -> {
            JsonNode f = e.getValue();
            String name = path + "." + e.getKey();
            md.append("| `").append(name).append("` | ").append(type(f)).append(" | ")
                    .append(f.has("default") ? "`" + f.get("default").asText() + "`" : "").append(" | ")
                    .append(constraints(f)).append(" | ")
                    .append(f.path("description").asText().replace("|", "\\|").replace("\n", " ")).append(" |\n");
            rows(md, f.has("items") ? name + "[]" : name, f);
        });
    }

    private static String type(JsonNode f) {
        String t = f.path("type").asText("any");
        return t.equals("array") ? "array of " + f.path("items").path("type").asText("any") : t;
    }

    private static String constraints(JsonNode f) {
        List<String> c = new ArrayList<>();
        if (f.has("enum")) {
            List<String> values = new ArrayList<>();
            f.get("enum").forEach(v -> values.add(v.asText()));
            c.add("one of " + String.join(", ", values));
        }
        if (f.has("pattern")) {
            c.add("pattern `" + f.get("pattern").asText().replace("|", "\\|") + "`");
        }
        if (f.has("minimum")) {
            c.add("min " + f.get("minimum").asLong());
        }
        if (f.has("maximum")) {
            c.add("max " + f.get("maximum").asLong());
        }
        if (f.has("maxItems")) {
            c.add("at most " + f.get("maxItems").asText() + " items");
        }
        return String.join("; ", c);
    }
}
