package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.testkit.support.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * File data beyond plain reads and writes: a 1 GiB sparse file, fallocate (allocate, keep size,
 * punch hole, zero range), lseek SEEK_DATA/SEEK_HOLE, copy_file_range, O_DIRECT; and a seeded
 * random sequence of all of them checked against a byte-array model.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SparseDataKernelTest {

    private static final long GIB = 1L << 30;
    private static final int BLOCK = 4096;

    private MemFsMount mount;

    @BeforeEach
    void mount() {
        mount = MemFsMount.mount(MemFsMount.config().capacityBytes(64L << 20).build());
    }

    @AfterEach
    void unmount() {
        mount.close();
    }

    @Test
    void aOneGibSparseFileIsBigButCostsTwoBlocks() throws Exception {
        Path big = mount.path("big");
        try (Descriptor fd = Descriptor.open(big, Descriptor.O_RDWR | Descriptor.O_CREAT, 0644)) {
            fd.pwrite("head".getBytes(StandardCharsets.US_ASCII), 0);
            fd.pwrite("tail".getBytes(StandardCharsets.US_ASCII), GIB - 4);
            assertEquals(GIB, fd.statx().size());
            assertEquals(2 * BLOCK / 512, fd.statx().blocks());
            assertArrayEquals(new byte[1 << 20], fd.pread(GIB / 2, 1 << 20), "the middle is a hole");
            SplittableRandom random = new SplittableRandom(11);
            for (int i = 0; i < 32; i++) {
                long offset = BLOCK + random.nextLong(GIB - 3 * BLOCK);
                assertArrayEquals(new byte[BLOCK], fd.pread(offset, BLOCK), "hole at " + offset);
            }
            assertArrayEquals("tail".getBytes(StandardCharsets.US_ASCII), fd.pread(GIB - 4, 100));
            assertEquals(0, fd.lseek(0, Descriptor.SEEK_DATA));
            assertEquals(BLOCK, fd.lseek(0, Descriptor.SEEK_HOLE));
            assertEquals(GIB - BLOCK, fd.lseek(BLOCK, Descriptor.SEEK_DATA));
            assertEquals(GIB, fd.lseek(GIB - BLOCK, Descriptor.SEEK_HOLE), "the end counts as a hole");
            assertErrno(Errno.ENXIO, () -> fd.lseek(GIB, Descriptor.SEEK_DATA));
            assertErrno(Errno.ENXIO, () -> fd.lseek(GIB + 1, Descriptor.SEEK_HOLE));
        }
        assertEquals(GIB, Files.size(big));
        assertEquals((2 * BLOCK) + "\t" + big + "\n", ChildProcess.run("du", "-B1", big.toString()).requireSuccess().stdout());
        assertEquals(GIB + "\t" + big + "\n",
                ChildProcess.run("du", "-B1", "--apparent-size", big.toString()).requireSuccess().stdout());

        Path truncated = mount.path("truncated");
        ChildProcess.run("truncate", "-s", "1G", truncated.toString()).requireSuccess();
        Statx stat = Statx.of(truncated);
        assertEquals(List.of(GIB, 0L), List.of(stat.size(), stat.blocks()));
        try (Descriptor fd = Descriptor.open(truncated, Descriptor.O_RDONLY)) {
            assertEquals(0, fd.lseek(0, Descriptor.SEEK_HOLE));
            assertErrno(Errno.ENXIO, () -> fd.lseek(0, Descriptor.SEEK_DATA));
        }
    }

    @Test
    void fallocateAllocatesPunchesAndZeroes() throws Exception {
        Path file = mount.path("file");
        byte[] model = new byte[16 * BLOCK];
        new SplittableRandom(5).nextBytes(model);
        Files.write(file, model);
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR)) {
            fd.fallocate(0, 15 * BLOCK, 5 * BLOCK);
            model = Arrays.copyOf(model, 20 * BLOCK);
            assertEquals(20L * BLOCK, fd.statx().size());
            assertEquals(20 * BLOCK / 512, fd.statx().blocks());

            fd.fallocate(Descriptor.FALLOC_FL_KEEP_SIZE, 30 * BLOCK, 2 * BLOCK);
            assertEquals(20L * BLOCK, fd.statx().size(), "KEEP_SIZE");
            assertEquals(22 * BLOCK / 512, fd.statx().blocks(), "but allocated");

            fd.fallocate(Descriptor.FALLOC_FL_PUNCH_HOLE | Descriptor.FALLOC_FL_KEEP_SIZE, BLOCK + 100, 2 * BLOCK);
            Arrays.fill(model, BLOCK + 100, 3 * BLOCK + 100, (byte) 0);
            assertEquals(21 * BLOCK / 512, fd.statx().blocks(), "the one whole block punched is freed");
            assertEquals(2 * BLOCK, fd.lseek(0, Descriptor.SEEK_HOLE));

            ChildProcess.run("fallocate", "--punch-hole", "--offset", String.valueOf(6 * BLOCK), "--length",
                    String.valueOf(2 * BLOCK), file.toString()).requireSuccess();
            Arrays.fill(model, 6 * BLOCK, 8 * BLOCK, (byte) 0);

            fd.fallocate(Descriptor.FALLOC_FL_ZERO_RANGE, 10 * BLOCK + 7, 3000);
            Arrays.fill(model, 10 * BLOCK + 7, 10 * BLOCK + 3007, (byte) 0);
            fd.fallocate(Descriptor.FALLOC_FL_ZERO_RANGE, 20 * BLOCK, 1000);
            model = Arrays.copyOf(model, 20 * BLOCK + 1000);
            assertEquals(model.length, fd.statx().size(), "ZERO_RANGE without KEEP_SIZE extends");

            assertErrno(Errno.EOPNOTSUPP, () -> fd.fallocate(Descriptor.FALLOC_FL_PUNCH_HOLE, 0, BLOCK));
            assertErrno(Errno.EOPNOTSUPP, () -> fd.fallocate(0x08, 0, BLOCK)); // COLLAPSE_RANGE
            assertArrayEquals(model, fd.pread(0, model.length + 10));
        }
        assertArrayEquals(model, Files.readAllBytes(file));
    }

    @Test
    void copyFileRangeCopiesDataAndKeepsHoles() throws Exception {
        byte[] source = new byte[16 * BLOCK];
        new SplittableRandom(9).nextBytes(source);
        Path src = Files.write(mount.path("src"), source);
        Path dst = mount.path("dst");
        try (Descriptor in = Descriptor.open(src, Descriptor.O_RDWR);
             Descriptor out = Descriptor.open(dst, Descriptor.O_RDWR | Descriptor.O_CREAT, 0644)) {
            in.fallocate(Descriptor.FALLOC_FL_PUNCH_HOLE | Descriptor.FALLOC_FL_KEEP_SIZE, 5 * BLOCK, 2 * BLOCK);
            Arrays.fill(source, 5 * BLOCK, 7 * BLOCK, (byte) 0);
            long before = copyRequests();
            assertEquals(16L * BLOCK, copyFully(in, 0, out, 0, 16 * BLOCK));
            assertTrue(copyRequests() > before, "memfs copied, not the kernel: " + mount.statistics());
            assertArrayEquals(source, out.pread(0, source.length + 1));
            assertEquals(5 * BLOCK, out.lseek(0, Descriptor.SEEK_HOLE), "the hole was copied as a hole");
            assertEquals(7 * BLOCK, out.lseek(5 * BLOCK, Descriptor.SEEK_DATA));

            assertEquals(1000, copyFully(in, 16 * BLOCK - 1000, out, 100, 5000), "short at the source's end");
            byte[] expected = source.clone();
            System.arraycopy(source, 16 * BLOCK - 1000, expected, 100, 1000);
            assertEquals(0, Descriptor.copyFileRange(in, 16 * BLOCK, out, 0, 10), "nothing past the end");

            assertEquals(3000, copyFully(out, 0, out, 20 * BLOCK, 3000), "within one file");
            byte[] grown = Arrays.copyOf(expected, 20 * BLOCK + 3000);
            System.arraycopy(expected, 0, grown, 20 * BLOCK, 3000);
            assertArrayEquals(grown, out.pread(0, grown.length + 1));
            assertErrno(Errno.EINVAL, () -> Descriptor.copyFileRange(out, 0, out, 1000, 3000));
        }
        try (Descriptor in = Descriptor.open(src, Descriptor.O_RDONLY);
             Descriptor append = Descriptor.open(dst, Descriptor.O_WRONLY | Descriptor.O_APPEND)) {
            assertErrno(Errno.EBADF, () -> Descriptor.copyFileRange(in, 0, append, 0, 10));
        }
    }

    /** The copy_file_range requests memfs served (the 7.45 kernel sends the _64 variant). */
    private long copyRequests() {
        return mount.statistics().requests(Opcode.COPY_FILE_RANGE) + mount.statistics().requests(Opcode.COPY_FILE_RANGE_64);
    }

    private static long copyFully(Descriptor in, long inOffset, Descriptor out, long outOffset, long length) {
        long done = 0;
        while (done < length) {
            long n = Descriptor.copyFileRange(in, inOffset + done, out, outOffset + done, length - done);
            if (n == 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    @Test
    void directIoWritesAndReadsAgreeWithBufferedIo() throws Exception {
        Path file = mount.path("direct");
        byte[] data = new byte[64 * 1024];
        new SplittableRandom(3).nextBytes(data);
        try (Arena arena = Arena.ofConfined();
             Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR | Descriptor.O_CREAT | Descriptor.O_DIRECT, 0644)) {
            MemorySegment aligned = arena.allocate(data.length, BLOCK);
            MemorySegment.copy(data, 0, aligned, ValueLayout.JAVA_BYTE, 0, data.length);
            assertEquals(data.length, fd.pwrite(aligned, BLOCK));
            MemorySegment back = arena.allocate(data.length, BLOCK);
            assertEquals(data.length, fd.pread(back, BLOCK));
            assertArrayEquals(data, back.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(1000, fd.pwrite(aligned.asSlice(0, 1000), 333), "FUSE takes unaligned direct I/O");
        }
        byte[] expected = new byte[BLOCK + data.length];
        System.arraycopy(data, 0, expected, BLOCK, data.length);
        System.arraycopy(data, 0, expected, 333, 1000);
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    /**
     * memfs answers an O_DIRECT open with FOPEN_DIRECT_IO and asks for DIRECT_IO_ALLOW_MMAP, so
     * such a file still maps shared (without that capability the driver refuses with ENODEV).
     */
    @Test
    void aFileOpenForDirectIoMapsShared() {
        Path file = mount.path("direct-mapped");
        byte[] data = new byte[2 * BLOCK];
        new SplittableRandom(5).nextBytes(data);
        try (Arena arena = Arena.ofConfined();
             Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR | Descriptor.O_CREAT | Descriptor.O_DIRECT, 0644)) {
            MemorySegment aligned = arena.allocate(data.length, BLOCK);
            MemorySegment.copy(data, 0, aligned, ValueLayout.JAVA_BYTE, 0, data.length);
            assertEquals(data.length, fd.pwrite(aligned, 0));
            MemorySegment mapping = fd.mapShared(data.length);
            assertArrayEquals(data, mapping.toArray(ValueLayout.JAVA_BYTE));
            mapping.set(ValueLayout.JAVA_BYTE, BLOCK + 7, (byte) (data[BLOCK + 7] + 1));
            Descriptor.unmapSynced(mapping);
            MemorySegment back = arena.allocate(data.length, BLOCK);
            assertEquals(data.length, fd.pread(back, 0));
            data[BLOCK + 7]++;
            assertArrayEquals(data, back.toArray(ValueLayout.JAVA_BYTE), "the mapped write reached memfs");
        }
    }

    @Test
    void randomOperationsMatchAByteModel() {
        Long fixed = Seeds.replay().isPresent() ? Seeds.replay().getAsLong() : null;
        List<Long> seeds = fixed != null ? List.of(fixed) : List.of(1L, 2L, 3L, 4L);
        for (long seed : seeds) {
            runModel(seed);
        }
    }

    private void runModel(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Path file = mount.path("model-" + seed);
        byte[] model = new byte[0];
        int limit = 64 * BLOCK;
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR | Descriptor.O_CREAT, 0644)) {
            for (int step = 0; step < 150; step++) {
                int offset = random.nextInt(limit);
                int length = 1 + random.nextInt(3 * BLOCK);
                String what = "seed " + seed + ", step " + step;
                switch (random.nextInt(6)) {
                    case 0, 1 -> {
                        byte[] data = new byte[length];
                        random.nextBytes(data);
                        assertEquals(length, fd.pwrite(data, offset), what);
                        model = Arrays.copyOf(model, Math.max(model.length, offset + length));
                        System.arraycopy(data, 0, model, offset, length);
                    }
                    case 2 -> {
                        fd.fallocate(Descriptor.FALLOC_FL_PUNCH_HOLE | Descriptor.FALLOC_FL_KEEP_SIZE, offset, length);
                        Arrays.fill(model, Math.min(offset, model.length), Math.min(offset + length, model.length), (byte) 0);
                    }
                    case 3 -> {
                        boolean keep = random.nextBoolean();
                        fd.fallocate(Descriptor.FALLOC_FL_ZERO_RANGE | (keep ? Descriptor.FALLOC_FL_KEEP_SIZE : 0), offset, length);
                        Arrays.fill(model, Math.min(offset, model.length), Math.min(offset + length, model.length), (byte) 0);
                        if (!keep) {
                            model = Arrays.copyOf(model, Math.max(model.length, offset + length));
                        }
                    }
                    case 4 -> {
                        fd.ftruncate(offset);
                        model = Arrays.copyOf(model, offset);
                    }
                    default -> {
                        fd.fallocate(0, offset, length);
                        model = Arrays.copyOf(model, Math.max(model.length, offset + length));
                    }
                }
                assertEquals(model.length, fd.statx().size(), what);
            }
            assertArrayEquals(model, fd.pread(0, model.length + 1), "seed " + seed);
            checkHolesAreZero(fd, model, "seed " + seed);
        }
    }

    /** Every hole lseek reports reads as zeros in the model, and every non-zero byte is in data. */
    private static void checkHolesAreZero(Descriptor fd, byte[] model, String what) {
        long position = 0;
        while (position < model.length) {
            long hole = fd.lseek(position, Descriptor.SEEK_HOLE);
            assertTrue(hole >= position && hole <= model.length, what + ": hole " + hole + " from " + position);
            if (hole == model.length) {
                break;
            }
            long data;
            try {
                data = fd.lseek(hole, Descriptor.SEEK_DATA);
            } catch (ErrnoException e) {
                assertEquals(Errno.ENXIO, e.errno(), what);
                data = model.length;
            }
            assertTrue(data > hole, what + ": data " + data + " after hole " + hole);
            for (long i = hole; i < data; i++) {
                if (model[(int) i] != 0) {
                    throw new AssertionError(what + ": byte " + i + " is " + model[(int) i] + " inside the hole ["
                            + hole + ", " + data + ")");
                }
            }
            position = data;
        }
    }
}
