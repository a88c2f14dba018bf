package io.noetl.lifecycle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 23, 2, the command line's exits: {@code plan -f} with a Secret whose URL holds an unencoded '%' printed
 * {@code SecretInvalid: ... Malformed escape pair at index 24: postgresql://noetl:<the password>@...}. Now neither
 * the Secret's URL nor {@code --database-url} reaches stdout or stderr; no database is needed (the URL is refused
 * before any connection).
 */
class CommandCredentialLeakTest extends CommandTest {
    private static final String PASSWORD = "Hq7%zzPlm^3";

    private String file() throws Exception {
        return write("policy.yaml", """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: noetl-db
                stringData:
                  url: "postgresql://noetl:%s@db.internal:5432/noetl"
                ---
                """.formatted(PASSWORD) + CommandFixtures.metricPolicy(""));
    }

    private String runInvalid(String... args) {
        out.reset();
        err.reset();
        int code = CommandFixtures.command(out, err).run(List.of(args));
        assertEquals(2, code, "invalid input: " + out + err);
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aMalformedSecretUrlIsRefusedWithoutItsPassword() throws Exception {
        for (String command : List.of("plan", "check")) {
            String printed = runInvalid(command, "-f", file());
            assertTrue(printed.contains("SecretInvalid"), printed);
            assertClean(printed);
        }
        assertClean(runInvalid("apply", "-f", file(), "--once", "-o", "json"));
    }

    @Test
    void aMalformedDatabaseUrlOptionIsRefusedWithoutItsPassword() throws Exception {
        String printed = runInvalid("plan", "-f", file(), "--database-url", "postgresql://noetl:" + PASSWORD
                + "@db.internal/noetl");
        assertTrue(printed.contains("--database-url"), printed);
        assertClean(printed);
    }

    private static void assertClean(String printed) {
        for (String part : List.of(PASSWORD, "Hq7", "zzPlm", "Plm^3", "db.internal")) {
            assertFalse(printed.contains(part), "'" + part + "' was printed: " + printed);
        }
    }
}
