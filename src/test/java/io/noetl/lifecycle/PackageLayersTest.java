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
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout docs/architecture.md describes, held against the references between packages in src/main/java: a shared
 * core, one package tree per kind on top of it (the table lifecycle both partition kinds share, the metric kind over
 * it, the registry), the entry points on top of those, pure planning packages, and no cycles. A reference is an import
 * or a fully qualified name in the code (comments and strings left out), so that spelling a class out does not slip
 * past.
 */
class PackageLayersTest {
    private static final String BASE = "io.noetl.lifecycle";
    private static final Set<String> CORE = Set.of("api", "plan", "postgres", "report", "reconcile");
    private static final Set<String> KINDS = Set.of("partition", "metric", "registry");
    /** The layers below a kind's own package: none of them may reach back up into it. */
    private static final Set<String> KIND_LAYERS = Set.of("plan", "rollup", "postgres", "report");
    private static final Set<String> PURE = Set.of("plan", "partition.plan", "metric.plan", "metric.rollup",
            "registry.plan", "export");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([a-zA-Z0-9_.]+)\\.[A-Z][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_*]+)*;",
            Pattern.MULTILINE);
    /** A fully qualified name of this project's in the code: its package. */
    private static final Pattern QUALIFIED = Pattern.compile("\\b(io\\.noetl\\.lifecycle(?:\\.[a-z][a-z0-9_]*)*)\\.[A-Z]");
    private static final Pattern COMMENTS_AND_STRINGS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\""
            + "|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])'", Pattern.DOTALL);
    /** package (relative to BASE, "" for BASE) -> referenced packages (full names), per referencing file. */
    private static final Map<String, Set<String>> IMPORTS = new TreeMap<>();
    private static final List<String> FILES = new ArrayList<>();

    @BeforeAll
    static void readSources() throws IOException {
        Path root = Path.of("src", "main", "java");
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                String rel = pkg.equals(BASE) ? "" : pkg.substring(BASE.length() + 1);
                String source = Files.readString(file);
                Set<String> imported = IMPORTS.computeIfAbsent(rel, k -> new TreeSet<>());
                Matcher m = IMPORT.matcher(source);
                while (m.find()) {
                    imported.add(m.group(1) + "|" + file.getFileName());
                }
                String code = COMMENTS_AND_STRINGS.matcher(source).replaceAll(" ").replaceFirst("package [^;]+;", "");
                Matcher q = QUALIFIED.matcher(code.replaceAll("(?m)^import [^;]+;", ""));
                while (q.find()) {
                    imported.add(q.group(1) + "|" + file.getFileName());
                }
                FILES.add(file.toString());
            }
        }
        assertTrue(FILES.size() > 100, "the sources are where this test looks: " + root.toAbsolutePath());
    }

    private static List<String> violations(String from, Predicate<String> forbidden) {
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
            found.addAll(violations(core, i -> KINDS.stream().anyMatch(k -> within(i, k)) || within(i, "cli")
                    || within(i, "http") || within(i, "export")).stream().filter(v -> !v.startsWith(core + "."))
                    .toList());
        }
        assertEquals(List.of(), found);
    }

    @Test
    void theKindsKnowNoEntryPoint() {
        List<String> found = new ArrayList<>();
        for (String kind : KINDS) {
            found.addAll(violations(kind, i -> within(i, "cli") || within(i, "http")));
        }
        assertEquals(List.of(), found);
    }

    @Test
    void theSharedTableLifecycleKnowsNothingOfTheMetricKindNorOfTheRegistry() {
        // the metric kind plugs into it through PassPrelude and RetirementGate; the reverse would be the old tangle
        assertEquals(List.of(), violations("partition", i -> within(i, "metric") || within(i, "registry")));
    }

    @Test
    void theRegistryKnowsNoPartitionKind() {
        assertEquals(List.of(), violations("registry", i -> within(i, "partition") || within(i, "metric")));
    }

    @Test
    void theMetricKindReachesTheRegistryOnlyForTheReferenceOfItsTable() {
        assertEquals(List.of("metric.postgres (MetricSchema.java) imports " + BASE + ".registry.postgres"),
                violations("metric", i -> within(i, "registry")), "only MetricSchema: the metric table's reference");
    }

    @Test
    void noLayerOfAKindReachesBackUpIntoItsPackage() {
        List<String> found = new ArrayList<>();
        for (String kind : KINDS) {
            for (String layer : KIND_LAYERS) {
                found.addAll(violations(kind + "." + layer, i -> i.equals(BASE + "." + kind)));
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void theExportFramingSitsOverTheCoreAndKnowsNoKindAndNoEntryPoint() {
        // export (remote-write framing; its prompb classes are generated into target/) is for the kinds to use
        assertEquals(List.of(), violations("export", i -> KINDS.stream().anyMatch(k -> within(i, k))
                || within(i, "cli") || within(i, "http")));
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
