package io.virtiofs.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared-directory flags of serve and mount as a virtiofsd user meets them: named as
 * virtiofsd names them and listed in the help; every bad value one line naming the flag, exit
 * status 2, nothing left behind; libvirt's capability probe.
 */
class SharedDirCommandLineTest {

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

    private static final List<String> VIRTIOFSD_FLAGS = List.of("--shared-dir", "--cache", "--xattr", "--xattrmap",
            "--posix-acl", "--security-label", "--announce-submounts", "--no-announce-submounts",
            "--inode-file-handles", "--allow-direct-io", "--writeback", "--no-readdirplus", "--killpriv-v2",
            "--no-killpriv-v2", "--translate-uid", "--translate-gid", "--rlimit-nofile", "--preserve-noatime",
            "--refuse-device-nodes", "--refuse-setuid");

    @Test
    void helpListsVirtiofsdsFlags() {
        Run serve = run("serve", "--help");
        assertEquals(0, serve.status());
        List<String> serveFlags = new ArrayList<>(VIRTIOFSD_FLAGS);
        serveFlags.addAll(List.of("--sandbox", "--uid-map", "--gid-map", "--socket-group", "--print-capabilities",
                "--seccomp", "--modcaps", "--thread-pool-size", "--fd", "--log-level"));
        for (String flag : serveFlags) {
            assertTrue(serve.out().contains(flag), flag + " in serve --help");
        }
        Run mount = run("mount", "--help");
        for (String flag : VIRTIOFSD_FLAGS) {
            assertTrue(mount.out().contains(flag), flag + " in mount --help");
        }
    }

    @Test
    void printCapabilitiesAnswersLibvirtsProbe() {
        Run caps = run("serve", "--print-capabilities");
        assertEquals(0, caps.status());
        String compact = caps.out().replaceAll("\\s", "");
        assertEquals("{\"type\":\"fs\",\"features\":[\"separate-options\"]}", compact);
    }

    @Test
    void eachBadValueIsOneLineNamingItsFlag() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Path socket = dir.resolve("s.sock");
        String[][] cases = {
                {"--cache", "sometimes", "--cache sometimes is not one of auto, always, metadata, never"},
                {"--inode-file-handles", "maybe", "--inode-file-handles maybe is not one of never, prefer, mandatory"},
                {"--translate-uid", "map:1:2", "--translate-uid map:1:2: map takes 3 numbers (map:FROM:TO:COUNT)"},
                {"--translate-gid", "swap:1:2:3", "--translate-gid swap:1:2:3: unknown type 'swap'"},
                {"--xattrmap", ":prefix:all:trusted.", "--xattrmap rule 1 is incomplete"},
                {"--posix-acl=often", null, "--posix-acl=often is not one of never, auto, always"},
                {"--sandbox", "jail", "--sandbox jail is not one of namespace, chroot, none"},
                {"--rlimit-nofile", "lots", "--rlimit-nofile needs a whole number, not 'lots'"},
                {"--uid-map", "0:1000:1", "--uid-map 0:1000:1 is not of the form :NAMESPACE_ID:HOST_ID:COUNT:"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("serve", "--socket-path", socket.toString(), "--warm-up", "0",
                    "--sandbox", "none", "--shared-dir", shared.toString()));
            if (c[0].equals("--sandbox")) {
                args.remove("--sandbox");
                args.remove("none");
            }
            args.add(c[0]);
            if (c[1] != null) {
                args.add(c[1]);
            }
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.status(), c[0] + ": " + r.err());
            assertTrue(r.errorLine().startsWith("virtiofs: " + c[2]), c[0] + ": " + r.err());
            assertFalse(Files.exists(socket), "a refused command line leaves no socket behind");
        }
        Run acls = run("serve", "--socket-path", socket.toString(), "--shared-dir", shared.toString(), "--posix-acl",
                "--translate-uid", "map:0:1000:1", "--sandbox", "none");
        assertEquals(2, acls.status());
        assertTrue(acls.errorLine().contains("POSIX ACLs cannot be combined with id translation"), acls.err());
    }

    @Test
    void theSharedDirectoryMustBeADirectoryAndTheFileSystemOptionsMustFit() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path socket = dir.resolve("s.sock");
        Run missing = run("serve", "--socket-path", socket.toString(), "--shared-dir", dir.resolve("absent").toString());
        assertEquals(2, missing.status());
        assertEquals("virtiofs: --shared-dir " + dir.resolve("absent") + " does not exist", missing.errorLine());
        Run notDir = run("mount", "--shared-dir", file.toString(), dir.toString());
        assertEquals(2, notDir.status());
        assertEquals("virtiofs: --shared-dir " + file + " is not a directory", notDir.errorLine());
        Run memfsCache = run("serve", "--socket-path", socket.toString(), "--cache", "never");
        assertEquals(2, memfsCache.status());
        assertEquals("virtiofs: --cache is an option of a shared directory (--shared-dir) or the S3 gateway (--s3-bucket)", memfsCache.errorLine());
        Run both = run("serve", "--socket-path", socket.toString(), "--fs", "memfs", "--shared-dir", dir.toString());
        assertEquals(2, both.status());
        assertTrue(both.errorLine().contains("--shared-dir shares a host directory; --fs memfs"), both.err());
        Run capacity = run("mount", "--shared-dir", dir.toString(), "--capacity", "1G", dir.toString());
        assertEquals(2, capacity.status());
        assertTrue(capacity.errorLine().contains("--capacity is a memfs option"), capacity.err());
        Run passthroughAlone = run("serve", "--socket-path", socket.toString(), "--fs", "passthrough");
        assertEquals(2, passthroughAlone.status());
        assertEquals("virtiofs: --fs passthrough needs --shared-dir DIR", passthroughAlone.errorLine());
        Run memfsSandbox = run("serve", "--socket-path", socket.toString(), "--sandbox", "chroot");
        assertEquals(2, memfsSandbox.status());
        assertTrue(memfsSandbox.errorLine().contains("memfs has none"), memfsSandbox.err());
        assertFalse(Files.exists(socket));
    }
}
