package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.S_IFDIR;
import static io.virtiofs.testkit.contract.Client.S_IFREG;
import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.ctime;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static io.virtiofs.testkit.contract.ContractSupport.xattr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.XattrFlags;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Creating, finding and removing names: lookup, mknod, mkdir, symlink, link, unlink, rmdir, tmpfile. */
public interface NamespaceContract extends ContractSupport {

    @Test
    default void rootIsADirectoryWithTwoLinks() {
        Attr root = root().attr(rootId());
        assertEquals(FileType.DIRECTORY, root.type());
        assertEquals(2, root.nlink());
        assertEquals(0, root.uid());
        Entry dot = root().lookup(rootId(), ".");
        Entry dotDot = root().lookup(rootId(), "..");
        assertEquals(rootId(), dot.nodeid());
        assertEquals(rootId(), dotDot.nodeid());
    }

    @Test
    default void createSetsEveryAttributeAndTouchesTheParent() {
        Instant made = clock().instant();
        long dir = root().mkdir(rootId(), "d", 0777);
        Instant t = clock().tick();
        Handle file = root().as(TestContext.user(1000, 100)).create(dir, "f", 0640);
        Attr attr = root().attr(file.nodeid());
        assertEquals(ExpectedAttr.of(attr).mode(S_IFREG | 0640).nlink(1).owner(1000, 100).times(t).build(), attr);
        assertEquals(attr, file.entry().attr());
        assertNotEquals(0, file.fh());
        Attr parent = root().attr(dir);
        assertEquals(ExpectedAttr.of(parent).size(parent.size()).mode(S_IFDIR | 0777).nlink(2)
                .atime(made).mtime(t).ctime(t).build(), parent);
        assertEquals(file.nodeid(), root().lookup(dir, "f").nodeid());
        root().release(file);
    }

    @Test
    default void mkdirAndRmdirMaintainLinkCountsAndTimes() {
        Instant t1 = clock().tick();
        long dir = root().mkdir(rootId(), "d", 0750);
        Attr attr = root().attr(dir);
        assertEquals(ExpectedAttr.of(attr).size(attr.size()).mode(S_IFDIR | 0750).nlink(2).owner(0, 0).times(t1).build(), attr);
        assertEquals(3, root().attr(rootId()).nlink());
        root().mkdir(dir, "sub", 0700);
        assertEquals(3, root().attr(dir).nlink());
        Instant t2 = clock().tick();
        root().rmdir(dir, "sub");
        Attr after = root().attr(dir);
        assertEquals(2, after.nlink());
        assertEquals(t2, ContractSupport.mtime(after));
        assertEquals(t2, ctime(after));
        assertEquals(List.of(), root().names(dir));
    }

    @Test
    default void lookupFailsForAbsentNamesAndNonDirectories() {
        assertErrno(Errno.ENOENT, () -> root().lookup(rootId(), "absent"));
        long file = root().writeFile(rootId(), "f", utf8("x"));
        assertErrno(Errno.ENOTDIR, () -> root().lookup(file, "x"));
        long dir = root().mkdir(rootId(), "d", 0755);
        assertEquals(dir, root().lookup(dir, ".").nodeid());
        assertEquals(rootId(), root().lookup(dir, "..").nodeid());
    }

    @Test
    default void mknodMakesSpecialFiles() {
        Instant t = clock().tick();
        long fifo = root().mknod(rootId(), "fifo", FileType.FIFO.modeBits() | 0600, 0);
        long sock = root().mknod(rootId(), "sock", FileType.SOCKET.modeBits() | 0600, 0);
        long chr = root().mknod(rootId(), "chr", FileType.CHARACTER_DEVICE.modeBits() | 0660, (1 << 8) | 3);
        long blk = root().mknod(rootId(), "blk", FileType.BLOCK_DEVICE.modeBits() | 0660, (8 << 8) | 1);
        long reg = root().mknod(rootId(), "reg", 0644, 0);
        Attr a = root().attr(fifo);
        assertEquals(ExpectedAttr.of(a).mode(FileType.FIFO.modeBits() | 0600).nlink(1).times(t).build(), a);
        a = root().attr(sock);
        assertEquals(ExpectedAttr.of(a).mode(FileType.SOCKET.modeBits() | 0600).nlink(1).times(t).build(), a);
        a = root().attr(chr);
        assertEquals(ExpectedAttr.of(a).mode(FileType.CHARACTER_DEVICE.modeBits() | 0660).nlink(1).rdev((1 << 8) | 3)
                .times(t).build(), a);
        a = root().attr(blk);
        assertEquals(ExpectedAttr.of(a).mode(FileType.BLOCK_DEVICE.modeBits() | 0660).nlink(1).rdev((8 << 8) | 1)
                .times(t).build(), a);
        a = root().attr(reg);
        assertEquals(ExpectedAttr.of(a).mode(S_IFREG | 0644).nlink(1).times(t).build(), a);
        assertErrno(Errno.EPERM, () -> root().mknod(rootId(), "dir", S_IFDIR | 0755, 0));
        long open = root().mkdir(rootId(), "open", 0777);
        Client user = root().as(TestContext.user(1000, 100));
        assertErrno(Errno.EPERM, () -> user.mknod(open, "dev", FileType.CHARACTER_DEVICE.modeBits() | 0600, 5));
        user.mknod(open, "fifo", FileType.FIFO.modeBits() | 0600, 0);
    }

    @Test
    default void symlinkStoresItsTargetByteForByte() {
        byte[] target = {'a', '/', (byte) 0xff, 'b'};
        Instant t = clock().tick();
        Entry entry = root().fs().symlink(root().ctx().withUmask(077), rootId(), FileName.of("link"),
                SymlinkTarget.of(target));
        Attr attr = root().attr(entry.nodeid());
        assertEquals(ExpectedAttr.of(attr).size(4).mode(FileType.SYMLINK.modeBits() | 0777).nlink(1).times(t).build(), attr);
        assertArrayEquals(target, root().fs().readlink(root().ctx(), entry.nodeid()).toBytes());
        long file = root().writeFile(rootId(), "f", utf8("x"));
        assertErrno(Errno.EINVAL, () -> root().fs().readlink(root().ctx(), file));
        byte[] tooLong = new byte[SymlinkTarget.MAX_LENGTH + 1];
        Arrays.fill(tooLong, (byte) 'a');
        assertErrno(Errno.ENAMETOOLONG, () -> root().fs().symlink(root().ctx(), rootId(), FileName.of("long"),
                SymlinkTarget.of(tooLong)));
    }

    @Test
    default void namesLongerThan255BytesAreRejected() {
        String longest = "n".repeat(FileName.MAX_LENGTH);
        root().mkdir(rootId(), longest, 0755);
        assertEquals(List.of(longest), root().names(rootId()));
        assertErrno(Errno.ENAMETOOLONG, () -> root().mkdir(rootId(), longest + "n", 0755));
    }

    @Test
    default void existingNamesAreNotCreatedAgain() {
        root().mkdir(rootId(), "d", 0755);
        long file = root().writeFile(rootId(), "f", utf8("x"));
        assertErrno(Errno.EEXIST, () -> root().mkdir(rootId(), "d", 0755));
        assertErrno(Errno.EEXIST, () -> root().mkdir(rootId(), "f", 0755));
        assertErrno(Errno.EEXIST, () -> root().create(rootId(), "f", 0644));
        assertErrno(Errno.EEXIST, () -> root().symlink(rootId(), "d", "x"));
        assertErrno(Errno.EEXIST, () -> root().mknod(rootId(), "f", 0644, 0));
        assertErrno(Errno.EEXIST, () -> root().mkdir(rootId(), ".", 0755));
        // O_CREAT without O_EXCL opens what is there.
        Handle again = root().create(rootId(), "f", 0600, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
        assertEquals(file, again.nodeid());
        assertArrayEquals(utf8("x"), root().read(again, 0, 10));
        root().release(again);
    }

    @Test
    default void hardLinksShareOneNode() {
        long file = root().writeFile(rootId(), "a", utf8("shared"));
        long dir = root().mkdir(rootId(), "d", 0755);
        Instant t = clock().tick();
        Entry link = root().link(file, dir, "b");
        assertEquals(file, link.nodeid());
        Attr attr = root().attr(file);
        assertEquals(2, attr.nlink());
        assertEquals(t, ctime(attr));
        assertEquals(t, ContractSupport.mtime(root().attr(dir)));
        assertEquals(root().lookup(dir, "b").nodeid(), root().lookup(rootId(), "a").nodeid());
        root().unlink(rootId(), "a");
        assertEquals(1, root().attr(file).nlink());
        assertArrayEquals(utf8("shared"), root().content(root().nodeid(dir, "b")));
        assertErrno(Errno.EPERM, () -> root().link(dir, rootId(), "dirlink"));
        assertErrno(Errno.EEXIST, () -> root().link(file, dir, "b"));
    }

    @Test
    default void removalErrorsFollowPosix() {
        long dir = root().mkdir(rootId(), "d", 0755);
        root().writeFile(dir, "f", utf8("x"));
        assertErrno(Errno.EISDIR, () -> root().unlink(rootId(), "d"));
        assertErrno(Errno.ENOTDIR, () -> root().rmdir(dir, "f"));
        assertErrno(Errno.ENOTEMPTY, () -> root().rmdir(rootId(), "d"));
        assertErrno(Errno.ENOENT, () -> root().unlink(dir, "absent"));
        assertErrno(Errno.ENOENT, () -> root().rmdir(dir, "absent"));
        assertErrno(Errno.EINVAL, () -> root().rmdir(dir, "."));
        assertErrno(Errno.ENOTEMPTY, () -> root().rmdir(dir, ".."));
        root().unlink(dir, "f");
        root().rmdir(rootId(), "d");
        assertEquals(List.of(), root().names(rootId()));
        assertEquals(2, root().attr(rootId()).nlink());
    }

    @Test
    default void aRemovedDirectoryAcceptsNoNewNames() {
        long dir = root().mkdir(rootId(), "d", 0755);
        long fh = root().fs().opendir(root().ctx(), dir, OpenFlags.of(OpenFlags.O_RDONLY)).fh();
        root().rmdir(rootId(), "d");
        assertEquals(0, root().attr(dir).nlink());
        assertErrno(Errno.ENOENT, () -> root().mkdir(dir, "x", 0755));
        assertErrno(Errno.ENOENT, () -> root().create(dir, "x", 0644));
        assertErrno(Errno.ENOENT, () -> root().names(dir));
        root().fs().releasedir(root().ctx(), new ReleaseRequest(dir, fh, 0, 0, 0));
    }

    @Test
    default void umaskAppliesToNewNodesButNotToSymlinks() {
        Client masked = root().as(TestContext.root().withUmask(027));
        long dir = masked.mkdir(rootId(), "d", 0777);
        Handle file = masked.create(rootId(), "f", 0666);
        long node = masked.mknod(rootId(), "n", 0666, 0);
        long link = masked.symlink(rootId(), "l", "f");
        assertEquals(S_IFDIR | 0750, root().attr(dir).mode());
        assertEquals(S_IFREG | 0640, root().attr(file.nodeid()).mode());
        assertEquals(S_IFREG | 0640, root().attr(node).mode());
        assertEquals(FileType.SYMLINK.modeBits() | 0777, root().attr(link).mode());
        masked.release(file);
    }

    @Test
    default void setGroupIdDirectoriesPassOnTheirGroup() {
        long shared = root().mkdir(rootId(), "shared", 0777);
        root().setattr(shared, SetattrBuilder.setattr().gid(500).mode(02777).build());
        Client user = root().as(TestContext.user(1000, 100));
        long sub = user.mkdir(shared, "sub", 0755);
        Handle file = user.create(shared, "f", 02755);
        Attr subAttr = root().attr(sub);
        assertEquals(1000, subAttr.uid());
        assertEquals(500, subAttr.gid());
        assertEquals(S_IFDIR | 02755, subAttr.mode(), "a subdirectory inherits set-group-ID");
        Attr fileAttr = root().attr(file.nodeid());
        assertEquals(500, fileAttr.gid());
        assertEquals(S_IFREG | 0755, fileAttr.mode(), "not in group 500: set-group-ID is dropped");
        Client member = root().as(TestContext.user(1001, 100, 500));
        Handle kept = member.create(shared, "g", 02755);
        assertEquals(S_IFREG | 02755, root().attr(kept.nodeid()).mode());
        long outside = user.mkdir(root().mkdir(rootId(), "plain", 0777), "d", 02755);
        assertEquals(S_IFDIR | 0755, root().attr(outside).mode(), "mkdir drops set-group-ID it was asked for");
        assertEquals(100, root().attr(outside).gid());
        user.release(file);
        member.release(kept);
    }

    @Test
    default void securityLabelsOfACreateBecomeXattrs() {
        TestContext labelled = TestContext.root().withLabels(List.of(new SecurityLabel("security.selinux", utf8("u:r:t"))));
        long dir = root().as(labelled).mkdir(rootId(), "d", 0755);
        assertArrayEquals(utf8("u:r:t"), root().fs().getxattr(root().ctx(), dir, xattr("security.selinux")));
        root().fs().setxattr(root().ctx(), dir, xattr("security.selinux"), utf8("v"), XattrFlags.NONE);
        assertArrayEquals(utf8("v"), root().fs().getxattr(root().ctx(), dir, xattr("security.selinux")));
    }

    @Test
    default void tmpfileHasNoNameUntilLinked() {
        long dir = root().mkdir(rootId(), "d", 0755);
        Instant t = clock().tick();
        var reply = root().fs().tmpfile(root().ctx(), dir, 0600, OpenFlags.of(OpenFlags.O_RDWR));
        long node = reply.entry().nodeid();
        long fh = reply.open().fh();
        Attr attr = root().attr(node);
        assertEquals(ExpectedAttr.of(attr).mode(S_IFREG | 0600).nlink(0).times(t).build(), attr);
        assertEquals(List.of(), root().names(dir));
        assertEquals(5, root().write(node, fh, 0, utf8("hello")));
        assertArrayEquals(utf8("hello"), root().read(node, fh, 0, 5));
        root().link(node, dir, "named");
        assertEquals(1, root().attr(node).nlink());
        assertEquals(List.of("named"), root().names(dir));
        root().release(node, fh);
        assertArrayEquals(utf8("hello"), root().content(root().nodeid(dir, "named")));

        var exclusive = root().fs().tmpfile(root().ctx(), dir, 0600, OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_EXCL));
        assertErrno(Errno.ENOENT, () -> root().link(exclusive.entry().nodeid(), dir, "never"));
        root().release(exclusive.entry().nodeid(), exclusive.open().fh());
        assertTrue(root().names(dir).equals(List.of("named")));
    }
}
