package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.virtiofs.api.Errno;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The errors of the name space where POSIX names them (ENAMETOOLONG, ENOTEMPTY, EISDIR, ENOTDIR,
 * EEXIST, ENOENT), and the life of a file unlinked while open: link count 0, data readable and
 * writable until the last close, space given back only then.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NamespaceErrorsKernelTest {

    private MemFsMount mount;
    private Path dir;
    private Path file;

    @BeforeEach
    void mount() throws Exception {
        mount = MemFsMount.mount();
        dir = Files.createDirectory(mount.path("dir"));
        file = Files.writeString(mount.path("file"), "plain file");
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    @Test
    void namesOver255BytesAreTooLongForEveryCall() throws Exception {
        String longest = "n".repeat(255);
        String tooLong = "n".repeat(256);
        String tooLongInBytes = "é".repeat(128); // 128 characters, 256 bytes
        Files.writeString(dir.resolve(longest), "fits");
        assertEquals(List.of(longest), names(dir));
        assertEquals("fits", Files.readString(dir.resolve(longest)));
        for (String name : List.of(tooLong, tooLongInBytes)) {
            Path path = dir.resolve(name);
            assertErrno(Errno.ENAMETOOLONG, () -> Descriptor.open(path, Descriptor.O_CREAT | Descriptor.O_WRONLY, 0644));
            assertErrno(Errno.ENAMETOOLONG, () -> PathCalls.mkdir(path, 0755));
            assertErrno(Errno.ENAMETOOLONG, () -> PathCalls.mknod(path, Statx.S_IFIFO | 0644, 0, 0));
            assertErrno(Errno.ENAMETOOLONG, () -> PathCalls.symlink("target", path));
            assertErrno(Errno.ENAMETOOLONG, () -> PathCalls.link(file, path));
            assertErrno(Errno.ENAMETOOLONG, () -> PathCalls.rename(file, path, 0));
            assertErrno(Errno.ENAMETOOLONG, () -> Statx.of(path));
        }
        assertEquals(List.of(longest), names(dir));
        assertEquals("plain file", Files.readString(file));
    }

    @Test
    void rmdirOfANonEmptyDirectoryIsENOTEMPTY() throws Exception {
        Files.createFile(dir.resolve("child"));
        assertErrno(Errno.ENOTEMPTY, () -> PathCalls.rmdir(dir));
        Files.delete(dir.resolve("child"));
        PathCalls.rmdir(dir);
        assertFalse(Files.exists(dir));
    }

    @Test
    void directoriesRefuseFileOperationsWithEISDIR() {
        assertErrno(Errno.EISDIR, () -> Descriptor.open(dir, Descriptor.O_WRONLY).close());
        assertErrno(Errno.EISDIR, () -> Descriptor.open(dir, Descriptor.O_RDWR | Descriptor.O_CREAT, 0644).close());
        assertErrno(Errno.EISDIR, () -> PathCalls.unlink(dir));
        assertErrno(Errno.EISDIR, () -> PathCalls.truncate(dir, 0));
        assertErrno(Errno.EISDIR, () -> PathCalls.rename(file, dir, 0));
        try (Descriptor fd = Descriptor.open(dir, Descriptor.O_RDONLY | Descriptor.O_DIRECTORY)) {
            assertErrno(Errno.EISDIR, () -> fd.pread(0, 10));
        }
    }

    @Test
    void filesRefuseDirectoryOperationsWithENOTDIR() {
        assertErrno(Errno.ENOTDIR, () -> Statx.of(file.resolve("below")));
        assertErrno(Errno.ENOTDIR, () -> PathCalls.mkdir(file.resolve("below"), 0755));
        assertErrno(Errno.ENOTDIR, () -> PathCalls.rmdir(file));
        assertErrno(Errno.ENOTDIR, () -> PathCalls.rename(dir, file, 0));
        assertErrno(Errno.ENOTDIR, () -> Descriptor.open(file, Descriptor.O_RDONLY | Descriptor.O_DIRECTORY).close());
    }

    @Test
    void existingNamesAreEEXISTAndMissingOnesENOENT() throws Exception {
        Files.createSymbolicLink(mount.path("dangling"), Path.of("nowhere"));
        assertErrno(Errno.EEXIST, () -> PathCalls.mkdir(dir, 0755));
        assertErrno(Errno.EEXIST, () -> PathCalls.mkdir(file, 0755));
        assertErrno(Errno.EEXIST, () -> Descriptor.open(file, Descriptor.O_CREAT | Descriptor.O_EXCL | Descriptor.O_WRONLY, 0644));
        assertErrno(Errno.EEXIST, () -> PathCalls.symlink("x", file));
        assertErrno(Errno.EEXIST, () -> PathCalls.link(file, dir));
        assertErrno(Errno.EEXIST, () -> PathCalls.mknod(file, Statx.S_IFIFO | 0644, 0, 0));
        assertErrno(Errno.EEXIST, () -> Descriptor.open(mount.path("dangling"),
                Descriptor.O_CREAT | Descriptor.O_EXCL | Descriptor.O_WRONLY, 0644));
        assertErrno(Errno.ENOENT, () -> Statx.of(mount.path("missing/below")));
        assertErrno(Errno.ENOENT, () -> Descriptor.open(mount.path("missing/new"), Descriptor.O_CREAT | Descriptor.O_WRONLY, 0644));
        assertErrno(Errno.ENOENT, () -> Descriptor.open(mount.path("dangling"), Descriptor.O_RDONLY));
        assertErrno(Errno.ENOENT, () -> PathCalls.unlink(mount.path("missing")));
        assertEquals(List.of("dangling", "dir", "file"), names(mount.root()));
    }

    @Test
    void anUnlinkedOpenFileLivesOnWithNlinkZeroUntilTheLastClose() throws Exception {
        PathCalls.StatVfs empty = PathCalls.statvfs(mount.root());
        Path doomed = mount.path("doomed");
        byte[] data = "still here after unlink".repeat(1000).getBytes(StandardCharsets.UTF_8);
        try (Descriptor writer = Descriptor.open(doomed, Descriptor.O_RDWR | Descriptor.O_CREAT, 0644);
             Descriptor reader = Descriptor.open(doomed, Descriptor.O_RDONLY)) {
            assertEquals(data.length, writer.pwrite(data, 0));
            long blocks = (data.length + 4095) / 4096;
            assertEquals(empty.bfree() - blocks, PathCalls.statvfs(mount.root()).bfree());
            Files.delete(doomed);
            assertFalse(Files.exists(doomed));
            assertEquals(0, writer.statx().nlink());
            assertArrayEquals(data, reader.pread(0, data.length));
            assertEquals(5, writer.pwrite("again".getBytes(StandardCharsets.UTF_8), data.length));
            assertArrayEquals("again".getBytes(StandardCharsets.UTF_8), reader.pread(data.length, 100));
            writer.ftruncate(10);
            assertArrayEquals(Arrays.copyOf(data, 10), reader.pread(0, 100));
            assertEquals(empty.ffree() - 1, PathCalls.statvfs(mount.root()).ffree(), "the inode lives on");
            writer.close();
            assertArrayEquals(Arrays.copyOf(data, 10), reader.pread(0, 100), "one descriptor keeps it");
        }
        PathCalls.StatVfs after = mount.awaitStatfs("the last close frees blocks and inode",
                stat -> stat.ffree() == empty.ffree());
        assertEquals(List.of(empty.bfree(), empty.ffree()), List.of(after.bfree(), after.ffree()));
        assertEquals(List.of("dir", "file"), names(mount.root()));
    }

    @Test
    void anOpenDirectoryRemovedHasNoLinksAndCannotBeListed() throws Exception {
        try (Descriptor open = Descriptor.open(dir, Descriptor.O_RDONLY | Descriptor.O_DIRECTORY)) {
            PathCalls.rmdir(dir);
            assertEquals(0, open.statx().nlink());
            assertErrno(Errno.ENOENT, () -> open.getdents(4096));
        }
        assertEquals(List.of("file"), names(mount.root()));
    }

    private static List<String> names(Path directory) throws Exception {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
