package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.testkit.support.Seeds;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * statfs shows the configured capacity and what is used; running out of blocks or inodes fails
 * with ENOSPC and loses nothing already written; freeing space makes room again.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CapacityKernelTest {

    private static final long SEED = Seeds.orElse(28L);
    private static final int CAPACITY = 4 << 20;
    private static final int MAX_INODES = 32;

    private MemFsMount mount;

    private MemFsMount mount(MemFsConfig config) {
        mount = MemFsMount.mount(config);
        return mount;
    }

    private MemFsMount mountSmall() {
        return mount(MemFsMount.config().capacityBytes(CAPACITY).maxInodes(MAX_INODES).build());
    }

    @AfterEach
    void unmount() {
        if (mount != null) {
            mount.close();
        }
    }

    @Test
    void statfsShowsTheConfiguredCapacityAndUsage() throws Exception {
        Path root = mountSmall().root();
        PathCalls.StatVfs empty = PathCalls.statvfs(root);
        assertEquals(new PathCalls.StatVfs(4096, 4096, 1024, 1024, 1024, MAX_INODES, MAX_INODES - 1, 255), empty);
        assertEquals(CAPACITY, Files.getFileStore(root).getTotalSpace());

        Files.write(root.resolve("file"), new byte[10_000]);
        Files.createDirectory(root.resolve("dir"));
        PathCalls.StatVfs used = PathCalls.statvfs(root);
        assertEquals(List.of(1024L - 3, 1024L - 3, MAX_INODES - 3L), List.of(used.bfree(), used.bavail(), used.ffree()));
        assertEquals(CAPACITY - 3 * 4096, Files.getFileStore(root).getUsableSpace());

        Files.delete(root.resolve("file"));
        Files.delete(root.resolve("dir"));
        assertEquals(empty, mount.awaitStatfs("everything is given back", stat -> stat.equals(empty)));
    }

    @Test
    void theBlockSizeIsTheStatfsUnit() {
        Path root = mount(MemFsMount.config().blockSize(65536).capacityBytes(1L << 30).build()).root();
        PathCalls.StatVfs stat = PathCalls.statvfs(root);
        assertEquals(List.of(65536L, 65536L, 16384L), List.of(stat.bsize(), stat.frsize(), stat.blocks()));
    }

    @Test
    void fillingUpFailsWithENOSPCAndLosesNothingWritten() throws Exception {
        Path root = mountSmall().root();
        SplittableRandom random = new SplittableRandom(SEED);
        byte[] kept = new byte[1 << 20];
        random.nextBytes(kept);
        Files.write(root.resolve("kept"), kept);

        Path filler = root.resolve("filler");
        ByteArrayOutputStream acknowledged = new ByteArrayOutputStream();
        Errno stopped = null;
        try (Descriptor fd = Descriptor.open(filler, Descriptor.O_WRONLY | Descriptor.O_CREAT, 0644)) {
            while (stopped == null) {
                byte[] chunk = new byte[100_000 + random.nextInt(5000)];
                random.nextBytes(chunk);
                try {
                    int written = fd.pwrite(chunk, acknowledged.size());
                    acknowledged.write(chunk, 0, written);
                } catch (ErrnoException e) {
                    stopped = e.errno();
                }
            }
        }
        assertEquals(Errno.ENOSPC, stopped, "seed " + SEED);
        assertEquals(CAPACITY - kept.length, acknowledged.size(), "every block was used; seed " + SEED);
        assertEquals(0, PathCalls.statvfs(root).bfree());
        assertArrayEquals(kept, Files.readAllBytes(root.resolve("kept")), "seed " + SEED);
        assertArrayEquals(acknowledged.toByteArray(), Files.readAllBytes(filler), "seed " + SEED);

        Path late = Files.createFile(root.resolve("late")); // an inode is still free
        Files.createDirectory(root.resolve("dirs-cost-no-blocks"));
        try (Descriptor fd = Descriptor.open(late, Descriptor.O_RDWR)) {
            assertErrno(Errno.ENOSPC, () -> fd.pwrite(new byte[] {1}, 0));
            assertErrno(Errno.ENOSPC, () -> fd.fallocate(0, 0, 4096));
            assertEquals(0, fd.statx().size());
        }

        Files.delete(root.resolve("kept"));
        assertEquals(256, mount.awaitStatfs("kept's blocks are free", stat -> stat.bfree() > 0).bfree());
        byte[] more = Arrays.copyOf(kept, 256 * 4096);
        Files.write(late, more);
        assertArrayEquals(more, Files.readAllBytes(late));
        assertArrayEquals(acknowledged.toByteArray(), Files.readAllBytes(filler), "seed " + SEED);
    }

    @Test
    void runningOutOfInodesIsENOSPCForEveryKindOfNode() throws Exception {
        Path root = mountSmall().root();
        for (int i = 1; i < MAX_INODES; i++) {
            Files.createFile(root.resolve("f" + i));
        }
        assertEquals(0, PathCalls.statvfs(root).ffree());
        assertErrno(Errno.ENOSPC, () -> Descriptor.open(root.resolve("one-more"), Descriptor.O_CREAT | Descriptor.O_WRONLY, 0644));
        assertErrno(Errno.ENOSPC, () -> PathCalls.mkdir(root.resolve("d"), 0755));
        assertErrno(Errno.ENOSPC, () -> PathCalls.symlink("f1", root.resolve("s")));
        assertErrno(Errno.ENOSPC, () -> PathCalls.mknod(root.resolve("p"), Statx.S_IFIFO | 0644, 0, 0));
        assertErrno(Errno.ENOSPC, () -> Descriptor.tmpfile(root, Descriptor.O_RDWR, 0600));
        PathCalls.link(root.resolve("f1"), root.resolve("links-need-no-inode"));
        Files.delete(root.resolve("f2"));
        mount.awaitStatfs("f2's inode is free", stat -> stat.ffree() == 1);
        Files.createDirectory(root.resolve("d"));
        assertEquals(0, PathCalls.statvfs(root).ffree());
        try (var listing = Files.list(root)) {
            assertEquals(MAX_INODES, listing.count(), "30 files, a link and a directory");
        }
        assertTrue(Files.isDirectory(root.resolve("d")));
    }
}
