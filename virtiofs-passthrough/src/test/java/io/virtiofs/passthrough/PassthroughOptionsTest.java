package io.virtiofs.passthrough;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The options that change what reaches the host: id translation, xattr mapping, labels, kill-suidgid. */
@Timeout(60)
class PassthroughOptionsTest {

    private DirectShare share;

    @AfterEach
    void close() {
        if (share != null) {
            share.close();
        }
    }

    @Test
    void idsTranslateInBothDirections() throws Exception {
        Prerequisites.requireRoot();
        share = DirectShare.open(b -> b.uids(IdTranslation.parse("uid", List.of("map:1000:2000:10", "forbid-guest:500:10")))
                .gids(IdTranslation.parse("gid", List.of("map:1000:3000:10"))));
        DirectShare s = share;
        Path open = Files.createDirectory(s.shared.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        long openNode = s.lookup(TestContext.of(1001, 1002), s.root(), "open").nodeid();
        CreateReply made = s.create(TestContext.of(1001, 1002), openNode, "f", 0644, OpenFlags.O_RDWR);
        assertEquals(2001, Files.getAttribute(open.resolve("f"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(3002, Files.getAttribute(open.resolve("f"), "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(1001, made.entry().attr().uid(), "the guest sees its own ids");
        assertEquals(1002, made.entry().attr().gid());
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.mkdir(TestContext.of(505, 0), openNode, FileName.of("d"), 0755)),
                "a forbidden guest id does not reach the host");
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.lookup(TestContext.of(505, 0), openNode, FileName.of("f"))),
                "nor does any request carried out as it");
        SetattrRequest chown = new SetattrRequest(SetattrRequest.FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1005, 0);
        s.run(() -> s.fs.setattr(TestContext.ROOT, made.entry().nodeid(), chown));
        SetattrRequest forbidden = new SetattrRequest(SetattrRequest.FATTR_UID, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 509, 0);
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.setattr(TestContext.ROOT, made.entry().nodeid(), forbidden)),
                "no chown to a forbidden id");
        assertEquals(2005, Files.getAttribute(open.resolve("f"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theMappingStoresPrivilegedXattrsUnderUserVirtiofs() throws Exception {
        share = DirectShare.open(b -> b.xattrMapping(XattrMapping.parse(
                ":prefix:all:trusted.:user.virtiofs.: :bad:server::trusted.: :bad:client:user.virtiofs.:: :ok:all:::"))
                .xattrs(true));
        DirectShare s = share;
        Files.writeString(s.shared.resolve("a"), "x");
        long node = s.lookup(s.root(), "a").nodeid();
        s.run(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("trusted.overlay.opaque"), "y".getBytes(), XattrFlags.NONE));
        assertEquals("y", HostCalls.getxattr(s.shared.resolve("a"), "user.virtiofs.trusted.overlay.opaque"));
        assertNull(HostCalls.getxattr(s.shared.resolve("a"), "trusted.overlay.opaque"), "not the host's own");
        assertEquals("y", new String(s.on(() -> s.fs.getxattr(TestContext.ROOT, node, XattrName.of("trusted.overlay.opaque")))));
        assertTrue(s.on(() -> s.fs.listxattr(TestContext.ROOT, node)).contains(XattrName.of("trusted.overlay.opaque")));
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("user.virtiofs.x"), new byte[1],
                XattrFlags.NONE)), "the guest cannot reach the mapped names directly");
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.setxattr(TestContext.of(1000, 1000), node, XattrName.of("trusted.x"),
                new byte[1], XattrFlags.NONE)), "only the guest's root sets trusted. attributes");
    }

    @Test
    void aNewNodeGetsTheSecurityLabelTheGuestSent() throws Exception {
        Prerequisites.requireRoot();
        share = DirectShare.open(b -> b.securityLabel(true));
        DirectShare s = share;
        TestContext labelled = TestContext.ROOT.withLabels(List.of(new SecurityLabel("security.selinux",
                "system_u:object_r:test_t:s0\0".getBytes(StandardCharsets.UTF_8))));
        s.create(labelled, s.root(), "f", 0644, OpenFlags.O_RDWR);
        s.on(() -> s.fs.mkdir(labelled, s.root(), FileName.of("d"), 0755));
        assertEquals("system_u:object_r:test_t:s0\0", HostCalls.getxattr(s.shared.resolve("f"), "security.selinux"));
        assertEquals("system_u:object_r:test_t:s0\0", HostCalls.getxattr(s.shared.resolve("d"), "security.selinux"));
    }

    @Test
    void writesAndTruncatesThatAskForItClearSetuidAndSetgid() throws Exception {
        Prerequisites.requireRoot();
        share = DirectShare.open(b -> b);
        DirectShare s = share;
        CreateReply made = s.create(TestContext.ROOT, s.root(), "suid", 0755, OpenFlags.O_RDWR);
        long node = made.entry().nodeid();
        long fh = made.open().fh();
        Files.setAttribute(s.shared.resolve("suid"), "unix:mode", 06755);
        var data = Unpooled.wrappedBuffer("x".getBytes(StandardCharsets.UTF_8));
        s.on(() -> s.fs.write(TestContext.ROOT, new WriteRequest(node, fh, 0, 1, 0, 0, 0), data.duplicate()));
        assertEquals(06755, (int) Files.getAttribute(s.shared.resolve("suid"), "unix:mode") & 07777,
                "root writing without the flag keeps the bits, as on the host");
        s.on(() -> s.fs.write(TestContext.ROOT, new WriteRequest(node, fh, 0, 1, WriteRequest.KILL_SUIDGID, 0, 0),
                data.duplicate()));
        assertEquals(0755, (int) Files.getAttribute(s.shared.resolve("suid"), "unix:mode") & 07777);
        Files.setAttribute(s.shared.resolve("suid"), "unix:mode", 02745); // set-group-ID without group execute stays
        SetattrRequest truncate = new SetattrRequest(SetattrRequest.FATTR_SIZE | SetattrRequest.FATTR_KILL_SUIDGID, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        s.run(() -> s.fs.setattr(TestContext.ROOT, node, truncate));
        assertEquals(02745, (int) Files.getAttribute(s.shared.resolve("suid"), "unix:mode") & 07777);
        Files.setAttribute(s.shared.resolve("suid"), "unix:mode", 04755);
        s.run(() -> s.fs.setattr(TestContext.ROOT, node, truncate));
        assertEquals(0755, (int) Files.getAttribute(s.shared.resolve("suid"), "unix:mode") & 07777);
    }

    @Test
    void posixAclsPassThroughWithTheOption() throws Exception {
        share = DirectShare.open(b -> b.posixAcls(true));
        DirectShare s = share;
        Files.writeString(s.shared.resolve("a"), "x");
        long node = s.lookup(s.root(), "a").nodeid();
        // system.posix_acl_access: version 2, then (tag, perm, id): user::rw- user:1000:r-- group::r-- mask::r-- other::---
        java.nio.ByteBuffer acl = java.nio.ByteBuffer.allocate(4 + 5 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        acl.putInt(2);
        int[][] entries = {{0x01, 6, -1}, {0x02, 4, 1000}, {0x04, 4, -1}, {0x10, 4, -1}, {0x20, 0, -1}};
        for (int[] e : entries) {
            acl.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
        }
        byte[] value = acl.array();
        s.run(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("system.posix_acl_access"), value, XattrFlags.NONE));
        assertTrue(java.util.Arrays.equals(value, s.on(() -> s.fs.getxattr(TestContext.ROOT, node, XattrName.of("system.posix_acl_access")))));
        assertEquals(0100640, s.on(() -> s.fs.getattr(TestContext.ROOT, node)).attr().mode(), "the mask is the group bits");
        assertTrue(s.on(() -> s.fs.listxattr(TestContext.ROOT, node)).contains(XattrName.of("system.posix_acl_access")));
    }

    @Test
    void aHostMountPointInsideTheShareIsAnnouncedAsASubmount() throws Exception {
        Prerequisites.requireRoot();
        for (boolean announce : new boolean[] {true, false}) {
            try (DirectShare s = DirectShare.open(b -> b.announceSubmounts(announce))) {
                Path inner = Files.createDirectory(s.shared.resolve("inner"));
                Files.createDirectory(s.shared.resolve("plain"));
                ScratchDirectory.run("mount", "-t", "tmpfs", "inner-test", inner.toString());
                try {
                    Files.writeString(inner.resolve("f"), "on the inner mount");
                    var entry = s.lookup(s.root(), "inner");
                    assertEquals(announce ? io.virtiofs.api.Attr.FLAG_SUBMOUNT : 0, entry.attr().flags());
                    assertEquals(0, s.lookup(s.root(), "plain").attr().flags());
                    long f = s.lookup(entry.nodeid(), "f").nodeid();
                    long fh = s.open(TestContext.ROOT, f, 0);
                    assertEquals("on the inner mount", s.readString(f, fh));
                    s.release(f, fh);
                } finally {
                    ScratchDirectory.run("umount", "-l", inner.toString());
                }
            }
        }
    }

    @Test
    void theUmaskIsAppliedHereOnlyWhenTheGuestLeftItToUs() throws Exception {
        share = DirectShare.open(b -> b);
        DirectShare s = share;
        TestContext masked = new TestContext(0, 0, 0077, new int[0], List.of());
        s.on(() -> s.fs.mkdir(masked, s.root(), FileName.of("unmasked"), 0777));
        assertEquals("rwxrwxrwx", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.shared.resolve("unmasked"))),
                "without FUSE_DONT_MASK the guest applied the umask already");
    }
}
