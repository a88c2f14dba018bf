package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.noetl.lifecycle.api.Reason.Effect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md and {@link Reason} say the same, both ways: each reason is in the "Condition reasons" table
 * of its effect (and in no other), each reason a table names is one of the type's, and the reasons only answers
 * carry are those the "Maintenance on demand" section names.
 */
class ReasonDocumentationTest {
    private static final Path DOC = Path.of("docs", "operations.md");
    private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z]+)`(.*)$");
    /** "reasons `A`, `B` or `C`", "reason `A`", "401 reasons: `A`, `B`, `C`". */
    private static final Pattern LISTED = Pattern.compile("reasons?:? ((?:`[A-Za-z]+`(?:,? | or | and )?)+)");
    private static final Pattern CODE = Pattern.compile("`([A-Za-z]+)`");

    enum Table {
        READY_TRUE("### Ready=True"), READY_FALSE("### Ready=False"), DEGRADED("### Degraded=True"),
        WAITING("### Waiting=True");

        final String heading;

        Table(String heading) {
            this.heading = heading;
        }
    }

    /** code to the tables it has a row in, in document order. */
    private static Map<String, List<Table>> documented;
    private static List<String> rows;
    private static String onDemand;

    @BeforeAll
    static void read() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        documented = new LinkedHashMap<>();
        rows = new ArrayList<>();
        String section = null;
        Table table = null;
        StringBuilder demand = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("## ")) {
                section = line.substring(3).strip();
                table = null;
                continue;
            }
            if ("Condition reasons".equals(section)) {
                if (line.startsWith("### ")) {
                    table = null;
                    for (Table t : Table.values()) {
                        if (line.startsWith(t.heading)) {
                            table = t;
                        }
                    }
                    assertTrue(table != null, "a table of condition reasons this test does not know: " + line);
                }
                Matcher row = ROW.matcher(line);
                if (table != null && row.matches()) {
                    documented.computeIfAbsent(row.group(1), c -> new ArrayList<>()).add(table);
                    rows.add(table + " " + row.group(1) + row.group(2));
                }
            } else if (section != null && section.startsWith("Maintenance on demand")) {
                demand.append(line).append(' ');
            }
        }
        onDemand = demand.toString().replaceAll("\\s+", " ");
        assertTrue(documented.size() > 20, "the condition reasons tables of " + DOC + " were not found");
        assertFalse(onDemand.isBlank(), "the section 'Maintenance on demand' of " + DOC + " was not found");
    }

    private static Set<Table> tablesOf(Effect effect) {
        return switch (effect) {
            case READY -> EnumSet.of(Table.READY_TRUE);
            case NOT_READY -> EnumSet.of(Table.READY_FALSE);
            case NOT_READY_OR_DEGRADED -> EnumSet.of(Table.READY_FALSE, Table.DEGRADED);
            case DEGRADED, HEALTHY -> EnumSet.of(Table.DEGRADED);
            case WAITING -> EnumSet.of(Table.WAITING);
            case ANSWER_ONLY, FINDING_ONLY -> EnumSet.noneOf(Table.class);
        };
    }

    @Test
    void everyReasonIsDocumentedInTheTablesOfItsEffect() {
        Map<String, String> wrong = new TreeMap<>();
        for (Reason r : Reason.values()) {
            List<Table> in = documented.getOrDefault(r.code(), List.of());
            Set<Table> expected = tablesOf(r.effect());
            if (!new LinkedHashSet<>(in).equals(expected) || in.size() != expected.size()) {
                wrong.put(r.code(), r.effect() + " belongs in " + expected + ", documented in " + in);
            }
        }
        assertEquals(Map.of(), wrong, "docs/operations.md, 'Condition reasons', and Reason disagree");
    }

    @Test
    void everyDocumentedReasonExists() {
        List<String> unknown = documented.keySet().stream().filter(c -> Reason.ofCode(c).isEmpty()).toList();
        assertEquals(List.of(), unknown, "documented in docs/operations.md but not in Reason");
    }

    @Test
    void theHealthyReasonIsDocumentedAsDegradedFalse() {
        for (Reason r : Reason.values()) {
            if (r.effect() == Effect.HEALTHY) {
                String prefix = Table.DEGRADED + " " + r.code() + " (False) |";
                assertTrue(rows.stream().anyMatch(row -> row.startsWith(prefix)), r.code() + " is Degraded=False, "
                        + "written `" + r.code() + "` (False): " + rows);
            }
        }
    }

    @Test
    void answerReasonsAreTheOnesTheEndpointSectionNames() {
        Set<String> listed = new LinkedHashSet<>();
        Matcher m = LISTED.matcher(onDemand);
        while (m.find()) {
            Matcher code = CODE.matcher(m.group(1));
            while (code.find()) {
                listed.add(code.group(1));
            }
        }
        for (String code : listed) {
            assertTrue(Reason.ofCode(code).isPresent(), code + " is named as a reason of an answer but is no Reason");
        }
        for (Reason r : Reason.values()) {
            if (r.effect() == Effect.ANSWER_ONLY) {
                assertTrue(listed.contains(r.code()), r.code() + " is a reason of answers that "
                        + "'Maintenance on demand' does not list; it lists " + listed);
            }
        }
    }

    @Test
    void findingOnlyReasonsAreNamedInTheDocs() throws IOException {
        String doc = Files.readString(DOC);
        for (Reason r : Reason.values()) {
            if (r.effect() == Effect.FINDING_ONLY) {
                assertTrue(doc.contains("`" + r.code() + "`"), r.code() + " (a command-line finding) is not in " + DOC);
            }
        }
    }
}
