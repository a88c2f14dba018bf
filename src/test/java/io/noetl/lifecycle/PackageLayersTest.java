package io.noetl.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout docs/architecture.md describes, held against the imports in src/main/java: a shared core, one package
 * tree per kind on top of it, the entry points on top of those, pure planning packages, and no cycles.
 */
class PackageLayersTest {
    private static final String BASE = "io.noetl.lifecycle";
    private static final Set<String> CORE = Set.of("api", "plan", "postgres", "report", "reconcile");
    private static final Set<String> PURE = Set.of("plan", "partition.plan", "metric.plan", "metric.rollup",
            "registry.plan", "export");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([a-zA-Z0-9_.]+)\\.[A-Z][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_*]+)*;",
            Pattern.MULTILINE);
    /** package (relative to BASE, "" for BASE) -> imported packages (full names), per importing file. */
    private static final Map<String, Set<String>> IMPORTS = new TreeMap<>();
    private static final List<String> FILES = new ArrayList<>();

    @BeforeAll
    static void readSources() throws IOException {
        Path root = Path.of("src", "main", "java");
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                String rel = pkg.equals(BASE) ? "" : pkg.substring(BASE.length() + 1);
                Matcher m = IMPORT.matcher(Files.readString(file));
                Set<String> imported = IMPORTS.computeIfAbsent(rel, k -> new TreeSet<>());
                while (m.find()) {
                    imported.add(m.group(1) + "|" + file.getFileName());
                }
                FILES.add(file.toString());
            }
        }
        assertTrue(FILES.size() > 100, "the sources are where this test looks: " + root.toAbsolutePath());
    }

    private static List<String> violations(String from, java.util.function.Predicate<String> forbidden) {
        List<String> found = new ArrayList<>();
        IMPORTS.forEach((pkg, imports) -> {
            if (pkg.equals(from) || pkg.startsWith(from + ".") || (from.isEmpty() && pkg.isEmpty())) {
                for (String entry : imports) {
                    String imported = entry.substring(0, entry.indexOf('|'));
                    if (forbidden.test(imported)) {
                        found.add(pkg + " (" + entry.substring(entry.indexOf('|') + 1) + ") imports " + imported);
                    }
                }
            }
        });
        return found;
    }

    private static boolean within(String imported, String pkg) {
        return imported.equals(BASE + "." + pkg) || imported.startsWith(BASE + "." + pkg + ".");
    }

    @Test
    void theSharedCoreKnowsNoKindAndNoEntryPoint() {
        List<String> found = new ArrayList<>();
        for (String core : CORE) {
            found.addAll(violations(core, i -> within(i, "partition") || within(i, "metric") || within(i, "registry")
                    || within(i, "cli")
                    || within(i, "http") || within(i, "export")).stream().filter(v -> !v.startsWith(core + "."))
                    .toList());
        }
        assertEquals(List.of(), found);
    }

    @Test
    void theKindsKnowNoEntryPointAndTheRegistryKnowsNoPartition() {
        List<String> found = new ArrayList<>();
        found.addAll(violations("partition", i -> within(i, "cli") || within(i, "http")));
        found.addAll(violations("metric", i -> within(i, "cli") || within(i, "http")));
        found.addAll(violations("registry", i -> within(i, "cli") || within(i, "http") || within(i, "partition")
                || within(i, "metric")));
        // the metric table references the registry: the one way a partition kind may reach into the registry
        found.addAll(violations("partition", i -> within(i, "registry") && !i.equals(BASE + ".registry.postgres"))
                .stream().toList());
        assertEquals(List.of(), found);
        assertEquals(List.of("partition.postgres (SeedSchema.java) imports " + BASE + ".registry.postgres"),
                violations("partition", i -> within(i, "registry")), "only SeedSchema: the metric table's reference");
    }

    @Test
    void theExportFramingSitsOverTheCoreAndKnowsNoKindAndNoEntryPoint() {
        // export (remote-write framing; its prompb classes are generated into target/) is for the kinds to use
        assertEquals(List.of(), violations("export", i -> within(i, "partition") || within(i, "metric")
                || within(i, "registry") || within(i, "cli") || within(i, "http")));
        assertTrue(IMPORTS.containsKey("export"), "the export package is where this test expects it");
    }

    @Test
    void planningPackagesArePure() {
        List<String> found = new ArrayList<>();
        for (String pure : PURE) {
            found.addAll(violations(pure, i -> i.startsWith("java.sql") || i.startsWith("javax.sql")
                    || i.startsWith("io.fabric8") || i.startsWith("io.javaoperatorsdk") || i.startsWith("jakarta")
                    || i.startsWith("io.quarkus") || (i.startsWith(BASE + ".")
                            && !within(i, "api") && !PURE.stream().anyMatch(p -> within(i, p)))));
        }
        assertEquals(List.of(), found);
    }

    @Test
    void noPackageImportCycles() {
        Map<String, Set<String>> graph = new TreeMap<>();
        IMPORTS.forEach((pkg, imports) -> {
            String from = pkg.isEmpty() ? BASE : BASE + "." + pkg;
            Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
            imports.stream().map(e -> e.substring(0, e.indexOf('|'))).filter(i -> i.startsWith(BASE))
                    .filter(i -> !i.equals(from)).forEach(to::add);
        });
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            Set<String> seen = new HashSet<>();
            List<String> stack = new ArrayList<>(graph.getOrDefault(start, Set.of()));
            while (!stack.isEmpty()) {
                String next = stack.remove(stack.size() - 1);
                if (next.equals(start)) {
                    cycles.add(start);
                    break;
                }
                if (seen.add(next)) {
                    stack.addAll(graph.getOrDefault(next, Set.of()));
                }
            }
        }
        assertEquals(List.of(), cycles, "packages that reach themselves through their imports: " + graph);
    }
}
