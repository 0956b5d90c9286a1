package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.S_IFREG;
import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.atime;
import static io.virtiofs.testkit.contract.ContractSupport.randomBytes;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.virtiofs.api.Attr;
import io.virtiofs.api.CopyFileRangeRequest;
import io.virtiofs.api.Errno;
import io.virtiofs.api.OpenFlags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Reading and writing file data: offsets, append, truncation, copies, and many writers at once. */
public interface FileDataContract extends ContractSupport {

    @Test
    default void writeThenReadReturnsTheSameBytesAndSetsTimes() {
        Instant created = clock().tick();
        Handle file = root().create(rootId(), "f", 0644);
        byte[] data = randomBytes(new SplittableRandom(1), 10_000);
        Instant written = clock().tick();
        assertEquals(data.length, root().write(file, 0, data));
        Attr attr = root().attr(file.nodeid());
        assertEquals(ExpectedAttr.of(attr).size(10_000).blocks(attr.blocks()).mode(S_IFREG | 0644).nlink(1)
                .atime(created).mtime(written).ctime(written).build(), attr);
        assertEquals(true, attr.blocks() * 512 >= 10_000, "blocks cover the data: " + attr.blocks());
        Instant read = clock().tick();
        assertArrayEquals(data, root().read(file, 0, 20_000), "a read past the end is short");
        assertArrayEquals(Arrays.copyOfRange(data, 4000, 4100), root().read(file, 4000, 100));
        assertArrayEquals(new byte[0], root().read(file, 10_000, 100), "reading at the end gives nothing");
        assertEquals(read, atime(root().attr(file.nodeid())), "the first read after a write updates atime");
        root().release(file);
    }

    @Test
    default void writesAtAnOffsetLeaveZerosBehindAndOverwrite() {
        Handle file = root().create(rootId(), "f", 0644);
        root().write(file, 10, utf8("world"));
        root().write(file, 0, utf8("hello"));
        root().write(file, 3, utf8("LO"));
        byte[] expected = new byte[15];
        System.arraycopy(utf8("helLO"), 0, expected, 0, 5);
        System.arraycopy(utf8("world"), 0, expected, 10, 5);
        assertArrayEquals(expected, root().read(file, 0, 100));
        root().release(file);
    }

    @Test
    default void appendHandlesWriteAtTheEnd() {
        long node = root().writeFile(rootId(), "log", utf8("one\n"));
        long fh = root().open(node, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        assertEquals(4, root().write(node, fh, 0, utf8("two\n")));
        assertEquals(6, root().write(node, fh, 1, utf8("three\n")));
        root().release(node, fh);
        assertArrayEquals(utf8("one\ntwo\nthree\n"), root().content(node));
    }

    @Test
    default void openWithTruncateEmptiesTheFile() {
        long node = root().writeFile(rootId(), "f", utf8("some content"));
        Instant t = clock().tick();
        long fh = root().open(node, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
        Attr attr = root().attr(node);
        assertEquals(0, attr.size());
        assertEquals(0, attr.blocks());
        assertEquals(t, ContractSupport.mtime(attr));
        assertEquals(t, ContractSupport.ctime(attr));
        root().release(node, fh);
        assertArrayEquals(new byte[0], root().content(node));
    }

    @Test
    default void truncateShrinksAndGrowsWithZeros() {
        long node = root().writeFile(rootId(), "f", utf8("0123456789"));
        Instant t = clock().tick();
        Attr attr = root().setattr(node, SetattrBuilder.setattr().size(4).build()).attr();
        assertEquals(4, attr.size());
        assertEquals(t, ContractSupport.mtime(attr));
        assertEquals(t, ContractSupport.ctime(attr));
        root().setattr(node, SetattrBuilder.setattr().size(8).build());
        assertArrayEquals(new byte[] {'0', '1', '2', '3', 0, 0, 0, 0}, root().content(node));
        assertEquals(attr.mode(), root().attr(node).mode());
    }

    @Test
    default void handlesCheckTheirAccessMode() {
        long node = root().writeFile(rootId(), "f", utf8("data"));
        long readOnly = root().open(node, OpenFlags.O_RDONLY);
        long writeOnly = root().open(node, OpenFlags.O_WRONLY);
        assertErrno(Errno.EBADF, () -> root().write(node, readOnly, 0, utf8("x")));
        assertErrno(Errno.EBADF, () -> root().read(node, writeOnly, 0, 4));
        assertErrno(Errno.EBADF, () -> root().read(node, 987_654, 0, 4));
        root().release(node, readOnly);
        root().release(node, writeOnly);
        assertErrno(Errno.EBADF, () -> root().read(node, readOnly, 0, 4));
        long dir = root().mkdir(rootId(), "d", 0755);
        assertErrno(Errno.EISDIR, () -> root().open(dir, OpenFlags.O_WRONLY));
        assertArrayEquals(utf8("data"), root().content(node));
    }

    @Test
    default void anUnlinkedOpenFileKeepsItsDataUntilReleased() {
        Handle file = root().create(rootId(), "f", 0644);
        root().write(file, 0, utf8("before"));
        long freeBefore = root().statfs().ffree();
        root().unlink(rootId(), "f");
        root().forget(file.nodeid(), 1);
        Attr attr = root().fs().fgetattr(root().ctx(), file.nodeid(), file.fh()).attr();
        assertEquals(0, attr.nlink());
        assertEquals(6, root().write(file, 6, utf8(" after")));
        assertArrayEquals(utf8("before after"), root().read(file, 0, 100));
        assertEquals(freeBefore, root().statfs().ffree(), "still held by the open handle");
        root().release(file);
        assertEquals(freeBefore + 1, root().statfs().ffree(), "freed on release");
    }

    @Test
    default void copyFileRangeCopiesBytesAndKeepsHoles() {
        SplittableRandom random = new SplittableRandom(7);
        byte[] head = randomBytes(random, 5000);
        Handle src = root().create(rootId(), "src", 0644);
        root().write(src, 0, head);
        root().write(src, 1 << 20, utf8("tail"));
        Handle dst = root().create(rootId(), "dst", 0644);
        long copied = root().fs().copyFileRange(root().ctx(), new CopyFileRangeRequest(src.nodeid(), src.fh(), 0,
                dst.nodeid(), dst.fh(), 100, 2 << 20, 0));
        assertEquals((1 << 20) + 4, copied, "copies up to the source's end");
        assertEquals(100 + (1 << 20) + 4, root().attr(dst.nodeid()).size());
        byte[] expectedHead = new byte[5100];
        System.arraycopy(head, 0, expectedHead, 100, 5000);
        assertArrayEquals(expectedHead, root().read(dst, 0, 5100));
        assertArrayEquals(utf8("tail"), root().read(dst, 100 + (1 << 20), 10));
        assertArrayEquals(new byte[4096], root().read(dst, 500_000, 4096));
        long blocks = root().attr(dst.nodeid()).blocks();
        assertEquals(true, blocks * 512 < 64 * 1024, "the hole was not filled: " + blocks + " blocks");
        assertErrno(Errno.EINVAL, () -> root().fs().copyFileRange(root().ctx(), new CopyFileRangeRequest(src.nodeid(),
                src.fh(), 0, src.nodeid(), src.fh(), 10, 100, 0)));
        root().release(src);
        root().release(dst);
    }

    @Test
    default void concurrentWritersToOneFileKeepEveryByte() throws Exception {
        int writers = 4;
        int blocksPerWriter = 64;
        int blockSize = 3000;
        Handle file = root().create(rootId(), "shared", 0644);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    start.await();
                    Client client = root().as(TestContext.root());
                    for (int b = 0; b < blocksPerWriter; b++) {
                        int block = b * writers + writer;
                        byte[] data = new byte[blockSize];
                        Arrays.fill(data, (byte) (block * 7 + 1));
                        assertEquals(blockSize, client.write(file, (long) block * blockSize, data));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> each : done) {
                each.get();
            }
        } finally {
            pool.shutdownNow();
        }
        int total = writers * blocksPerWriter;
        byte[] content = root().read(file, 0, total * blockSize);
        assertEquals(total * blockSize, content.length);
        for (int block = 0; block < total; block++) {
            for (int i = 0; i < blockSize; i++) {
                int at = block * blockSize + i;
                if (content[at] != (byte) (block * 7 + 1)) {
                    throw new AssertionError("byte " + at + " of block " + block + " is " + content[at]);
                }
            }
        }
        root().release(file);
    }
}
