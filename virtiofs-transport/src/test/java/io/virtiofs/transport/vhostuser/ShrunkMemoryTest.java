package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A front-end that shrinks guest memory under the device (memory it could not be stopped from
 * shrinking: accepted with {@code acceptUnsealedMemory}) costs the device a reset, never the
 * process: the SIGBUS of the first store into a page that is gone must become
 * DEVICE_NEEDS_RESET. Run in a child JVM, interpreted, where the JVM turns such a SIGBUS into an
 * exception only for some kinds of store (not for 16-bit opaque or release stores in its own
 * code, which crashed the JVM).
 */
@Timeout(180)
class ShrunkMemoryTest {

    @Test
    void aFrontEndThatCutsItsMemoryShortResetsTheDeviceAndTheProcessLives() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "vhostuser-shrink-");
        Path output = dir.resolve("output.txt");
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classPath = String.join(File.pathSeparator, System.getProperty("jdk.module.path", ""),
                System.getProperty("java.class.path", ""));
        Process child = new ProcessBuilder(List.of(java, "-Xint", "-XX:-CreateCoredumpOnCrash",
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath, ShrunkMemoryFrontEnd.class.getName(),
                dir.toString())).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertTrue(child.waitFor(150, TimeUnit.SECONDS), "the child did not finish: " + Files.readString(output));
            String text = Files.readString(output);
            assertEquals(0, child.exitValue(), "the back-end's process: " + text);
            assertTrue(text.contains("status 0x"), text);
        } finally {
            child.destroyForcibly();
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
