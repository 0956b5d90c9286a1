package io.virtiofs.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --zip FILE} on mount and serve: named in the help, refused clearly when it cannot serve. */
@Timeout(60)
class ZipCommandLineTest {

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
        String errorLine() {
            List<String> lines = err.lines().filter(line -> !line.startsWith("Try 'virtiofs --help'")).toList();
            assertEquals(1, lines.size(), "one error line: " + err);
            return lines.getFirst();
        }
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(List.of(args), o, e);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpNamesTheFlag() {
        assertTrue(run("mount", "--help").out().contains("--zip FILE"));
        assertTrue(run("serve", "--help").out().contains("--zip FILE"));
    }

    @Test
    void aMissingOrBrokenArchiveIsAFailureThatSaysWhy() throws IOException {
        Path absent = dir.resolve("absent.zip");
        Run missing = run("mount", "--zip", absent.toString(), dir.toString());
        assertEquals(1, missing.status());
        assertEquals("virtiofs: ZIP archive " + absent + " does not exist", missing.errorLine());
        Path text = Files.writeString(dir.resolve("text.zip"), "not an archive");
        Path socket = dir.resolve("s.sock");
        Run broken = run("serve", "--socket-path", socket.toString(), "--zip", text.toString(), "--warm-up", "0");
        assertEquals(1, broken.status());
        assertTrue(broken.errorLine().startsWith("virtiofs: cannot serve " + text + " as a ZIP archive: "), broken.err());
        assertFalse(Files.exists(socket), "a refused archive leaves no socket behind");
    }

    @Test
    void anArchiveGoesWithNeitherFsNorCapacity() {
        Run both = run("mount", "--zip", "a.zip", "--fs", "memfs", dir.toString());
        assertEquals(2, both.status());
        assertTrue(both.errorLine().contains("--zip"), both.err());
    }
}
