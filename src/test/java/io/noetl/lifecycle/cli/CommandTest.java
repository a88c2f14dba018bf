package io.noetl.lifecycle.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** What every test of the command line has: a folder for the files it writes, and the command's output, captured. */
abstract class CommandTest {
    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs the command as the jar builds it, at {@link CommandFixtures#NOW}; its exit status. */
    int run(String... args) {
        return CommandFixtures.command(out, err).run(List.of(args));
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Writes {@code text} into the file {@code name} of the test's folder; its path, as the command takes it. */
    String write(String name, String text) throws IOException {
        Path path = dir.resolve(name);
        Files.writeString(path, text);
        return path.toString();
    }
}
