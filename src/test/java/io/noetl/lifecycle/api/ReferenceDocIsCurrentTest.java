package io.noetl.lifecycle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class ReferenceDocIsCurrentTest {
    @Test
    void docsReferenceMatchesTheCrds() throws IOException {
        assertEquals(CrdReference.render(), Files.readString(CrdReference.OUTPUT),
                "docs/reference.md is stale: regenerate it with CrdReference (see its javadoc) and commit it");
    }
}
