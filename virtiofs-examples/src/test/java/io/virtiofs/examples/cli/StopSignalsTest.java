package io.virtiofs.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code virtiofs serve} as a child process started the way a shell starts a background job
 * (SIGINT ignored): it says that SIGINT will not stop it and which signal will, and SIGTERM stops
 * it cleanly. Started normally, it says nothing of the kind.
 */
class StopSignalsTest {

    private static final String NOTE = "SIGINT is ignored in this process";

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aServeStartedWithSigintIgnoredSaysSoAndStopsOnSigterm() throws Exception {
        Served served = serve(true);
        assertTrue(served.stderr().contains(NOTE + " (a shell starts background jobs with SIGINT ignored); stop it"
                + " with SIGTERM"), served.stderr());
        assertEquals(0, served.exitStatus(), served.stderr());
        assertFalse(Files.exists(served.socket()), "the socket is removed on SIGTERM");
    }

    @Test
    @Timeout(120)
    void aServeStartedNormallySaysNothingAboutSignals() throws Exception {
        Served served = serve(false);
        assertFalse(served.stderr().contains("is ignored"), served.stderr());
        assertEquals(0, served.exitStatus(), served.stderr());
    }

    private record Served(String stderr, int exitStatus, Path socket) {
    }

    /** Starts serve (through bash, SIGINT ignored or not), waits for its start line, sends SIGTERM. */
    private Served serve(boolean ignoreSigint) throws IOException, InterruptedException {
        Path socket = dir.resolve("vfs.sock");
        Path err = dir.resolve("stderr.txt");
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classPath = String.join(File.pathSeparator, System.getProperty("jdk.module.path", ""),
                System.getProperty("java.class.path", ""));
        List<String> command = List.of("bash", "-c", (ignoreSigint ? "trap '' INT; " : "")
                + "exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" io.virtiofs.examples.cli.Main serve"
                + " --socket-path \"$2\" --warm-up 0 --log-level warn", java, classPath, socket.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(false)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // The start line comes after the signal handlers are in place (the socket, before).
            while (!Files.readString(err).contains("virtiofs: serving") && process.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), "serve did not listen: " + Files.readString(err));
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
            return new Served(Files.readString(err), process.exitValue(), socket);
        } finally {
            process.destroyForcibly();
        }
    }
}
