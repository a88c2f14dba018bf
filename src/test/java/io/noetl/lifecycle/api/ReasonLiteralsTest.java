package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.partition.plan.Finding;
import io.noetl.lifecycle.reconcile.ReconcileException;
import io.noetl.lifecycle.report.Conditions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Condition reasons are written once, in {@link Reason}: the APIs that set or carry one take a {@code Reason},
 * so the compiler refuses a string; this guard also finds a code spelled as a string literal anywhere else in
 * src/main/java (a comparison such as {@code "TableMissing".equals(...)}, a message starting with one).
 */
class ReasonLiteralsTest {
    private static final Path SOURCES = Path.of("src", "main", "java");
    private static final Path REASON = SOURCES.resolve(Path.of("io", "noetl", "lifecycle", "api", "Reason.java"));
    /** A string literal, without text blocks (none in the sources). */
    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    /**
     * A literal that is a code, or starts with one as a reason before a message: {@code "Suspended"},
     * {@code ": ConflictingPolicy: "}, {@code "InvalidSpec: spec is missing"}.
     */
    private static final Pattern ONE_WORD = Pattern.compile("[^A-Za-z0-9]*([A-Z][A-Za-z0-9]*)(?::.*|[^A-Za-z0-9]*)");

    @Test
    void noReasonCodeIsAStringLiteralOutsideTheReasonType() throws IOException {
        Set<String> codes = Arrays.stream(Reason.values()).map(Reason::code).collect(Collectors.toSet());
        List<String> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java") && !p.equals(REASON)).sorted().toList();
        }
        assertTrue(files.size() > 100, "the sources are where this test looks: " + SOURCES.toAbsolutePath());
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.strip().startsWith("//") || line.strip().startsWith("*")) {
                    continue; // comments and javadoc may name reasons
                }
                Matcher m = LITERAL.matcher(line);
                while (m.find()) {
                    Matcher word = ONE_WORD.matcher(m.group(1));
                    if (word.matches() && codes.contains(word.group(1))) {
                        found.add(file + ":" + (i + 1) + ": " + line.strip());
                    }
                }
            }
        }
        assertEquals(List.of(), found, "write Reason.X (or Reason.X.code() where a string is needed) instead");
    }

    @Test
    void codesAreDistinctCamelCaseWords() {
        Map<String, List<Reason>> byCode = Arrays.stream(Reason.values())
                .collect(Collectors.groupingBy(Reason::code));
        byCode.forEach((code, reasons) -> {
            assertEquals(1, reasons.size(), code + " is the code of " + reasons);
            assertTrue(code.matches("[A-Z][a-z]+(?:[A-Z][a-z]+)*"), code + " is no CamelCase word");
        });
        for (Reason r : Reason.values()) {
            assertEquals(r, Reason.ofCode(r.code()).orElseThrow());
            assertEquals(r.code(), r.toString(), "a reason concatenated into a message reads as its code");
            assertTrue(!r.retryHelps() || r.effect().readyFalse(), r + ": only a reason that stops a pass is retried");
        }
    }

    @Test
    void aReasonIsSetOnlyOnTheConditionsItsEffectAllows() {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        MetricRetentionPolicyStatus status = new MetricRetentionPolicyStatus();
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markReady(status, Reason.LOCK_TIMEOUT, "m", 1, now));
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markNotReady(status, Reason.MAINTAINED, "m", 1, now));
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markNotReady(status, Reason.NAME_COLLISION, "m", 1, now));
        assertThrows(IllegalArgumentException.class,
                () -> Conditions.markDegraded(status, Reason.TOO_MANY_PARTITIONS, "m", 1, now));
        assertThrows(IllegalArgumentException.class, () -> new ReconcileException(Reason.PLAN_TRUNCATED, "m"));
        assertThrows(IllegalArgumentException.class, () -> new Finding(Reason.DRY_RUN, "m"));

        Conditions.markNotReady(status, Reason.DEFAULT_PARTITION_CONFLICT, "refused", 1, now);
        Conditions.markDegraded(status, Reason.DEFAULT_PARTITION_CONFLICT, "refused", 1, now);
        assertEquals(List.of("Ready False DefaultPartitionConflict", "Degraded True DefaultPartitionConflict"),
                status.getConditions().stream().map(c -> c.getType() + " " + c.getStatus() + " " + c.getReason())
                        .toList());
        Conditions.markReady(status, Reason.MAINTAINED, "ok", 1, now);
        Conditions.markHealthy(status, 1, now);
        assertEquals(List.of("Ready True Maintained", "Degraded False AsExpected"),
                status.getConditions().stream().map(c -> c.getType() + " " + c.getStatus() + " " + c.getReason())
                        .toList());
    }
}
