package io.virtiofs.api.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.CreateReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.OpenReply;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.api.ReleaseRequest;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.WriteRequest;
import io.virtiofs.api.XattrName;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** What the node layer owns for a file system: nodeids, lookup counts, handles, defaults. */
@Timeout(60)
class NodeFileSystemTest {

    private static final Context CTX = TestContext.ROOT;
    private static final OpenFlags READ_ONLY = OpenFlags.of(OpenFlags.O_RDONLY);

    private static void assertErrno(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(ErrnoException.class, call).errno());
    }

    private static FileName name(String text) {
        return FileName.of(text);
    }

    static String read(FileSystem fs, long nodeid, long fh, long offset, int size) {
        ByteBuf dst = Unpooled.buffer(size);
        fs.read(CTX, new ReadRequest(nodeid, fh, offset, size, 0, 0, 0), dst);
        return dst.toString(StandardCharsets.UTF_8);
    }

    /** The README's example: a tree of one file. */
    @Test
    void theReadmeTreeOfOneFileServesIt() {
        DirectoryNode root = new DirectoryNode();
        root.addChild("hello", new BytesFileNode("hello\n"));
        NodeFileSystem fs = new NodeFileSystem(root);
        Entry hello = fs.lookup(CTX, FileSystem.ROOT_ID, name("hello"));
        assertEquals(0100444, hello.attr().mode());
        assertEquals(6, hello.attr().size());
        long fh = fs.open(CTX, hello.nodeid(), READ_ONLY).fh();
        assertEquals("hello\n", read(fs, hello.nodeid(), fh, 0, 4096));
    }

    @Test
    void lookupsAreCountedAndForgetGivesThemBack() {
        DirectoryNode root = new DirectoryNode();
        BytesFileNode file = new BytesFileNode("hello\n");
        root.addChild("hello", file);
        NodeFileSystem fs = new NodeFileSystem(root);

        Entry first = fs.lookup(CTX, FileSystem.ROOT_ID, name("hello"));
        Entry second = fs.lookup(CTX, FileSystem.ROOT_ID, name("hello"));
        assertEquals(file.id(), first.nodeid());
        assertEquals(first.nodeid(), second.nodeid(), "the same node keeps its nodeid");
        assertEquals(2, fs.lookups(file));
        fs.forget(first.nodeid(), 1);
        assertEquals(1, fs.lookups(file));
        assertEquals(6, fs.getattr(CTX, first.nodeid()).attr().size(), "still known with one lookup held");
        fs.forget(first.nodeid(), 1);
        assertEquals(0, fs.lookups(file));
        assertEquals(0, fs.heldNodes());
        assertErrno(Errno.ESTALE, () -> fs.getattr(CTX, first.nodeid()));

        Entry again = fs.lookup(CTX, FileSystem.ROOT_ID, name("hello"));
        assertEquals(first.nodeid(), again.nodeid(), "looked up again, the same node comes back under its nodeid");
        assertEquals(1, fs.lookups(file));
    }

    @Test
    void forgettingMoreThanHeldOrUnknownNodesOrTheRootChangesNothingElse() {
        DirectoryNode root = new DirectoryNode();
        DirectoryNode sub = new DirectoryNode();
        root.addChild("sub", sub);
        NodeFileSystem fs = new NodeFileSystem(root);
        long nodeid = fs.lookup(CTX, FileSystem.ROOT_ID, name("sub")).nodeid();
        fs.forget(nodeid + 1000, 5);
        fs.forget(FileSystem.ROOT_ID, 7);
        assertEquals(FileType.DIRECTORY, fs.getattr(CTX, FileSystem.ROOT_ID).attr().type());
        assertEquals(1, fs.lookups(sub));
        fs.forget(nodeid, 10);
        assertEquals(0, fs.heldNodes());
        assertErrno(Errno.ESTALE, () -> fs.getattr(CTX, nodeid));
    }

    @Test
    void aMissingNameIsANegativeEntryAndCountsNothing() {
        NodeFileSystem fs = new NodeFileSystem(new DirectoryNode(), Duration.ofSeconds(5), Duration.ofSeconds(1));
        Entry entry = fs.lookup(CTX, FileSystem.ROOT_ID, name("nothing"));
        assertTrue(entry.isNegative());
        assertEquals(Duration.ofSeconds(5), entry.entryValidity());
        assertEquals(0, fs.heldNodes());
        assertErrno(Errno.ENOTDIR, () -> {
            DirectoryNode root = new DirectoryNode();
            root.addChild("f", new BytesFileNode("x"));
            NodeFileSystem other = new NodeFileSystem(root);
            long file = other.lookup(CTX, FileSystem.ROOT_ID, name("f")).nodeid();
            other.lookup(CTX, file, name("below"));
        });
    }

    @Test
    void aNodeidNeverNamesAnotherNode() {
        DirectoryNode root = new DirectoryNode();
        BytesFileNode old = new BytesFileNode("old");
        root.addChild("f", old);
        NodeFileSystem fs = new NodeFileSystem(root);
        long oldId = fs.lookup(CTX, FileSystem.ROOT_ID, name("f")).nodeid();

        BytesFileNode replacement = new BytesFileNode("replacement");
        assertEquals(old, root.addChild("f", replacement));
        long newId = fs.lookup(CTX, FileSystem.ROOT_ID, name("f")).nodeid();
        assertNotEquals(oldId, newId);
        assertEquals(3, fs.getattr(CTX, oldId).attr().size(), "the driver still holds the old node: it is still the old");
        assertEquals(11, fs.getattr(CTX, newId).attr().size());
        fs.forget(oldId, 1);
        assertErrno(Errno.ESTALE, () -> fs.getattr(CTX, oldId));
        assertEquals(11, fs.getattr(CTX, newId).attr().size());
    }

    @Test
    void attributesGetTheNodesTypeInodeNumberAndBlocks() {
        DirectoryNode root = new DirectoryNode();
        FileNode file = new FileNode() {
            @Override
            protected void getattr(Context ctx, Attr.Builder attr) {
                attr.mode(0600).size(1000).uid(7);
            }
        };
        root.addChild("f", file);
        root.addChild("d", new DirectoryNode());
        root.addChild("l", new SymlinkNode("target/of/link"));
        NodeFileSystem fs = new NodeFileSystem(root);
        Attr attr = fs.lookup(CTX, FileSystem.ROOT_ID, name("f")).attr();
        assertEquals(0100600, attr.mode());
        assertEquals(file.id(), attr.ino());
        assertEquals(2, attr.blocks());
        assertEquals(7, attr.uid());
        assertEquals(1, attr.nlink());
        assertTrue(attr.mtime() > 0, "times default to the file system's start");
        Attr link = fs.lookup(CTX, FileSystem.ROOT_ID, name("l")).attr();
        assertEquals(0120777, link.mode());
        assertEquals(14, link.size());
        Attr rootAttr = fs.getattr(CTX, FileSystem.ROOT_ID).attr();
        assertEquals(040755, rootAttr.mode());
        assertEquals(3, rootAttr.nlink(), "two, plus one subdirectory");
        root.addChild("f", new DirectoryNode());
        assertEquals(4, fs.getattr(CTX, FileSystem.ROOT_ID).attr().nlink(), "a file replaced by a directory");
        root.removeChild(name("d"));
        root.addChild("l", new BytesFileNode("x"));
        assertEquals(3, fs.getattr(CTX, FileSystem.ROOT_ID).attr().nlink(), "a directory removed, a link replaced");
    }

    @Test
    void defaultsAnswerErofsForChangesAndEnosysForTheRest() {
        DirectoryNode root = new DirectoryNode();
        root.addChild("f", new BytesFileNode("x"));
        root.addChild("d", new DirectoryNode());
        NodeFileSystem fs = new NodeFileSystem(root);
        long f = fs.lookup(CTX, FileSystem.ROOT_ID, name("f")).nodeid();
        long d = fs.lookup(CTX, FileSystem.ROOT_ID, name("d")).nodeid();
        assertErrno(Errno.EROFS, () -> fs.mkdir(CTX, FileSystem.ROOT_ID, name("new"), 0755));
        assertErrno(Errno.EROFS, () -> fs.create(CTX, FileSystem.ROOT_ID, name("new"), 0644, READ_ONLY));
        assertErrno(Errno.EROFS, () -> fs.unlink(CTX, FileSystem.ROOT_ID, name("f")));
        assertErrno(Errno.EROFS, () -> fs.rmdir(CTX, FileSystem.ROOT_ID, name("d")));
        assertErrno(Errno.EROFS, () -> fs.rename(CTX, FileSystem.ROOT_ID, name("f"), d, name("g"),
                io.virtiofs.api.RenameFlags.NONE));
        assertErrno(Errno.EROFS, () -> fs.symlink(CTX, FileSystem.ROOT_ID, name("s"), SymlinkTarget.of("f")));
        assertErrno(Errno.EROFS, () -> fs.open(CTX, f, OpenFlags.of(OpenFlags.O_WRONLY)));
        assertErrno(Errno.EROFS, () -> fs.open(CTX, f, OpenFlags.of(OpenFlags.O_RDONLY | OpenFlags.O_TRUNC)));
        assertErrno(Errno.EROFS, () -> fs.setattr(CTX, f, null));
        assertErrno(Errno.ENOSYS, () -> fs.getxattr(CTX, f, XattrName.of("user.x")));
        assertErrno(Errno.ENOSYS, () -> fs.listxattr(CTX, d));
        assertErrno(Errno.ENOSYS, () -> fs.mknod(CTX, FileSystem.ROOT_ID, name("n"), 010644, 0));
        assertErrno(Errno.ENOSYS, () -> fs.link(CTX, f, FileSystem.ROOT_ID, name("n")));
        assertErrno(Errno.EINVAL, () -> fs.readlink(CTX, f));
        assertErrno(Errno.EISDIR, () -> fs.open(CTX, d, READ_ONLY));
        assertErrno(Errno.ENOTDIR, () -> fs.opendir(CTX, f, READ_ONLY));
        assertEquals(255, fs.statfs(CTX, FileSystem.ROOT_ID).namelen());
    }

    @Test
    void handlesRouteRequestsToTheirStateAndEndWithRelease() {
        AtomicInteger released = new AtomicInteger();
        List<Long> readsAt = new ArrayList<>();
        FileNode file = new FileNode() {
            @Override
            protected FileHandle open(Context ctx, OpenFlags flags) {
                int serial = released.get();
                return new FileHandle() {
                    @Override
                    public void read(Context ctx, long offset, int size, ByteBuf dst) {
                        readsAt.add(offset);
                        dst.writeBytes(("open" + serial + "@" + offset).getBytes(StandardCharsets.UTF_8));
                    }

                    @Override
                    public void release(Context ctx) {
                        released.incrementAndGet();
                    }

                    @Override
                    public int openReplyFlags() {
                        return OpenReply.DIRECT_IO;
                    }
                };
            }
        };
        DirectoryNode root = new DirectoryNode();
        root.addChild("f", file);
        root.addChild("g", new BytesFileNode("other"));
        NodeFileSystem fs = new NodeFileSystem(root);
        long f = fs.lookup(CTX, FileSystem.ROOT_ID, name("f")).nodeid();
        long g = fs.lookup(CTX, FileSystem.ROOT_ID, name("g")).nodeid();
        OpenReply one = fs.open(CTX, f, READ_ONLY);
        OpenReply two = fs.open(CTX, f, READ_ONLY);
        OpenReply other = fs.open(CTX, g, READ_ONLY);
        assertNotEquals(one.fh(), two.fh());
        assertEquals(OpenReply.DIRECT_IO, one.flags());
        assertEquals(OpenReply.KEEP_CACHE, other.flags(), "BytesFileNode keeps the driver's cache");
        assertEquals("open0@10", read(fs, f, one.fh(), 10, 100));
        assertEquals("ther", read(fs, g, other.fh(), 1, 4));
        assertEquals("", read(fs, g, other.fh(), 5, 4), "at the end, nothing");
        assertEquals(List.of(10L), readsAt);
        assertErrno(Errno.EBADF, () -> read(fs, g, one.fh(), 0, 4));
        long dir = fs.opendir(CTX, FileSystem.ROOT_ID, READ_ONLY).fh();
        assertErrno(Errno.EBADF, () -> read(fs, f, dir, 0, 4));
        assertEquals(4, fs.openHandles());

        fs.release(CTX, new ReleaseRequest(f, one.fh(), 0, 0, 0));
        assertEquals(1, released.get());
        assertErrno(Errno.EBADF, () -> read(fs, f, one.fh(), 0, 4));
        assertEquals("open0@0", read(fs, f, two.fh(), 0, 100), "the other open of the same file lives on");
        fs.release(CTX, new ReleaseRequest(f, one.fh(), 0, 0, 0));
        assertEquals(1, released.get(), "a second release of a handle does nothing");
        fs.release(CTX, new ReleaseRequest(f, two.fh(), 0, 0, 0));
        fs.release(CTX, new ReleaseRequest(g, other.fh(), 0, 0, 0));
        fs.releasedir(CTX, new ReleaseRequest(FileSystem.ROOT_ID, dir, 0, 0, 0));
        assertEquals(2, released.get());
        assertEquals(0, fs.openHandles());
        long next = fs.open(CTX, g, READ_ONLY).fh();
        assertTrue(next > dir && next > two.fh(), "handle numbers are not reused");
    }

    /** A writable directory of writable files, as a file system would write one on the node layer. */
    private static final class NotesDirectory extends DirectoryNode {
        @Override
        protected FileNode create(Context ctx, FileName name, int mode, OpenFlags flags) {
            if (child(name) != null) {
                throw new ErrnoException(Errno.EEXIST);
            }
            Note note = new Note();
            addChild(name, note);
            return note;
        }

        @Override
        protected Node mkdir(Context ctx, FileName name, int mode) {
            NotesDirectory directory = new NotesDirectory();
            addChild(name, directory);
            return directory;
        }

        @Override
        protected void unlink(Context ctx, FileName name) {
            if (removeChild(name) == null) {
                throw new ErrnoException(Errno.ENOENT);
            }
        }
    }

    private static final class Note extends FileNode {
        private final ByteArrayOutputStream content = new ByteArrayOutputStream();

        @Override
        protected FileHandle open(Context ctx, OpenFlags flags) {
            return null; // served by the node, writing included
        }

        @Override
        protected synchronized void getattr(Context ctx, Attr.Builder attr) {
            attr.size(content.size());
        }

        @Override
        protected synchronized void read(Context ctx, long offset, int size, ByteBuf dst) {
            byte[] bytes = content.toByteArray();
            int from = (int) Math.min(offset, bytes.length);
            dst.writeBytes(bytes, from, Math.min(size, bytes.length - from));
        }

        @Override
        protected synchronized int write(Context ctx, long offset, ByteBuf data) {
            if (offset != content.size()) {
                throw new ErrnoException(Errno.EINVAL, "appends only");
            }
            int count = data.readableBytes();
            byte[] bytes = new byte[count];
            data.readBytes(bytes);
            content.writeBytes(bytes);
            return count;
        }
    }

    @Test
    void aWritableTreeCreatesWritesAndRemoves() throws Exception {
        NotesDirectory root = new NotesDirectory();
        NodeFileSystem fs = new NodeFileSystem(root);
        Entry dir = fs.mkdir(CTX, FileSystem.ROOT_ID, name("notes"), 0755);
        assertEquals(FileType.DIRECTORY, dir.attr().type());
        assertEquals(root, root.child(name("notes")).parent());
        CreateReply created = fs.create(CTX, dir.nodeid(), name("a"), 0644, OpenFlags.of(OpenFlags.O_RDWR | OpenFlags.O_CREAT));
        long a = created.entry().nodeid();
        assertEquals(1, fs.lookups(((DirectoryNode) root.child(name("notes"))).child(name("a"))));
        ByteBuf data = Unpooled.wrappedBuffer("note".getBytes(StandardCharsets.UTF_8));
        assertEquals(4, fs.write(CTX, new WriteRequest(a, created.open().fh(), 0, 4, 0, 0, 0), data));
        assertEquals("note", read(fs, a, created.open().fh(), 0, 10));
        assertEquals(4, fs.getattr(CTX, a).attr().size());
        assertErrno(Errno.EEXIST, () -> fs.create(CTX, dir.nodeid(), name("a"), 0644, READ_ONLY));
        fs.unlink(CTX, dir.nodeid(), name("a"));
        assertTrue(fs.lookup(CTX, dir.nodeid(), name("a")).isNegative());
        assertEquals("note", read(fs, a, created.open().fh(), 0, 10), "an unlinked open file is still readable");
        fs.release(CTX, new ReleaseRequest(a, created.open().fh(), 0, 0, 0));
        fs.forget(a, 1);
        assertErrno(Errno.ESTALE, () -> fs.getattr(CTX, a));
    }

    @Test
    void aCreateWhoseOpenFailsCountsNothingAndOpensNothing() {
        DirectoryNode root = new DirectoryNode() {
            @Override
            protected FileNode create(Context ctx, FileName name, int mode, OpenFlags flags) {
                return new BytesFileNode("read-only"); // its open refuses writing
            }
        };
        NodeFileSystem fs = new NodeFileSystem(root);
        assertErrno(Errno.EROFS, () -> fs.create(CTX, FileSystem.ROOT_ID, name("f"), 0644,
                OpenFlags.of(OpenFlags.O_WRONLY | OpenFlags.O_CREAT)));
        assertEquals(0, fs.heldNodes());
        assertEquals(0, fs.openHandles());
    }

    @Test
    void dotDotIsTheParentTheLibraryKnows() {
        DirectoryNode root = new DirectoryNode();
        DirectoryNode sub = new DirectoryNode();
        root.addChild("sub", sub);
        DirectoryNode below = new DirectoryNode();
        sub.addChild("below", below);
        NodeFileSystem fs = new NodeFileSystem(root);
        long s = fs.lookup(CTX, FileSystem.ROOT_ID, name("sub")).nodeid();
        long b = fs.lookup(CTX, s, name("below")).nodeid();
        assertEquals(s, fs.lookup(CTX, b, FileName.DOT_DOT).nodeid());
        assertEquals(FileSystem.ROOT_ID, fs.lookup(CTX, s, FileName.DOT_DOT).nodeid());
        assertEquals(b, fs.lookup(CTX, b, FileName.DOT).nodeid());
        assertEquals(sub, below.parent(), "looking up \"..\" does not change a parent");
        assertNull(root.parent());
    }

    @Test
    void readdirListsDotDotDotThenTheChildren() {
        DirectoryNode root = new DirectoryNode();
        BytesFileNode b = new BytesFileNode("b");
        DirectoryNode a = new DirectoryNode();
        root.addChild("b", b);
        root.addChild("a", a);
        NodeFileSystem fs = new NodeFileSystem(root);
        long fh = fs.opendir(CTX, FileSystem.ROOT_ID, READ_ONLY).fh();
        List<String> seen = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        fs.readdir(CTX, FileSystem.ROOT_ID, fh, 0, (n, next, type, ino) -> {
            seen.add(n + ":" + type + ":" + (ino == a.id() ? "a" : ino == b.id() ? "b" : ino == root.id() ? "root" : "?"));
            offsets.add(next);
            return true;
        });
        assertEquals(List.of(".:DIRECTORY:root", "..:DIRECTORY:root", "a:DIRECTORY:a", "b:REGULAR:b"), seen);
        assertEquals(List.of(1L, 2L, 3L, 4L), offsets);
    }
}
