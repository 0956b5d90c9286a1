package io.virtiofs.passthrough;

import io.virtiofs.testkit.wire.Replies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.DirentsOut;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.LinkIn;
import io.virtiofs.protocol.message.MknodIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.OpenOut;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.Rename2In;
import io.virtiofs.protocol.message.SetxattrIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Attempts to reach outside the shared directory, each of which must fail: through direct calls
 * racing the host, and through FUSE requests written by hand (a hostile guest is not bound by a
 * kernel's checks). Outside the share sits a directory whose file says OUTSIDE; nothing a guest
 * does may read, list, link or change it.
 */
@Timeout(120)
class EscapeTest {

    private static final String SECRET = "OUTSIDE";
    private DirectShare share;
    private Path outside;

    private DirectShare share(UnaryOperator<PassthroughConfig.Builder> config) throws Exception {
        share = DirectShare.open(config, 2);
        outside = share.scratch.directory("outside");
        Files.writeString(outside.resolve("secret"), SECRET);
        Files.writeString(outside.resolve("outside-only"), SECRET);
        return share;
    }

    @AfterEach
    void close() {
        if (share != null) {
            share.close();
        }
    }

    /**
     * A host process swaps a directory and a symbolic link to the outside directory (atomically,
     * RENAME_EXCHANGE) thousands of times while the guest looks the name up and opens what it got:
     * the node is the inode the lookup found, never the link's target.
     */
    @ParameterizedTest(name = "file handles {0}")
    @EnumSource(value = FileHandlePolicy.class, names = {"NEVER", "PREFER"})
    void aDirectorySwappedForASymlinkBetweenLookupAndOpenNeverLeadsOut(FileHandlePolicy handles) throws Exception {
        if (handles != FileHandlePolicy.NEVER) {
            Prerequisites.requireRoot(); // open_by_handle_at needs CAP_DAC_READ_SEARCH
        }
        DirectShare s = share(b -> b.fileHandles(handles));
        Path d = Files.createDirectory(s.shared.resolve("d"));
        Files.writeString(d.resolve("secret"), "inside");
        Files.createSymbolicLink(s.shared.resolve("swap"), outside);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        Thread swapper = Thread.ofPlatform().name("host-swapper").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                var a = arena.allocateFrom(s.shared.resolve("d").toString());
                var b = arena.allocateFrom(s.shared.resolve("swap").toString());
                while (!stop.get()) {
                    NodeCalls.renameat2(NodeCalls.AT_FDCWD, a, NodeCalls.AT_FDCWD, b, NodeCalls.RENAME_EXCHANGE);
                    swaps.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int rounds = 4000;
        int reachedInside = 0;
        try {
            for (int i = 0; i < rounds; i++) {
                Entry entry;
                try {
                    entry = s.lookup(s.root(), "d");
                } catch (ErrnoException e) {
                    continue;
                }
                long node = entry.nodeid();
                try {
                    if (entry.attr().type() == FileType.SYMLINK) {
                        assertEquals(Errno.ELOOP, s.errno(() -> s.fs.open(TestContext.ROOT, node, OpenFlags.of(0))));
                        assertEquals(Errno.ENOTDIR, s.errno(() -> s.fs.lookup(TestContext.ROOT, node, FileName.of("secret"))));
                        continue;
                    }
                    assertFalse(s.list(node).contains("outside-only"), "listed the outside directory");
                    Entry secret = s.lookup(node, "secret");
                    long fh = s.open(TestContext.ROOT, secret.nodeid(), 0);
                    String content = s.readString(secret.nodeid(), fh);
                    s.release(secret.nodeid(), fh);
                    assertNotEquals(SECRET, content, "read the outside file in round " + i);
                    assertEquals("inside", content);
                    reachedInside++;
                    s.run(() -> s.fs.forget(secret.nodeid(), 1));
                } finally {
                    s.run(() -> s.fs.forget(node, 1));
                }
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        assertTrue(swaps.get() > rounds, "the host swapped " + swaps.get() + " times");
        assertTrue(reachedInside > 0, "the directory was reached in some rounds");
        assertEquals(SECRET, Files.readString(outside.resolve("secret")));
    }

    private GuestSession guest(DirectShare s) {
        return new GuestSession(s.fs);
    }

    private static long lookup(GuestSession g, long parent, String name) {
        return Replies.entryOut(g.ok(g.send(Opcode.LOOKUP, parent, new NameIn(FileName.of(name)))), g.format).nodeid();
    }

    @Test
    void handWrittenRequestsStayInside() throws Exception {
        DirectShare s = share(b -> b.xattrs(true));
        Files.createSymbolicLink(s.shared.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(s.shared.resolve("up"), Path.of("../outside"));
        Files.createSymbolicLink(s.shared.resolve("secret-link"), outside.resolve("secret"));
        Files.createDirectory(s.shared.resolve("sub"));
        try (GuestSession g = guest(s)) {
            // '..' at the root is the root; from a subdirectory, the root's node.
            assertEquals(FileSystem.ROOT_ID, lookup(g, FileSystem.ROOT_ID, ".."));
            long sub = lookup(g, FileSystem.ROOT_ID, "sub");
            assertEquals(FileSystem.ROOT_ID, lookup(g, sub, ".."));
            assertEquals(FileSystem.ROOT_ID, lookup(g, lookup(g, sub, ".."), ".."));
            // A symbolic link is a node of its own: nothing is looked up or opened through it.
            for (String link : new String[] {"etc", "up", "secret-link"}) {
                long node = lookup(g, FileSystem.ROOT_ID, link);
                assertEquals(Errno.ENOTDIR.code(), g.errno(g.send(Opcode.LOOKUP, node, new NameIn(FileName.of("passwd")))));
                assertEquals(Errno.ENOTDIR.code(), g.errno(g.send(Opcode.LOOKUP, node, new NameIn(FileName.of("secret")))));
                assertEquals(Errno.ELOOP.code(), g.errno(g.send(Opcode.OPEN, node, new OpenIn(0, 0))));
                assertEquals(Errno.ENOTDIR.code(), g.errno(g.send(Opcode.OPENDIR, node, new OpenIn(0, 0))));
                assertEquals(Errno.ENOTDIR.code(), g.errno(g.send(Opcode.CREATE, node,
                        new CreateIn(OpenFlags.O_RDWR, 0100644, 0, 0, FileName.of("x")))));
            }
            // A hard link of the link to an outside file links the link, not the file.
            long secretLink = lookup(g, FileSystem.ROOT_ID, "secret-link");
            g.ok(g.send(Opcode.LINK, FileSystem.ROOT_ID, new LinkIn(secretLink, FileName.of("hard"))));
            assertTrue(Files.isSymbolicLink(s.shared.resolve("hard")));
            assertEquals(1, (int) Files.getAttribute(outside.resolve("secret"), "unix:nlink"));
            // Fifos and device nodes are made, never opened.
            EntryOut fifo = Replies.entryOut(g.ok(g.send(Opcode.MKNOD, FileSystem.ROOT_ID,
                    new MknodIn(0010666, 0, 0, FileName.of("fifo")))), g.format);
            assertEquals(Errno.EACCES.code(), g.errno(g.send(Opcode.OPEN, fifo.nodeid(), new OpenIn(OpenFlags.O_RDONLY, 0))));
            assertEquals(Errno.EACCES.code(), g.errno(g.send(Opcode.OPEN, fifo.nodeid(), new OpenIn(OpenFlags.O_WRONLY, 0))));
            if (Prerequisites.isRoot()) {
                EntryOut dev = Replies.entryOut(g.ok(g.send(Opcode.MKNOD, FileSystem.ROOT_ID,
                        new MknodIn(0020666, Attributes.encodeDevice(1, 3), 0, FileName.of("devnull")))), g.format);
                assertEquals(Errno.EACCES.code(), g.errno(g.send(Opcode.OPEN, dev.nodeid(), new OpenIn(OpenFlags.O_RDWR, 0))));
            }
            // trusted. and security. attributes do not reach the host without a mapping.
            for (String name : new String[] {"trusted.overlay.opaque", "security.capability", "security.selinux"}) {
                assertEquals(Errno.EPERM.code(), g.errno(g.send(Opcode.SETXATTR, sub,
                        new SetxattrIn(1, 0, 0, name, new byte[] {'y'}))), name);
            }
            // Nodeids and handles never given.
            assertEquals(Errno.ESTALE.code(), g.errno(g.send(Opcode.GETATTR, 424242, new GetattrIn(0, 0))));
            assertEquals(Errno.ESTALE.code(), g.errno(g.send(Opcode.OPEN, 424242, new OpenIn(0, 0))));
            assertEquals(Errno.EBADF.code(), g.errno(g.send(Opcode.READ, sub, new ReadIn(99, 0, 10, 0, 0, 0))));
            assertEquals(Errno.EBADF.code(), g.errno(g.send(Opcode.WRITE, sub,
                    new WriteIn(99, 0, 1, 0, 0, 0, Unpooled.wrappedBuffer(new byte[] {1})))));
            g.send(Opcode.FORGET, 424242, new ForgetIn(5));
            g.send(Opcode.FORGET, sub, new ForgetIn(1_000_000));
            assertEquals(Errno.ESTALE.code(), g.errno(g.send(Opcode.GETATTR, sub, new GetattrIn(0, 0))),
                    "a node forgotten is gone");
            assertEquals(0, g.errno(g.send(Opcode.GETATTR, FileSystem.ROOT_ID, new GetattrIn(0, 0))));
            assertEquals(Errno.EINVAL.code(), g.errno(g.send(Opcode.RENAME2, FileSystem.ROOT_ID,
                    new Rename2In(FileSystem.ROOT_ID, 1 << 20, FileName.of("fifo"), FileName.of("y")))));
        }
        assertEquals(SECRET, Files.readString(outside.resolve("secret")));
        assertEquals(2, Files.list(outside).count());
    }

    @Test
    void dataGoesStraightBetweenGuestMemoryAndTheHostFile() throws Exception {
        DirectShare s = share(b -> b);
        try (GuestSession g = guest(s)) {
            CreateOut made = Replies.createOut(g.ok(g.send(Opcode.CREATE, FileSystem.ROOT_ID,
                    new CreateIn(OpenFlags.O_RDWR, 0100644, 0, 0, FileName.of("data")))), g.format);
            byte[] data = new byte[200_000];
            new java.util.Random(7).nextBytes(data);
            long node = made.entry().nodeid();
            long fh = made.open().fh();
            g.ok(g.send(Opcode.WRITE, node, new WriteIn(fh, 0, data.length, 0, 0, 0, Unpooled.wrappedBuffer(data))));
            assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(s.shared.resolve("data"))));
            ByteBuf back = g.ok(g.send(Opcode.READ, node, new ReadIn(fh, 1000, 150_000, 0, 0, 0)));
            byte[] read = new byte[back.readableBytes()];
            back.readBytes(read);
            assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(data, 1000, 151_000), read));
            long dirFh = Replies.openOut(g.ok(g.send(Opcode.OPENDIR, FileSystem.ROOT_ID, new OpenIn(0, 0))), g.format).fh();
            DirentsOut listing = Replies.direntsOut(g.ok(g.send(Opcode.READDIR, FileSystem.ROOT_ID,
                    new ReadIn(dirFh, 0, 4096, 0, 0, 0))), g.format);
            assertTrue(listing.dirents().stream().anyMatch(e -> e.name().toString().equals("data")));
        }
    }

    @Test
    void aCallerWhoIsNotRootActsAsItself() throws Exception {
        Prerequisites.requireRoot();
        DirectShare s = share(b -> b);
        Path open = Files.createDirectory(s.shared.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path closed = Files.createDirectory(s.shared.resolve("closed"));
        try (GuestSession g = guest(s)) {
            long openNode = lookup(g, FileSystem.ROOT_ID, "open");
            long closedNode = lookup(g, FileSystem.ROOT_ID, "closed");
            g.as(1000, 1000);
            // A set-user-ID file made by a guest user belongs to that user, not to the daemon's root.
            g.ok(g.send(Opcode.CREATE, openNode, new CreateIn(OpenFlags.O_RDWR, 0104755, 0, 0, FileName.of("suid"))));
            Path suid = open.resolve("suid");
            assertEquals(1000, Files.getAttribute(suid, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(1000, Files.getAttribute(suid, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(Errno.EACCES.code(), g.errno(g.send(Opcode.CREATE, closedNode,
                    new CreateIn(OpenFlags.O_RDWR, 0100644, 0, 0, FileName.of("x")))));
            assertEquals(Errno.EACCES.code(), g.errno(g.send(Opcode.MKNOD, closedNode,
                    new MknodIn(0010644, 0, 0, FileName.of("fifo")))));
            g.as(0, 0);
            g.ok(g.send(Opcode.CREATE, closedNode, new CreateIn(OpenFlags.O_RDWR, 0100600, 0, 0, FileName.of("rootfile"))));
            long rootfile = lookup(g, closedNode, "rootfile");
            g.as(1000, 1000);
            assertEquals(Errno.EACCES.code(), g.errno(g.send(Opcode.OPEN, rootfile, new OpenIn(OpenFlags.O_RDONLY, 0))),
                    "a node the caller could not reach by name still checks its permissions");
            assertEquals(Errno.EPERM.code(), g.errno(g.send(Opcode.LINK, openNode,
                    new LinkIn(rootfile, FileName.of("stolen")))), "protected hard links: not the caller's file");
        }
        assertFalse(Files.exists(s.shared.resolve("open/stolen")));
    }
}
