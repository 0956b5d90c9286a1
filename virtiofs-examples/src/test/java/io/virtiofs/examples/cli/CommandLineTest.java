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
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user meets it: exit statuses (0 ok, 1 failure, 2 usage), help texts
 * that name every flag, and one-line errors that say what is wrong, without side effects.
 */
class CommandLineTest {

    @TempDir
    Path dir;

    /** What one run printed and returned. */
    private record Run(int status, String out, String err) {
        /** The error output must be one line, or one line plus the usage hint. */
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
    void helpNamesEveryCommand() {
        Run help = run("--help");
        assertEquals(0, help.status());
        for (String command : List.of("mount", "serve", "selftest", "--version")) {
            assertTrue(help.out().contains(command), command + " in " + help.out());
        }
        assertEquals(2, run().status(), "no command is a usage error");
    }

    @Test
    void versionNamesTheProtocolAndTheRuntime() {
        Run version = run("--version");
        assertEquals(0, version.status());
        assertTrue(version.out().matches("virtiofs \\S+ \\(FUSE 7\\.45, virtio-fs device 26; Java 25.*\\)\\R"), version.out());
        assertFalse(version.out().contains("${"), "the version was filtered in: " + version.out());
    }

    @Test
    void mountHelpShowsEveryFlag() {
        Run help = run("mount", "--help");
        assertEquals(0, help.status());
        for (String flag : List.of("--fs", "--threads", "--io-uring", "--ring-depth", "--ring-flags", "--attr-timeout",
                "--entry-timeout", "--capacity", "-o ", "--fsname", "--log-level", "--verbose", "--help")) {
            assertTrue(help.out().contains(flag), flag + " in " + help.out());
        }
    }

    @Test
    void mountUsesDefaultPermissionsAndAllowOtherUnlessTurnedOff() throws Exception {
        java.nio.file.Path mnt = java.nio.file.Path.of("/mnt/x");
        var defaults = MountCommand.options(Arguments.parse(List.of("/mnt/x"), MountCommand.WITH_VALUE,
                MountCommand.FLAGS), mnt);
        assertTrue(defaults.defaultPermissions(), "the kernel checks permissions, as in a virtio-fs guest");
        assertTrue(defaults.allowOther(), "every user may use the mount, as on tmpfs");
        var off = MountCommand.options(Arguments.parse(List.of("--no-default-permissions", "--no-allow-other", "/mnt/x"),
                MountCommand.WITH_VALUE, MountCommand.FLAGS), mnt);
        assertFalse(off.defaultPermissions());
        assertFalse(off.allowOther());
        Run help = run("mount", "--help");
        assertTrue(help.out().contains("--no-default-permissions") && help.out().contains("--no-allow-other"), help.out());
    }

    @Test
    void serveHelpShowsEveryFlagUnderVirtiofsdNames() {
        Run help = run("serve", "--help");
        assertEquals(0, help.status());
        for (String flag : List.of("--socket-path", "--fd", "--fs", "--tag", "--thread-pool-size", "--num-request-queues",
                "--queue-size", "--readonly", "--attr-timeout", "--entry-timeout", "--capacity",
                "--exit-on-disconnect", "--log-level", "--warm-up", "--test-gate", "--migration-mode",
                "--migration-on-error", "--help")) {
            assertTrue(help.out().contains(flag), flag + " in " + help.out());
        }
    }

    @Test
    void anUnknownCommandOrFlagIsAUsageError() {
        Run bogus = run("bogus");
        assertEquals(2, bogus.status());
        assertEquals("virtiofs: unknown command 'bogus'", bogus.errorLine());
        Run flag = run("mount", "--no-such-flag", dir.toString());
        assertEquals(2, flag.status());
        assertTrue(flag.errorLine().contains("--no-such-flag"), flag.err());
    }

    @Test
    void badValuesAreUsageErrorsThatNameTheFlag() {
        Run threads = run("mount", "--threads", "0", dir.toString());
        assertEquals(2, threads.status());
        assertEquals("virtiofs: --threads 0 is outside 1..256", threads.errorLine());
        Run depth = run("mount", "--io-uring", "--ring-depth", "2000", dir.toString());
        assertEquals(2, depth.status());
        assertEquals("virtiofs: --ring-depth 2000 is outside 1..1024", depth.errorLine());
        Run flags = run("mount", "--io-uring", "--ring-flags", "single_issuer,sqpoll", dir.toString());
        assertEquals(2, flags.status());
        assertEquals("virtiofs: --ring-flags: unknown flag 'sqpoll' (known: single_issuer, defer_taskrun, coop_taskrun,"
                + " or none)", flags.errorLine());
        Run alone = run("mount", "--io-uring", "--ring-flags", "defer_taskrun", dir.toString());
        assertEquals(2, alone.status());
        assertEquals("virtiofs: ring flag DEFER_TASKRUN needs SINGLE_ISSUER", alone.errorLine());
        Path socket = dir.resolve("s.sock");
        Run warmUp = run("serve", "--socket-path", socket.toString(), "--warm-up", "abc");
        assertEquals(2, warmUp.status());
        assertTrue(warmUp.errorLine().contains("--warm-up"), warmUp.err());
        assertFalse(Files.exists(socket), "a refused command line leaves no socket behind");
        Run onError = run("serve", "--socket-path", socket.toString(), "--migration-on-error", "ignore");
        assertEquals(2, onError.status());
        assertEquals("virtiofs: --migration-on-error is abort or guest-error, not ignore", onError.errorLine());
        Run mode = run("serve", "--socket-path", socket.toString(), "--migration-mode", "copy");
        assertEquals(2, mode.status());
        assertEquals("virtiofs: --migration-mode is find-paths or file-handles, not copy", mode.errorLine());
        assertFalse(Files.exists(socket), "a refused command line leaves no socket behind");
        Run neither = run("serve");
        assertEquals(2, neither.status());
        assertTrue(neither.errorLine().contains("--socket-path"), neither.err());
    }

    @Test
    void mountRefusesAMissingMountpointOrAFile() throws IOException {
        Run missing = run("mount", dir.resolve("absent").toString());
        assertEquals(1, missing.status());
        assertEquals("virtiofs: mountpoint " + dir.resolve("absent") + " does not exist", missing.errorLine());
        Path file = Files.createFile(dir.resolve("file"));
        Run notDirectory = run("mount", file.toString());
        assertEquals(1, notDirectory.status());
        assertEquals("virtiofs: mountpoint " + file + " is not a directory", notDirectory.errorLine());
    }

    @Test
    void serveRefusesASocketPathThatExistsOrCannotBeCreated() throws IOException {
        Path taken = Files.writeString(dir.resolve("taken"), "keep me");
        Run exists = run("serve", "--socket-path", taken.toString(), "--warm-up", "0");
        assertEquals(1, exists.status());
        assertTrue(exists.errorLine().contains(taken + " exists already"), exists.err());
        assertEquals("keep me", Files.readString(taken), "the existing file is untouched");
        Path nowhere = dir.resolve("absent").resolve("s.sock");
        Run noDirectory = run("serve", "--socket-path", nowhere.toString(), "--warm-up", "0");
        assertEquals(1, noDirectory.status());
        assertTrue(noDirectory.errorLine().contains("directory of vhost-user socket path " + nowhere + " does not exist"),
                noDirectory.err());
    }

    @Test
    void selftestRunsASessionInBothByteOrders() {
        Run selftest = run("selftest", "--seconds", "0.3");
        assertEquals(0, selftest.status(), selftest.err());
        assertTrue(selftest.out().startsWith("selftest: OK, "), selftest.out());
        assertTrue(selftest.out().contains("both byte orders"), selftest.out());
    }
}
