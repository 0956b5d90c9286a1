package io.virtiofs.passthrough;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.AttrReply;
import io.virtiofs.api.CopyFileRangeRequest;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FallocateMode;
import io.virtiofs.api.FallocateRequest;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.LockRequest;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.RenameFlags;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.StatxRequest;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.Whence;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The passthrough file system called directly, each result checked against the host directory:
 * names and nodes, data in both kinds of buffer, attributes, directories, xattrs, locks, and the
 * answers to requests that name nothing it gave out.
 */
@Timeout(60)
class PassthroughDirectTest {

    private static final int RW = OpenFlags.O_RDWR;
    private DirectShare share;

    private DirectShare share() {
        share = DirectShare.open(b -> b.xattrs(true));
        return share;
    }

    @AfterEach
    void close() {
        if (share != null) {
            share.close();
        }
    }

    @Test
    void createWriteReadThroughBothKindsOfBuffer() throws Exception {
        DirectShare s = share();
        CreateReply made = s.create(TestContext.ROOT, s.root(), "f", 0644, RW);
        long node = made.entry().nodeid();
        long fh = made.open().fh();
        assertEquals(FileType.REGULAR, made.entry().attr().type());
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        assertEquals(data.length, s.write(node, fh, 0, data, true));
        assertEquals(5, s.write(node, fh, data.length, "heap!".getBytes(StandardCharsets.UTF_8), false));
        byte[] host = Files.readAllBytes(s.shared.resolve("f"));
        assertEquals(data.length + 5, host.length);
        assertArrayEquals(data, java.util.Arrays.copyOf(host, data.length));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 5000), s.read(node, fh, 1000, 4000, true));
        assertArrayEquals("heap!".getBytes(StandardCharsets.UTF_8), s.read(node, fh, data.length, 100, false),
                "short read at the end of the file");
        assertEquals(0, s.read(node, fh, data.length + 100, 10, true).length);
        s.release(node, fh);
    }

    @Test
    void lookupAnswersTheHostsAttributesAndNoSuchName() throws Exception {
        DirectShare s = share();
        Files.writeString(s.shared.resolve("a"), "12345");
        Entry a = s.lookup(s.root(), "a");
        assertEquals(5, a.attr().size());
        assertEquals(Files.getAttribute(s.shared.resolve("a"), "unix:ino"), a.attr().ino());
        assertEquals(Errno.ENOENT, s.errno(() -> s.fs.lookup(TestContext.ROOT, s.root(), FileName.of("missing"))));
        assertEquals(a.nodeid(), s.lookup(s.root(), "a").nodeid(), "the same inode is the same node");
    }

    @Test
    void hardLinksAreOneNodeAndRenamesKeepTheNodeid() throws Exception {
        DirectShare s = share();
        Files.writeString(s.shared.resolve("a"), "x");
        Files.createLink(s.shared.resolve("b"), s.shared.resolve("a"));
        long a = s.lookup(s.root(), "a").nodeid();
        assertEquals(a, s.lookup(s.root(), "b").nodeid());
        s.run(() -> s.fs.rename(TestContext.ROOT, s.root(), FileName.of("a"), s.root(), FileName.of("c"), RenameFlags.NONE));
        assertEquals(a, s.lookup(s.root(), "c").nodeid());
        Files.move(s.shared.resolve("c"), s.shared.resolve("d")); // renamed on the host
        assertEquals(a, s.lookup(s.root(), "d").nodeid());
        Entry linked = s.on(() -> s.fs.link(TestContext.ROOT, a, s.root(), FileName.of("e")));
        assertEquals(a, linked.nodeid());
        assertEquals(3, linked.attr().nlink());
    }

    @Test
    void renameFlags() throws Exception {
        DirectShare s = share();
        Files.writeString(s.shared.resolve("a"), "A");
        Files.writeString(s.shared.resolve("b"), "B");
        assertEquals(Errno.EEXIST, s.errno(() -> s.fs.rename(TestContext.ROOT, s.root(), FileName.of("a"), s.root(),
                FileName.of("b"), new RenameFlags(RenameFlags.NOREPLACE))));
        s.run(() -> s.fs.rename(TestContext.ROOT, s.root(), FileName.of("a"), s.root(), FileName.of("b"),
                new RenameFlags(RenameFlags.EXCHANGE)));
        assertEquals("B", Files.readString(s.shared.resolve("a")));
        assertEquals("A", Files.readString(s.shared.resolve("b")));
        assertEquals(Errno.EINVAL, s.errno(() -> s.fs.rename(TestContext.ROOT, s.root(), FileName.of("a"), s.root(),
                FileName.of("b"), new RenameFlags(64))));
    }

    @Test
    void aNodeidOrHandleNeverGivenIsRefused() {
        DirectShare s = share();
        assertEquals(Errno.ESTALE, s.errno(() -> s.fs.getattr(TestContext.ROOT, 987654)));
        assertEquals(Errno.ESTALE, s.errno(() -> s.fs.lookup(TestContext.ROOT, 987654, FileName.of("x"))));
        assertEquals(Errno.EBADF, s.errno(() -> s.read(FileSystem.ROOT_ID, 77, 0, 10, true)));
        assertEquals(Errno.EBADF, s.errno(() -> s.release(FileSystem.ROOT_ID, 77)));
        s.run(() -> s.fs.forget(987654, 3)); // a forget of nothing changes nothing
        CreateReply made = s.create(TestContext.ROOT, s.root(), "f", 0644, RW);
        assertEquals(Errno.EBADF, s.errno(() -> s.read(FileSystem.ROOT_ID, made.open().fh(), 0, 1, true)),
                "a handle is good only with its own node");
    }

    @Test
    void forgettingANodeClosesItsDescriptor() throws Exception {
        DirectShare s = share();
        Files.writeString(s.shared.resolve("a"), "x");
        int before = s.fs.descriptorsHeld();
        long a = s.lookup(s.root(), "a").nodeid();
        s.lookup(s.root(), "a");
        assertEquals(before + 1, s.fs.descriptorsHeld());
        s.run(() -> s.fs.forget(a, 1));
        assertEquals(before + 1, s.fs.descriptorsHeld(), "one lookup is still held");
        s.run(() -> s.fs.forget(a, 1));
        assertEquals(before, s.fs.descriptorsHeld());
        assertEquals(Errno.ESTALE, s.errno(() -> s.fs.getattr(TestContext.ROOT, a)));
        assertNotEquals(a, s.lookup(s.root(), "a").nodeid(), "nodeids are never reused");
    }

    @Test
    void pastTheDescriptorCapNodesAreHeldByFileHandles() throws Exception {
        Prerequisites.requireRoot(); // opening file handles needs CAP_DAC_READ_SEARCH
        share = DirectShare.open(b -> b.maxOpenFiles(8));
        DirectShare s = share;
        for (int i = 0; i < 20; i++) {
            Files.writeString(s.shared.resolve("f" + i), "content " + i);
        }
        List<Long> held = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            held.add(s.lookup(s.root(), "f" + i).nodeid());
        }
        assertEquals(6, s.fs.descriptorsHeld(), "nodes take three quarters of the cap; the other 14 are held by handles");
        assertEquals(held.get(19), s.lookup(s.root(), "f19").nodeid(), "a node held by a handle is found again");
        long fh = s.open(TestContext.ROOT, held.get(19), 0);
        assertEquals("content 19", s.readString(held.get(19), fh));
        assertEquals(7, s.fs.descriptorsHeld(), "an open file takes a descriptor past the nodes'");
        s.release(held.get(19), fh);
        s.run(() -> s.fs.rename(TestContext.ROOT, s.root(), FileName.of("f18"), s.root(), FileName.of("g18"), RenameFlags.NONE));
        assertEquals(held.get(18), s.lookup(s.root(), "g18").nodeid(), "renamed, still the same node");
    }

    @Test
    void theDescriptorCapAnswersEnfileAndRecovers() throws Exception {
        share = DirectShare.open(b -> b.maxOpenFiles(8).fileHandles(FileHandlePolicy.NEVER));
        DirectShare s = share;
        for (int i = 0; i < 20; i++) {
            Files.writeString(s.shared.resolve("f" + i), "x");
        }
        List<Long> held = new ArrayList<>();
        Errno refused = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            int n = i;
            try {
                held.add(s.lookup(s.root(), "f" + n).nodeid());
            } catch (io.virtiofs.api.ErrnoException e) {
                refused = e.errno();
            }
        }
        assertEquals(Errno.ENFILE, refused);
        assertEquals(6, held.size(), "nodes take three quarters of the cap; the rest is for open files");
        assertEquals(6, s.fs.descriptorsHeld());
        assertEquals(Errno.ENFILE, s.errno(() -> s.fs.create(TestContext.ROOT, s.root(), FileName.of("new"), 0644,
                OpenFlags.of(RW))));
        assertEquals(Errno.ENFILE, s.errno(() -> s.fs.mkdir(TestContext.ROOT, s.root(), FileName.of("newdir"), 0755)));
        assertFalse(Files.exists(s.shared.resolve("new")), "a creation the guest is told failed did not happen");
        assertFalse(Files.exists(s.shared.resolve("newdir")));
        long open = s.open(TestContext.ROOT, held.getFirst(), 0);
        assertEquals(7, s.fs.descriptorsHeld());
        s.release(held.getFirst(), open);
        s.run(() -> s.fs.forget(held.getFirst(), 1));
        assertEquals(FileType.REGULAR, s.lookup(s.root(), "f19").attr().type(), "a place freed is usable again");
    }

    @Test
    void fifosSocketsAndDevicesAreMadeButNeverOpened() throws Exception {
        DirectShare s = share();
        Entry fifo = s.on(() -> s.fs.mknod(TestContext.ROOT, s.root(), FileName.of("fifo"), 0010644, 0));
        assertEquals(FileType.FIFO, fifo.attr().type());
        assertTrue(Files.readAttributes(s.shared.resolve("fifo"), java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther(), "a fifo on the host");
        // Opening a fifo with no writer would block the serving thread forever; it must be refused.
        assertEquals(Errno.EACCES, s.errno(() -> s.fs.open(TestContext.ROOT, fifo.nodeid(), OpenFlags.of(0))));
        assertEquals(Errno.EACCES, s.errno(() -> s.fs.open(TestContext.ROOT, fifo.nodeid(), OpenFlags.of(RW))));
        assertEquals(Errno.EACCES, s.errno(() -> s.fs.create(TestContext.ROOT, s.root(), FileName.of("fifo"), 0644,
                OpenFlags.of(RW))), "create of an existing fifo does not open it either");
        if (Prerequisites.isRoot()) {
            Entry device = s.on(() -> s.fs.mknod(TestContext.ROOT, s.root(), FileName.of("null"), 0020666,
                    Attributes.encodeDevice(1, 3)));
            assertEquals(FileType.CHARACTER_DEVICE, device.attr().type());
            assertEquals(Attributes.encodeDevice(1, 3), device.attr().rdev());
            assertEquals(Errno.EACCES, s.errno(() -> s.fs.open(TestContext.ROOT, device.nodeid(), OpenFlags.of(RW))));
        }
        assertEquals(Errno.ENOTDIR, s.errno(() -> s.fs.opendir(TestContext.ROOT, fifo.nodeid(), OpenFlags.of(0))));
    }

    @Test
    void symlinksAreNodesNeverFollowed() throws Exception {
        DirectShare s = share();
        Entry link = s.on(() -> s.fs.symlink(TestContext.ROOT, s.root(), FileName.of("etc"), SymlinkTarget.of("/etc")));
        assertEquals(FileType.SYMLINK, link.attr().type());
        assertEquals("/etc", s.on(() -> s.fs.readlink(TestContext.ROOT, link.nodeid())).toString());
        assertEquals(Errno.ENOTDIR, s.errno(() -> s.fs.lookup(TestContext.ROOT, link.nodeid(), FileName.of("passwd"))));
        assertEquals(Errno.ELOOP, s.errno(() -> s.fs.open(TestContext.ROOT, link.nodeid(), OpenFlags.of(0))));
        assertEquals(Errno.ENOTDIR, s.errno(() -> s.fs.opendir(TestContext.ROOT, link.nodeid(), OpenFlags.of(0))));
        assertEquals(Errno.EINVAL, s.errno(() -> s.fs.readlink(TestContext.ROOT, s.root())));
    }

    @Test
    void dotAndDotDotStayInside() throws Exception {
        DirectShare s = share();
        Files.createDirectory(s.shared.resolve("d"));
        Entry d = s.lookup(s.root(), "d");
        assertEquals(FileSystem.ROOT_ID, s.lookup(s.root(), "..").nodeid(), "'..' of the root is the root");
        assertEquals(FileSystem.ROOT_ID, s.lookup(s.root(), ".").nodeid());
        assertEquals(d.nodeid(), s.lookup(d.nodeid(), ".").nodeid());
        assertEquals(FileSystem.ROOT_ID, s.lookup(d.nodeid(), "..").nodeid(), "'..' of d is the root's node");
        // d moved out of the shared directory on the host: its '..' is outside, and is refused.
        Path outside = s.scratch.directory("outside");
        Files.move(s.shared.resolve("d"), outside.resolve("d"));
        assertEquals(Errno.ENOENT, s.errno(() -> s.fs.lookup(TestContext.ROOT, d.nodeid(), FileName.DOT_DOT)));
    }

    @Test
    void readdirListsTheHostsEntriesWithStableOffsets() throws Exception {
        DirectShare s = share();
        for (int i = 0; i < 300; i++) {
            Files.writeString(s.shared.resolve("entry-" + i), "");
        }
        List<String> names = s.list(s.root());
        assertEquals(302, names.size());
        assertTrue(names.containsAll(List.of(".", "..", "entry-0", "entry-299")));
        // Read in pieces of 7, each continuing from the offset the last one gave; delete as we go.
        long fh = s.on(() -> s.fs.opendir(TestContext.ROOT, s.root(), OpenFlags.of(0))).fh();
        List<String> seen = new ArrayList<>();
        long[] offset = {0};
        while (true) {
            int before = seen.size();
            s.run(() -> s.fs.readdir(TestContext.ROOT, s.root(), fh, offset[0], (name, next, type, ino) -> {
                if (seen.size() - before == 7) {
                    return false;
                }
                seen.add(name.toString());
                offset[0] = next;
                return true;
            }));
            if (seen.size() == before) {
                break;
            }
            if (seen.size() % 3 == 0 && seen.getLast().startsWith("entry-")) {
                Files.deleteIfExists(s.shared.resolve(seen.getLast()));
            }
        }
        assertEquals(302, seen.size(), "every entry once, though entries were deleted meanwhile: " + seen.size());
        assertEquals(302, new java.util.HashSet<>(seen).size());
        List<Entry> plus = new ArrayList<>();
        s.run(() -> s.fs.readdirplus(TestContext.ROOT, s.root(), fh, 0, (name, next, entry) -> plus.add(entry)));
        assertTrue(plus.stream().anyMatch(e -> e.nodeid() != 0 && e.attr().type() == FileType.REGULAR));
        assertTrue(plus.stream().filter(e -> e.nodeid() == 0).count() >= 2, "'.' and '..' come without a node");
    }

    @Test
    void setattrChangesModeOwnerSizeAndTimes() throws Exception {
        DirectShare s = share();
        CreateReply made = s.create(TestContext.ROOT, s.root(), "f", 0600, RW);
        long node = made.entry().nodeid();
        long fh = made.open().fh();
        AttrReply chmod = s.on(() -> s.fs.setattr(TestContext.ROOT, node, setattr(SetattrRequest.FATTR_MODE, 0, 0640)));
        assertEquals(0100640, chmod.attr().mode());
        AttrReply grown = s.on(() -> s.fs.setattr(TestContext.ROOT, node,
                setattr(SetattrRequest.FATTR_SIZE | SetattrRequest.FATTR_FH, fh, 0)));
        assertEquals(0, grown.attr().size());
        SetattrRequest size = new SetattrRequest(SetattrRequest.FATTR_SIZE, 0, 4096, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertEquals(4096, s.on(() -> s.fs.setattr(TestContext.ROOT, node, size)).attr().size(), "truncate by path");
        SetattrRequest times = new SetattrRequest(SetattrRequest.FATTR_ATIME | SetattrRequest.FATTR_MTIME
                | SetattrRequest.FATTR_MTIME_NOW, 0, 0, 0, 1_000_000, 5, 0, 0, 0, 0, 0, 0, 0);
        AttrReply timed = s.on(() -> s.fs.setattr(TestContext.ROOT, node, times));
        assertEquals(1_000_000, timed.attr().atime());
        assertEquals(5, timed.attr().atimeNsec());
        assertTrue(timed.attr().mtime() > 1_700_000_000L, "UTIME_NOW");
        SetattrRequest atimeOnly = new SetattrRequest(SetattrRequest.FATTR_ATIME, 0, 0, 0, 2_000_000, 0, 0, 0, 0, 0, 0,
                0, 0);
        AttrReply omitted = s.on(() -> s.fs.setattr(TestContext.ROOT, node, atimeOnly));
        assertEquals(timed.attr().mtime(), omitted.attr().mtime(), "UTIME_OMIT keeps mtime");
        if (Prerequisites.isRoot()) {
            SetattrRequest chown = new SetattrRequest(SetattrRequest.FATTR_UID | SetattrRequest.FATTR_GID, 0, 0, 0, 0, 0,
                    0, 0, 0, 0, 0, 1234, 5678);
            AttrReply owned = s.on(() -> s.fs.setattr(TestContext.ROOT, node, chown));
            assertEquals(1234, owned.attr().uid());
            assertEquals(5678, owned.attr().gid());
            assertEquals(1234, Files.getAttribute(s.shared.resolve("f"), "unix:uid"));
        }
    }

    private static SetattrRequest setattr(int valid, long fh, int mode) {
        return new SetattrRequest(valid, fh, 0, 0, 0, 0, 0, 0, 0, 0, mode, 0, 0);
    }

    @Test
    void sparseFilesFallocateLseekAndCopyFileRange() throws Exception {
        DirectShare s = share();
        CreateReply made = s.create(TestContext.ROOT, s.root(), "sparse", 0644, RW);
        long node = made.entry().nodeid();
        long fh = made.open().fh();
        s.write(node, fh, 1 << 20, "data".getBytes(StandardCharsets.UTF_8), true);
        assertEquals(1 << 20, (long) s.on(() -> s.fs.lseek(TestContext.ROOT, node, fh, 0, Whence.DATA)));
        assertEquals(0, (long) s.on(() -> s.fs.lseek(TestContext.ROOT, node, fh, 0, Whence.HOLE)));
        assertEquals(Errno.ENXIO, s.errno(() -> s.fs.lseek(TestContext.ROOT, node, fh, 2 << 20, Whence.DATA)));
        s.run(() -> s.fs.fallocate(TestContext.ROOT, new FallocateRequest(node, fh, 0, 8192, new FallocateMode(FallocateMode.KEEP_SIZE))));
        assertTrue((long) Files.getAttribute(s.shared.resolve("sparse"), "unix:size") == (1 << 20) + 4);
        CreateReply copy = s.create(TestContext.ROOT, s.root(), "copy", 0644, RW);
        long copied = s.on(() -> s.fs.copyFileRange(TestContext.ROOT, new CopyFileRangeRequest(node, fh, 1 << 20,
                copy.entry().nodeid(), copy.open().fh(), 10, 4, 0)));
        assertEquals(4, copied);
        assertEquals("data", Files.readString(s.shared.resolve("copy")).substring(10));
        s.run(() -> s.fs.fsync(TestContext.ROOT, node, fh, true));
        s.run(() -> s.fs.fsync(TestContext.ROOT, node, fh, false));
        s.run(() -> s.fs.syncfs(TestContext.ROOT, s.root()));
        assertTrue(s.on(() -> s.fs.statfs(TestContext.ROOT, s.root())).blocks() > 0);
    }

    @Test
    void tmpfileIsNamelessUntilLinked() throws Exception {
        DirectShare s = share();
        CreateReply tmp = s.on(() -> s.fs.tmpfile(TestContext.ROOT, s.root(), 0600, OpenFlags.of(RW)));
        s.write(tmp.entry().nodeid(), tmp.open().fh(), 0, "tmp".getBytes(StandardCharsets.UTF_8), true);
        assertEquals(List.of(), Files.list(s.shared).map(Path::toString).toList());
        s.on(() -> s.fs.link(TestContext.ROOT, tmp.entry().nodeid(), s.root(), FileName.of("kept")));
        assertEquals("tmp", Files.readString(s.shared.resolve("kept")));
    }

    @Test
    void statxGivesTheBirthTime() throws Exception {
        DirectShare s = share();
        Files.writeString(s.shared.resolve("a"), "x");
        long node = s.lookup(s.root(), "a").nodeid();
        var statx = s.on(() -> s.fs.statx(TestContext.ROOT, new StatxRequest(node, 0, 0, 0, 0x7ff | 0x800))).statx();
        assertEquals(1, statx.size());
        assertEquals(FileType.REGULAR, FileType.ofMode(statx.mode()));
        assertTrue((statx.mask() & 0x800) != 0 && statx.btime() > 1_700_000_000L, "birth time " + statx.btime());
    }

    @Test
    void userXattrsPassPrivilegedOnesAreRefusedAndHidden() throws Exception {
        DirectShare s = share();
        Files.writeString(s.shared.resolve("a"), "x");
        long node = s.lookup(s.root(), "a").nodeid();
        s.run(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("user.color"), "blue".getBytes(), XattrFlags.NONE));
        assertEquals("blue", new String((byte[]) s.on(() -> s.fs.getxattr(TestContext.ROOT, node, XattrName.of("user.color")))));
        assertEquals(Errno.EEXIST, s.errno(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("user.color"), new byte[1],
                new XattrFlags(XattrFlags.CREATE, 0))));
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("trusted.x"), new byte[1],
                XattrFlags.NONE)));
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("security.capability"),
                new byte[20], XattrFlags.NONE)));
        assertEquals(Errno.EOPNOTSUPP, s.errno(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("system.posix_acl_access"),
                new byte[4], XattrFlags.NONE)));
        if (Prerequisites.isRoot()) {
            Files.setAttribute(s.shared.resolve("a"), "user:plain", java.nio.ByteBuffer.wrap(new byte[] {1}));
            HostCalls.setxattr(s.shared.resolve("a"), "trusted.host", "1");
            assertEquals(Errno.ENODATA, s.errno(() -> s.fs.getxattr(TestContext.ROOT, node, XattrName.of("trusted.host"))));
            assertFalse(s.on(() -> s.fs.listxattr(TestContext.ROOT, node)).contains(XattrName.of("trusted.host")));
        }
        assertTrue(s.on(() -> s.fs.listxattr(TestContext.ROOT, node)).contains(XattrName.of("user.color")));
        s.run(() -> s.fs.removexattr(TestContext.ROOT, node, XattrName.of("user.color")));
        assertEquals(Errno.ENODATA, s.errno(() -> s.fs.getxattr(TestContext.ROOT, node, XattrName.of("user.color"))));
    }

    @Test
    void posixLocksOfTwoOwnersConflictAndFlockLocksToo() throws Exception {
        DirectShare s = share();
        CreateReply made = s.create(TestContext.ROOT, s.root(), "locked", 0644, RW);
        long node = made.entry().nodeid();
        long fh1 = made.open().fh();
        long fh2 = s.open(TestContext.ROOT, node, RW);
        FileLock range = new FileLock(0, 99, FileLock.F_WRLCK, 0);
        s.run(() -> s.fs.setlk(TestContext.ROOT, new LockRequest(node, fh1, 1, range, 0, false)));
        assertEquals(Errno.EAGAIN, s.errno(() -> s.fs.setlk(TestContext.ROOT, new LockRequest(node, fh2, 2, range, 0, false))));
        FileLock found = s.on(() -> s.fs.getlk(TestContext.ROOT, new LockRequest(node, fh2, 2, range, 0, false)));
        assertEquals(FileLock.F_WRLCK, found.type());
        assertEquals(99, found.end());
        assertEquals(FileLock.F_UNLCK, s.on(() -> s.fs.getlk(TestContext.ROOT,
                new LockRequest(node, fh1, 1, range, 0, false))).type(), "an owner does not conflict with itself");
        s.run(() -> s.fs.flush(TestContext.ROOT, node, fh1, 1)); // a close drops the owner's locks
        s.run(() -> s.fs.setlk(TestContext.ROOT, new LockRequest(node, fh2, 2, range, 0, false)));
        FileLock whole = new FileLock(0, Long.MAX_VALUE, FileLock.F_WRLCK, 0);
        s.run(() -> s.fs.setlk(TestContext.ROOT, new LockRequest(node, fh1, 10, whole, LockRequest.FLOCK, false)));
        assertEquals(Errno.EAGAIN, s.errno(() -> s.fs.setlk(TestContext.ROOT,
                new LockRequest(node, fh2, 11, whole, LockRequest.FLOCK, false))));
    }

    @Test
    void aReadOnlyShareRefusesEveryChange() throws Exception {
        share = DirectShare.open(b -> b.readOnly(true).xattrs(true));
        DirectShare s = share;
        Files.writeString(s.shared.resolve("a"), "x");
        long node = s.lookup(s.root(), "a").nodeid();
        assertEquals(Errno.EROFS, s.errno(() -> s.fs.open(TestContext.ROOT, node, OpenFlags.of(RW))));
        assertEquals(Errno.EROFS, s.errno(() -> s.fs.mkdir(TestContext.ROOT, s.root(), FileName.of("d"), 0755)));
        assertEquals(Errno.EROFS, s.errno(() -> s.fs.unlink(TestContext.ROOT, s.root(), FileName.of("a"))));
        assertEquals(Errno.EROFS, s.errno(() -> s.fs.setxattr(TestContext.ROOT, node, XattrName.of("user.a"), new byte[1], XattrFlags.NONE)));
        assertEquals(Errno.EROFS, s.errno(() -> s.fs.setattr(TestContext.ROOT, node, setattr(SetattrRequest.FATTR_MODE, 0, 0600))));
        long fh = s.open(TestContext.ROOT, node, OpenFlags.O_RDONLY);
        assertEquals("x", s.readString(node, fh));
    }

    @Test
    void refusalFlagsForDevicesAndSetuidExecutables() throws Exception {
        share = DirectShare.open(b -> b.refuseDeviceNodes(true).refuseSetuid(true));
        DirectShare s = share;
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.mknod(TestContext.ROOT, s.root(), FileName.of("null"), 0020666, 0)));
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.create(TestContext.ROOT, s.root(), FileName.of("su"), 04755,
                OpenFlags.of(RW))));
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.create(TestContext.ROOT, s.root(), FileName.of("sg"), 02755,
                OpenFlags.of(RW))));
        CreateReply plain = s.create(TestContext.ROOT, s.root(), "plain", 0755, RW);
        assertEquals(Errno.EPERM, s.errno(() -> s.fs.setattr(TestContext.ROOT, plain.entry().nodeid(),
                setattr(SetattrRequest.FATTR_MODE, 0, 04755))));
        s.on(() -> s.fs.mkdir(TestContext.ROOT, s.root(), FileName.of("group-dir"), 02775)); // a set-group-ID directory is fine
        s.on(() -> s.fs.mknod(TestContext.ROOT, s.root(), FileName.of("fifo"), 0010644, 0));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.shared.resolve("plain"))));
    }
}
