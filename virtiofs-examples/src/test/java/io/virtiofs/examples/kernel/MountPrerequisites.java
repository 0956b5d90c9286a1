package io.virtiofs.examples.kernel;

import io.virtiofs.testkit.support.Prerequisites;
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
    /** The fuse module's switch for FUSE over io_uring. */
    static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");

    private MountPrerequisites() {
    }

    /** Skips (or, under CI, fails) unless this process can mount FUSE file systems. */
    static void requireMounting() {
        require(missingForMounting());
    }

    /**
     * Skips (or, under CI, fails) unless this kernel serves FUSE over io_uring (Linux 6.14+ built
     * with it); turns the fuse module's {@code enable_uring} switch on when it is off (the tests
     * run as root), and back off when the JVM exits.
     */
    static synchronized void requireIoUring() {
        Prerequisites.require(Files.exists(ENABLE_URING), "this kernel has no FUSE over io_uring (" + ENABLE_URING
                + " is missing)");
        try {
            String before = Files.readString(ENABLE_URING).trim();
            if (!before.equals("Y")) {
                Files.writeString(ENABLE_URING, "Y");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Files.writeString(ENABLE_URING, before);
                    } catch (IOException e) {
                        System.err.println("kerneltest: cannot restore " + ENABLE_URING + ": " + e);
                    }
                }, "kerneltest-enable-uring"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot turn on " + ENABLE_URING, e);
        }
    }

    /** Skips (or, under CI, fails) unless {@code command} is on the PATH. */
    static void requireCommand(String command) {
        require(onPath(command) ? Optional.empty() : Optional.of("the command " + command + " is not on the PATH"));
    }

    private static void require(Optional<String> missing) {
        Prerequisites.require(missing.isEmpty(), "kernel tests cannot run: " + missing.orElse(""));
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
