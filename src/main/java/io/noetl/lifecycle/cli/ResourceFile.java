package io.noetl.lifecycle.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.noetl.lifecycle.api.EventPartitionPlan;
import io.noetl.lifecycle.api.MetricRetentionPolicy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The documents of a multi-document YAML file that the commands use: MetricRetentionPolicies and
 * EventPartitionPlans to plan for, and Secrets their {@code spec.database.secretRef} may name. Other kinds are
 * ignored, each with a note.
 */
public final class ResourceFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper MODEL = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final List<HasMetadata> policies;
    private final Map<String, Secret> secrets;
    private final List<String> notes;

    private ResourceFile(List<HasMetadata> policies, Map<String, Secret> secrets, List<String> notes) {
        this.policies = policies;
        this.secrets = secrets;
        this.notes = notes;
    }

    /** @param source names the file in messages */
    public static ResourceFile parse(String yaml, String source) throws InvalidInputException {
        List<HasMetadata> policies = new ArrayList<>();
        Map<String, Secret> secrets = new HashMap<>();
        List<String> notes = new ArrayList<>();
        int index = 0;
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNextValue()) {
                JsonNode doc = documents.nextValue();
                index++;
                if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isEmpty()) {
                    continue;
                }
                String kind = doc.path("kind").asText("");
                String where = source + ", document " + index;
                switch (kind) {
                    case "MetricRetentionPolicy" -> policies.add(named(read(doc, MetricRetentionPolicy.class, where),
                            where));
                    case "EventPartitionPlan" -> policies.add(named(read(doc, EventPartitionPlan.class, where),
                            where));
                    case "Secret" -> {
                        Secret secret = named(read(doc, Secret.class, where), where);
                        secrets.put(key(secret.getMetadata().getNamespace(), secret.getMetadata().getName()), secret);
                    }
                    default -> notes.add(where + ": ignoring kind '" + kind + "'"
                            + (doc.hasNonNull("metadata") ? " " + doc.path("metadata").path("name").asText("") : ""));
                }
            }
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(source + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(source + " cannot be read as YAML: " + e.getMessage());
        }
        return new ResourceFile(List.copyOf(policies), Map.copyOf(secrets), List.copyOf(notes));
    }

    private static <T> T read(JsonNode doc, Class<T> type, String where) throws InvalidInputException {
        try {
            return MODEL.treeToValue(doc, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new InvalidInputException(where + " (" + type.getSimpleName() + ") does not match its schema: "
                    + message);
        }
    }

    private static <T extends HasMetadata> T named(T resource, String where) throws InvalidInputException {
        if (resource.getMetadata() == null || resource.getMetadata().getName() == null
                || resource.getMetadata().getName().isBlank()) {
            throw new InvalidInputException(where + " (" + resource.getKind() + ") has no metadata.name");
        }
        return resource;
    }

    private static String key(String namespace, String name) {
        return (namespace == null ? "" : namespace) + "/" + name;
    }

    /** The MetricRetentionPolicies and EventPartitionPlans, in file order. */
    public List<HasMetadata> policies() {
        return policies;
    }

    /** The Secret {@code name} in the same namespace as {@code resource} (both may leave the namespace out). */
    public Optional<Secret> secretFor(HasMetadata resource, String name) {
        return Optional.ofNullable(secrets.get(key(resource.getMetadata().getNamespace(), name)));
    }

    /** What was ignored, and why. */
    public List<String> notes() {
        return notes;
    }
}
