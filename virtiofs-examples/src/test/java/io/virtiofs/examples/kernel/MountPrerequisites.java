package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a kernel test needs from the machine: root (mounting), {@code /dev/fuse}, an architecture
 * whose system call numbers {@link Identity} knows, and sometimes a command. Missing, the test is
 * skipped with the reason, except when the environment variable {@code CI} is {@code true}: a CI
 * run must not pass by skipping, so there the test fails.
 */
final class MountPrerequisites {

    private static final Path DEV_FUSE = Path.of("/dev/fuse");

    private MountPrerequisites() {
    }

    /** Skips (or, under CI, fails) unless this process can mount FUSE file systems. */
    static void requireMounting() {
        require(missingForMounting());
    }

    /** Skips (or, under CI, fails) unless {@code command} is on the PATH. */
    static void requireCommand(String command) {
        require(onPath(command) ? Optional.empty() : Optional.of("the command " + command + " is not on the PATH"));
    }

    private static void require(Optional<String> missing) {
        if (missing.isEmpty()) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("kernel tests cannot run: " + missing.get() + " (CI=true, so this fails instead of skipping)");
        }
        assumeTrue(false, missing.get() + ": skipped");
    }

    private static Optional<String> missingForMounting() {
        if (!Files.exists(DEV_FUSE)) {
            return Optional.of("/dev/fuse does not exist (the fuse module is not loaded)");
        }
        long euid = effectiveUid();
        if (euid != 0) {
            return Optional.of("mounting needs root; running as uid " + euid);
        }
        if (!Identity.supported()) {
            return Optional.of("no system call numbers for the architecture " + System.getProperty("os.arch"));
        }
        return Optional.empty();
    }

    /** The effective uid, from the second field of {@code Uid:} in /proc/self/status. */
    private static long effectiveUid() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(line -> line.startsWith("Uid:"))
                    .map(line -> Long.parseLong(line.split("\\s+")[2]))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("/proc/self/status has no Uid line"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(":")) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }
}
