package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtiofs.api.Errno;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.testkit.support.Seeds;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every kind of node memfs holds, made and used through the kernel: regular files (sparse),
 * directories, symbolic links, hard links, fifos, sockets, device nodes and O_TMPFILE files.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FileTypesKernelTest {

    private static final long SEED = Seeds.orElse(20261128L);

    private MemFsMount mount;

    @BeforeEach
    void mount() {
        mount = MemFsMount.mount();
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    @Test
    void regularFilesHoldExactBytesAndHolesCostNothing() throws Exception {
        byte[] data = new byte[100_003];
        new SplittableRandom(SEED).nextBytes(data);
        Path dense = mount.path("dense");
        Files.write(dense, data);
        assertArrayEquals(data, Files.readAllBytes(dense), "seed " + SEED);
        Statx denseStat = Statx.of(dense);
        assertEquals(Statx.S_IFREG, denseStat.type());
        assertEquals(data.length, denseStat.size());
        assertEquals(25 * 4096 / 512, denseStat.blocks(), "100,003 bytes fill 25 blocks of 4 KiB");

        Path sparse = mount.path("sparse");
        long far = 10L << 20;
        try (Descriptor fd = Descriptor.open(sparse, Descriptor.O_RDWR | Descriptor.O_CREAT, 0644)) {
            assertEquals(5, fd.pwrite("head!".getBytes(StandardCharsets.US_ASCII), 0));
            assertEquals(5, fd.pwrite("tail!".getBytes(StandardCharsets.US_ASCII), far + 3));
            Statx stat = fd.statx();
            assertEquals(far + 8, stat.size());
            assertEquals(2 * 4096 / 512, stat.blocks(), "only the two written blocks are allocated");
            byte[] expectedHead = new byte[4096];
            System.arraycopy("head!".getBytes(StandardCharsets.US_ASCII), 0, expectedHead, 0, 5);
            assertArrayEquals(expectedHead, fd.pread(0, 4096));
            assertArrayEquals(new byte[65536], fd.pread(far / 2, 65536), "a hole reads as zeros");
            byte[] tail = fd.pread(far, 100);
            assertArrayEquals(new byte[] {0, 0, 0, 't', 'a', 'i', 'l', '!'}, tail, "the read stops at the end of file");
        }
        assertEquals(far + 8, Files.size(sparse));
    }

    @Test
    void directoriesCountTheirSubdirectoriesAndKnowTheirParent() throws Exception {
        Path a = Files.createDirectory(mount.path("a"));
        Files.createDirectory(a.resolve("b"));
        Files.createDirectory(a.resolve("c"));
        Files.createFile(a.resolve("file"));
        assertEquals(Statx.S_IFDIR, Statx.of(a).type());
        assertEquals(4, Statx.of(a).nlink(), "2 + two subdirectories");
        assertEquals(3, Statx.of(mount.root()).nlink(), "2 + a");
        assertEquals(Statx.of(a).ino(), Statx.of(a.resolve("b").resolve("..")).ino(), "b/.. is a");
        assertEquals(Statx.of(mount.root()).ino(), Statx.of(a.resolve("..")).ino());
        Files.delete(a.resolve("c"));
        assertEquals(3, Statx.of(a).nlink());
        try (Stream<Path> listing = Files.list(a)) {
            assertEquals(List.of("b", "file"), listing.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void symlinksKeepTheirTargetsByteForByte() throws Exception {
        Path file = mount.path("file");
        Files.writeString(file, "through the link");
        Path relative = Files.createSymbolicLink(mount.path("relative"), Path.of("file"));
        Path dangling = Files.createSymbolicLink(mount.path("dangling"), Path.of("../nowhere/at all/ü"));
        String longTarget = "d/".repeat(2047) + "x"; // 4095 bytes, PATH_MAX less the NUL
        Path longLink = Files.createSymbolicLink(mount.path("long"), Path.of(longTarget));

        assertEquals(Path.of("file"), Files.readSymbolicLink(relative));
        assertEquals(Path.of("../nowhere/at all/ü"), Files.readSymbolicLink(dangling));
        assertEquals(longTarget, Files.readSymbolicLink(longLink).toString());
        Statx link = Statx.of(dangling);
        assertEquals(Statx.S_IFLNK, link.type());
        assertEquals(0777, link.permissions());
        assertEquals("../nowhere/at all/ü".getBytes(StandardCharsets.UTF_8).length, link.size());
        assertEquals(4095, Statx.of(longLink).size());

        assertEquals("through the link", Files.readString(relative));
        assertThrows(NoSuchFileException.class, () -> Files.readString(dangling));
        assertErrno(Errno.ELOOP, () -> Descriptor.open(relative, Descriptor.O_RDONLY | Descriptor.O_NOFOLLOW).close());

        PathCalls.lchown(relative, 4001, 5001);
        assertEquals(List.of(4001, 5001), List.of(Statx.of(relative).uid(), Statx.of(relative).gid()));
        assertEquals(List.of(0, 0), List.of(Statx.of(file).uid(), Statx.of(file).gid()), "lchown leaves the target");
    }

    @Test
    void hardLinksShareOneInodeAndCountTheirNames() throws Exception {
        Path first = mount.path("first");
        Files.writeString(first, "one");
        Path sub = Files.createDirectory(mount.path("sub"));
        Path second = Files.createLink(mount.path("second"), first);
        Path third = sub.resolve("third");
        ChildProcess.run("ln", first.toString(), third.toString()).requireSuccess();
        Statx stat = Statx.of(first);
        assertEquals(3, stat.nlink());
        assertEquals("3 " + stat.ino() + " regular file\n",
                ChildProcess.run("stat", "-c", "%h %i %F", third.toString()).requireSuccess().stdout());
        for (Path name : List.of(second, third)) {
            assertEquals(stat.ino(), Statx.of(name).ino());
            assertEquals(3, Statx.of(name).nlink());
        }
        Files.writeString(third, "written through the third name");
        assertEquals("written through the third name", Files.readString(first));
        Files.delete(first);
        assertEquals(2, Statx.of(second).nlink());
        Files.delete(third);
        assertEquals(1, Statx.of(second).nlink());
        assertEquals("written through the third name", Files.readString(second));
        assertErrno(Errno.EPERM, () -> PathCalls.link(sub, mount.path("dirlink")));
    }

    @Test
    void aFifoPassesDataFromWriterToReader() throws Exception {
        Path fifo = mount.path("fifo");
        ChildProcess.run("mkfifo", "-m", "0640", fifo.toString()).requireSuccess();
        Statx stat = Statx.of(fifo);
        assertEquals(Statx.S_IFIFO, stat.type());
        assertEquals(0640, stat.permissions());
        assertEquals(0, stat.size());
        byte[] message = "through a fifo on memfs".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write(message);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Thread.ofPlatform().daemon(true).name("fifo-writer").start(task));
        try (InputStream in = Files.newInputStream(fifo)) {
            assertArrayEquals(message, in.readAllBytes());
        }
        writer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aUnixSocketNodeAcceptsConnections() throws Exception {
        Path socket = mount.path("socket");
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
             SocketChannel client = SocketChannel.open(address);
             SocketChannel accepted = server.accept()) {
            assertEquals(Statx.S_IFSOCK, Statx.of(socket).type());
            client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer received = ByteBuffer.allocate(4);
            while (received.hasRemaining()) {
                accepted.read(received);
            }
            assertEquals("ping", new String(received.array(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void deviceNodesKeepTheirNumbersAndOpenOnlyWithTheDevOption() throws Exception {
        Path nullDevice = mount.path("null");
        ChildProcess.run("mknod", "-m", "0666", nullDevice.toString(), "c", "1", "3").requireSuccess();
        Path block = mount.path("block");
        PathCalls.mknod(block, Statx.S_IFBLK | 0600, 8, 1);
        Path wide = mount.path("wide");
        PathCalls.mknod(wide, Statx.S_IFCHR | 0620, 259, 70_000);

        int umask = PathCalls.umask();
        assertDevice(Statx.S_IFCHR, 0666, 1, 3, nullDevice); // mknod -m sets the mode past the umask
        assertDevice(Statx.S_IFBLK, 0600 & ~umask, 8, 1, block);
        assertDevice(Statx.S_IFCHR, 0620 & ~umask, 259, 70_000, wide);
        assertEquals(PathCalls.makedev(259, 70_000), (long) Files.getAttribute(wide, "unix:rdev"));
        assertThrows(AccessDeniedException.class, () -> Files.newOutputStream(nullDevice).close(),
                "the mount is nodev by default");
    }

    @Test
    void withTheDevOptionDeviceNodesReachTheirDrivers() throws Exception {
        mount.close();
        mount = MemFsMount.mount(new MemFs(MemFsMount.config().build()), options -> options.option("dev"));
        Path zero = mount.path("zero");
        PathCalls.mknod(zero, Statx.S_IFCHR | 0666, 1, 5);
        Path nullDevice = mount.path("null");
        PathCalls.mknod(nullDevice, Statx.S_IFCHR | 0666, 1, 3);
        try (InputStream in = Files.newInputStream(zero)) {
            byte[] read = in.readNBytes(8192);
            assertArrayEquals(new byte[8192], read, "memfs' 1:5 is the kernel's /dev/zero");
        }
        Files.write(nullDevice, new byte[1 << 20]);
        assertEquals(0, Statx.of(nullDevice).size(), "written to /dev/null, not to memfs");
    }

    private static void assertDevice(int type, int permissions, int major, int minor, Path path) {
        Statx stat = Statx.of(path);
        assertEquals(List.of(type, permissions, major, minor),
                List.of(stat.type(), stat.permissions(), stat.rdevMajor(), stat.rdevMinor()), path.toString());
    }

    @Test
    void aTmpfileHasNoNameUntilLinked() throws Exception {
        Path dir = Files.createDirectory(mount.path("dir"));
        long freeInodes = PathCalls.statvfs(mount.root()).ffree();
        byte[] data = "nameless until now".getBytes(StandardCharsets.UTF_8);
        try (Descriptor tmp = Descriptor.tmpfile(dir, Descriptor.O_RDWR, 0600)) {
            assertEquals(0, tmp.statx().nlink());
            assertEquals(Statx.S_IFREG | 0600, tmp.statx().mode());
            assertEquals(freeInodes - 1, PathCalls.statvfs(mount.root()).ffree(), "the tmpfile takes an inode");
            assertEquals(data.length, tmp.pwrite(data, 0));
            try (Stream<Path> listing = Files.list(dir)) {
                assertEquals(0, listing.count());
            }
            tmp.linkAs(dir.resolve("named"));
            assertEquals(1, tmp.statx().nlink());
            assertEquals(tmp.statx().ino(), Statx.of(dir.resolve("named")).ino());
        }
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("named")));

        try (Descriptor exclusive = Descriptor.tmpfile(dir, Descriptor.O_RDWR | Descriptor.O_EXCL, 0600)) {
            assertErrno(Errno.ENOENT, () -> exclusive.linkAs(dir.resolve("never")));
        }
        assertEquals(freeInodes - 1, mount.awaitStatfs("the closed O_EXCL tmpfile is gone",
                stat -> stat.ffree() >= freeInodes - 1).ffree());
        try (Stream<Path> listing = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("named")), listing.toList());
        }
        assertEquals(Arrays.asList(0, 0), Arrays.asList(Statx.of(dir.resolve("named")).uid(),
                Statx.of(dir.resolve("named")).gid()));
    }
}
