package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.crdv2.generator.CRDGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed CRDs in crds/ must be exactly what the resource classes generate. The build regenerates them
 * (quarkus.operator-sdk.crd.output-directory) only when it packages, after the tests, so this test sees the
 * committed files and fails when someone changed the API without committing the regenerated CRDs.
 */
class CrdFilesAreCurrentTest {

    @Test
    void committedCrdsMatchWhatTheResourceClassesGenerate(@TempDir Path out) throws IOException {
        new CRDGenerator().inOutputDir(out.toFile()).forCRDVersions("v1")
                .withPostProcessor(new PrinterColumnOrder())
                .customResourceClasses(MetricRetentionPolicy.class, EventPartitionPlan.class, RuntimeComponent.class)
                .generate();
        Path committed = Path.of("crds");
        List<String> generated = list(out);
        assertEquals(generated, list(committed), "crds/ holds other files than the generator makes");
        for (String file : generated) {
            assertEquals(Files.readString(out.resolve(file)), Files.readString(committed.resolve(file)),
                    "crds/" + file + " is stale: run ./mvnw package -DskipTests and commit crds/");
        }
        assertTrue(generated.size() == 3, "three CRDs expected, got " + generated);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted().toList();
        }
    }
}
