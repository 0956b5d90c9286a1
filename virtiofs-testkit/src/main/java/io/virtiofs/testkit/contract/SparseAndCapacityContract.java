package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.randomBytes;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.FallocateMode;
import io.virtiofs.api.FallocateRequest;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.Whence;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sparse files, holes (lseek, fallocate), statfs, and running out of space or size. */
public interface SparseAndCapacityContract extends ContractSupport {

    long GIB = 1L << 30;

    private static long lseek(Client client, Handle file, long offset, Whence whence) {
        return client.fs().lseek(client.ctx(), file.nodeid(), file.fh(), offset, whence);
    }

    private static void fallocate(Client client, Handle file, long offset, long length, int mode) {
        client.fs().fallocate(client.ctx(), new FallocateRequest(file.nodeid(), file.fh(), offset, length,
                new FallocateMode(mode)));
    }

    @Test
    default void aOneGibSparseFileCostsAlmostNothing() {
        StatFs empty = root().statfs();
        Handle file = root().create(rootId(), "sparse", 0644);
        root().write(file, 0, utf8("head"));
        root().write(file, GIB - 4, utf8("tail"));
        assertEquals(GIB, root().attr(file.nodeid()).size());
        long usedBytes = (empty.bfree() - root().statfs().bfree()) * empty.frsize();
        assertTrue(usedBytes <= 2 * 64 * 1024, "a sparse 1 GiB file uses " + usedBytes + " bytes");
        assertTrue(root().attr(file.nodeid()).blocks() * 512 <= 2 * 64 * 1024);
        assertArrayEquals(new byte[4096], root().read(file, GIB / 2, 4096));
        assertArrayEquals(utf8("tail"), root().read(file, GIB - 4, 100));

        assertEquals(0, lseek(root(), file, 0, Whence.DATA));
        long hole = lseek(root(), file, 0, Whence.HOLE);
        assertTrue(hole >= 4 && hole <= 64 * 1024, "the first hole starts at " + hole);
        long data = lseek(root(), file, hole, Whence.DATA);
        assertTrue(data <= GIB - 4 && data >= GIB - 64 * 1024, "the tail data starts at " + data);
        assertEquals(GIB, lseek(root(), file, GIB - 2, Whence.HOLE), "the end counts as a hole");
        assertErrno(Errno.ENXIO, () -> lseek(root(), file, GIB, Whence.DATA));
        assertErrno(Errno.ENXIO, () -> lseek(root(), file, GIB + 5, Whence.HOLE));
        root().release(file);
    }

    @Test
    default void statfsReportsCapacityAndUsage() {
        Client small = newFileSystem(ContractSetup.standard().withCapacity(1 << 20).withMaxInodes(100));
        StatFs before = small.statfs();
        assertEquals((1 << 20) / before.frsize(), before.blocks());
        assertEquals(before.blocks(), before.bfree());
        assertEquals(before.bfree(), before.bavail());
        assertEquals(100, before.files());
        assertEquals(99, before.ffree(), "the root is one inode");
        assertEquals(255, before.namelen());
        long node = small.writeFile(rootIdOf(small), "f", new byte[10_000]);
        StatFs after = small.statfs();
        assertEquals(98, after.ffree());
        long blocksFor10000 = (10_000 + after.frsize() - 1) / after.frsize();
        assertEquals(before.bfree() - blocksFor10000, after.bfree());
        small.unlink(rootIdOf(small), "f");
        small.forget(node, 1);
        assertEquals(before, small.statfs(), "unlinked, forgotten and closed: everything given back");
    }

    @Test
    default void writesStopAtCapacityWithoutLosingData() {
        Client small = newFileSystem(ContractSetup.standard().withCapacity(64 * 4096));
        long root = rootIdOf(small);
        byte[] first = randomBytes(new SplittableRandom(3), 40 * 4096);
        long kept = small.writeFile(root, "kept", first);
        Handle file = small.create(root, "filler", 0644);
        byte[] big = randomBytes(new SplittableRandom(4), 30 * 4096);
        int written = small.write(file, 0, big);
        assertEquals(24 * 4096, written, "a write that partly fits writes what fits");
        assertEquals(0, small.statfs().bfree());
        assertErrno(Errno.ENOSPC, () -> small.write(file, written, new byte[1]));
        assertEquals(written, small.attr(file.nodeid()).size());
        assertArrayEquals(Arrays.copyOf(big, written), small.read(file, 0, big.length));
        assertArrayEquals(first, small.content(kept));
        // Overwriting allocated blocks still works when full.
        assertEquals(4096, small.write(file, 0, new byte[4096]));
        small.release(file);
        small.unlink(root, "filler");
        small.forget(file.nodeid(), 1);
        assertEquals(24, small.statfs().bfree(), "the space came back");
    }

    @Test
    default void writesAndTruncatesPastTheLargestFileSizeFail() {
        Client limited = newFileSystem(ContractSetup.standard().withMaxFileSize(10_000));
        Handle file = limited.create(rootIdOf(limited), "f", 0644);
        assertEquals(100, limited.write(file, 9_900, new byte[200]), "a write crossing the limit is short");
        assertErrno(Errno.EFBIG, () -> limited.write(file, 10_000, new byte[1]));
        assertErrno(Errno.EFBIG, () -> limited.setattr(file.nodeid(), SetattrBuilder.setattr().size(10_001).build()));
        assertEquals(10_000, limited.attr(file.nodeid()).size());
        limited.release(file);
    }

    @Test
    default void fallocateAllocatesPunchesAndZeroes() {
        Handle file = root().create(rootId(), "f", 0644);
        fallocate(root(), file, 0, 8 * 4096, 0);
        assertEquals(8 * 4096, root().attr(file.nodeid()).size());
        assertTrue(root().attr(file.nodeid()).blocks() * 512 >= 8 * 4096);
        assertArrayEquals(new byte[8 * 4096], root().read(file, 0, 8 * 4096));
        fallocate(root(), file, 8 * 4096, 4 * 4096, FallocateMode.KEEP_SIZE);
        assertEquals(8 * 4096, root().attr(file.nodeid()).size(), "KEEP_SIZE keeps the size");

        byte[] ones = new byte[8 * 4096];
        Arrays.fill(ones, (byte) 1);
        root().write(file, 0, ones);
        long blocksBefore = root().attr(file.nodeid()).blocks();
        fallocate(root(), file, 4096 + 100, 2 * 4096, FallocateMode.PUNCH_HOLE | FallocateMode.KEEP_SIZE);
        byte[] expected = ones.clone();
        Arrays.fill(expected, 4096 + 100, 3 * 4096 + 100, (byte) 0);
        assertArrayEquals(expected, root().read(file, 0, 8 * 4096));
        assertTrue(root().attr(file.nodeid()).blocks() < blocksBefore, "the whole punched block was freed");
        assertEquals(8 * 4096, root().attr(file.nodeid()).size());

        fallocate(root(), file, 10, 20, FallocateMode.ZERO_RANGE);
        Arrays.fill(expected, 10, 30, (byte) 0);
        assertArrayEquals(expected, root().read(file, 0, 8 * 4096));
        fallocate(root(), file, 8 * 4096 - 10, 20, FallocateMode.ZERO_RANGE);
        assertEquals(8 * 4096 + 10, root().attr(file.nodeid()).size(), "ZERO_RANGE without KEEP_SIZE extends");

        assertErrno(Errno.EOPNOTSUPP, () -> fallocate(root(), file, 0, 10, FallocateMode.PUNCH_HOLE));
        assertErrno(Errno.EOPNOTSUPP, () -> fallocate(root(), file, 0, 10, FallocateMode.COLLAPSE_RANGE));
        assertErrno(Errno.EOPNOTSUPP, () -> fallocate(root(), file, 0, 10, FallocateMode.INSERT_RANGE));
        assertErrno(Errno.EINVAL, () -> fallocate(root(), file, 0, 0, 0));
        root().release(file);
    }

    @Test
    default void fallocateBeyondCapacityFailsAndAllocatesNothing() {
        Client small = newFileSystem(ContractSetup.standard().withCapacity(16 * 4096));
        Handle file = small.create(rootIdOf(small), "f", 0644);
        long free = small.statfs().bfree();
        assertErrno(Errno.ENOSPC, () -> fallocate(small, file, 0, 17 * 4096, 0));
        assertEquals(free, small.statfs().bfree());
        assertEquals(0, small.attr(file.nodeid()).size());
        fallocate(small, file, 0, 16 * 4096, 0);
        assertEquals(0, small.statfs().bfree());
        assertEquals(16 * 4096, small.write(file, 0, new byte[16 * 4096]), "allocated space is there for writes");
        small.release(file);
    }

    private static long rootIdOf(Client client) {
        return FileSystem.ROOT_ID;
    }
}
