package io.virtiofs.passthrough;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.transport.internal.nativeio.NodeCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The passthrough mounted through the kernel, compared with the host: each scenario runs the same
 * system calls as the same caller on the mount and on a directory of the same tmpfs reached
 * directly, and every outcome (result or errno) must be the same. Callers other than root show
 * that requests are carried out as the caller: the host decides permissions, ownership, umask and
 * the set-user-ID and set-group-ID rules exactly as for a local caller.
 */
@Timeout(120)
class KernelOracleTest {

    private static final AsUser ALICE = new AsUser(1000, 1000);
    private static final AsUser BOB = new AsUser(1001, 1001);
    private static final AsUser CAROL_IN_ALICES_GROUP = new AsUser(1002, 1000);
    private static final long NOW = NodeCalls.UTIME_NOW;
    private static final long OMIT = NodeCalls.UTIME_OMIT;

    private static PassthroughMount mount;

    @BeforeAll
    static void mount() throws Throwable {
        if (Prerequisites.isRoot()) {
            // The process gets root's group as a supplementary group, as a daemon started from a
            // login shell has: a serving thread must not act with it for a caller (CVE-2022-0358).
            HostCalls.setProcessGroups(0);
        }
        mount = PassthroughMount.mount(b -> b.xattrs(true));
    }

    @AfterAll
    static void unmount() throws Throwable {
        if (mount != null) {
            mount.close();
        }
        if (Prerequisites.isRoot()) {
            HostCalls.setProcessGroups();
        }
    }

    @BeforeEach
    void empty() {
        mount.clear();
    }

    /** Runs {@code setup} as root directly on both trees (the host prepares the share). */
    private static void setup(Function<HostOps, List<String>> setup) {
        for (java.nio.file.Path root : new java.nio.file.Path[] {mount.share, mount.oracle}) {
            List<String> outcomes = setup.apply(new HostOps(root));
            for (String outcome : outcomes) {
                if (!outcome.startsWith("ok")) {
                    throw new IllegalStateException("setup failed on " + root + ": " + outcomes);
                }
            }
        }
    }

    /** Runs {@code scenario} as {@code who} (null: root) on the mount and on the oracle; the outcomes must match. */
    private static List<String> compare(AsUser who, Function<HostOps, List<String>> scenario) throws Exception {
        List<List<String>> outcomes = new ArrayList<>();
        for (java.nio.file.Path root : mount.roots()) {
            HostOps ops = new HostOps(root);
            outcomes.add(who == null ? scenario.apply(ops) : who.call(() -> scenario.apply(ops)));
        }
        assertEquals(outcomes.get(1), outcomes.get(0), "mount (right) against the host (left), as "
                + (who == null ? "root" : who));
        return outcomes.get(0);
    }

    @Test
    void namesDataAndAttributesAsRoot() throws Exception {
        List<String> outcomes = compare(null, h -> List.of(
                h.mkdir("d", 0750), h.mkdir("d", 0750), h.create("d/f", 0640), h.create("d/f", 0640),
                h.write("d/f", 0, "hello"), h.write("d/f", 02000, " world"), h.read("d/f"), h.stat("d/f"),
                h.chmod("d/f", 0604), h.chown("d/f", 1000, 1001), h.stat("d/f"),
                h.truncate("d/f", 3), h.read("d/f"), h.truncate("d/f", 10000), h.stat("d/f"),
                h.link("d/f", "d/g"), h.stat("d/g"), h.symlink("f", "d/s"), h.readlink("d/s"), h.stat("d/s"),
                h.readlink("d/f"), h.rename("d/g", "d/h", 0), h.rename("d/h", "d/f", NodeCalls.RENAME_NOREPLACE),
                h.rename("d/h", "d/s", NodeCalls.RENAME_EXCHANGE), h.readlink("d/h"), h.stat("d/s"),
                h.mknod("d/fifo", 0010600, 0), h.stat("d/fifo"), h.mknod("d/null", 0020666, 259),
                h.stat("d/null"), h.list("d"), h.rmdir("d"), h.unlink("d/nothing"), h.unlink("d/fifo"),
                h.mkdir("d/e", 0755), h.rmdir("d/e"), h.unlink("d"), h.rmdir("d/f"),
                h.utimes("d/f", 100, 0, 200, 0), h.utimes("d/f", 0, NOW, 0, OMIT), h.access("d/f", 4),
                h.setxattr("d/f", "user.a", "1", 0), h.setxattr("d/f", "user.a", "2", 1),
                h.setxattr("d/f", "user.b", "3", 2), h.getxattr("d/f", "user.a"), h.listxattr("d/f"),
                h.removexattr("d/f", "user.a"), h.removexattr("d/f", "user.a"), h.getxattr("d/f", "user.a"),
                h.setxattr("d/s", "user.c", "1", 0), h.list("d")));
        assertEquals("ok hello world", outcomes.get(6));
    }

    @Test
    void permissionsAreTheHostsForOtherCallers() throws Exception {
        // Without default_permissions the FUSE client checks no search permission while it walks a
        // path (the file system does, on each lookup): of two failures, which comes first can
        // differ from the host's walk. Each call here fails for one reason at most.
        setup(h -> List.of(h.mkdir("private", 0700), h.mkdir("public", 0777), h.chmod("public", 0777),
                h.mkdir("sticky", 0777), h.chmod("sticky", 01777),
                h.create("readonly", 0444), h.create("alices", 0600), h.chown("alices", 1000, 1000),
                h.create("group", 0640), h.chown("group", 0, 1000), h.write("group", 0, "g"),
                h.create("sticky/bobs", 0666), h.chown("sticky/bobs", 1001, 1001), h.create("private/secret", 0644),
                h.create("rootfile", 0600)));
        for (AsUser who : List.of(ALICE, BOB, CAROL_IN_ALICES_GROUP)) {
            compare(who, h -> List.of(
                    h.list("private"), h.read("private/secret"), h.create("private/x", 0644), h.mkdir("private/y", 0755),
                    h.create("public/" + who.uid(), 0666), h.stat("public/" + who.uid()),
                    h.mkdir("public/dir" + who.uid(), 0777), h.stat("public/dir" + who.uid()),
                    h.open("readonly", 01, 0), h.read("readonly"), h.chmod("readonly", 0666), h.truncate("readonly", 0),
                    h.utimes("readonly", 1, 0, 1, 0), h.utimes("readonly", 0, NOW, 0, NOW),
                    h.chmod("alices", 0644), h.chown("alices", 0, 0), h.chown("alices", -1, 1001), h.read("alices"),
                    h.read("group"), h.write("group", 0, "x"), h.unlink("sticky/bobs"),
                    h.rename("public/" + who.uid(), "private/moved", 0), h.rename("readonly", "public/ro", 0),
                    h.rename("public/" + who.uid(), "public/renamed" + who.uid(), 0),
                    h.link("rootfile", "public/hard" + who.uid()), h.access("readonly", 2), h.access("private", 1),
                    h.setxattr("readonly", "user.x", "1", 0), h.getxattr("rootfile", "user.x"),
                    h.symlink("anywhere", "public/link" + who.uid()), h.stat("public/link" + who.uid()),
                    h.mknod("public/fifo" + who.uid(), 0010666, 0), h.stat("public/fifo" + who.uid()),
                    h.mknod("public/dev" + who.uid(), 0020666, 259)));
        }
    }

    @Test
    void setGroupIdDirectoriesDoNotLendTheirGroupToOutsiders() throws Exception {
        // CVE-2022-0358: a caller outside the directory's group must not get a set-group-ID file
        // of that group, which the daemon's own supplementary groups once allowed.
        setup(h -> List.of(h.mkdir("sgid", 0777), h.chmod("sgid", 02777), h.mkdir("alices-sgid", 0777),
                h.chown("alices-sgid", 1000, 1000), h.chmod("alices-sgid", 02777)));
        compare(ALICE, h -> List.of(h.create("sgid/f", 02755), h.stat("sgid/f"), h.mkdir("sgid/d", 02755),
                h.stat("sgid/d"), h.create("alices-sgid/f", 02755), h.stat("alices-sgid/f"),
                h.chmod("sgid/f", 02755), h.stat("sgid/f")));
        compare(BOB, h -> List.of(h.create("alices-sgid/b", 02755), h.stat("alices-sgid/b")));
    }

    @Test
    void setUserIdBitsFollowTheHostsRules() throws Exception {
        setup(h -> List.of(h.mkdir("public", 0777), h.chmod("public", 0777), h.create("rootsuid", 04755),
                h.chmod("rootsuid", 04755)));
        compare(ALICE, h -> List.of(h.create("public/mine", 04755), h.chmod("public/mine", 06755),
                h.stat("public/mine"), h.write("public/mine", 0, "changed"), h.stat("public/mine"),
                h.chmod("rootsuid", 0755), h.chown("public/mine", 1001, -1)));
        compare(null, h -> List.of(h.stat("rootsuid"), h.write("rootsuid", 0, "root writes"), h.stat("rootsuid"),
                h.chmod("public/mine", 06755), h.chown("public/mine", 1001, 1001), h.stat("public/mine"),
                h.chmod("public/mine", 06755), h.truncate("public/mine", 1), h.stat("public/mine")));
    }
}
