package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.testkit.support.ErrorLogWatch;
import io.virtiofs.testkit.support.FuzzBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the replies memfs and the server write to /dev/fuse: random system calls through a real
 * kernel mount (creates, reads and writes at offsets up to 2^63 - 1 and sizes up to 1 MiB, odd
 * buffer sizes for getxattr, listxattr, getdents64 and readlink, truncates, fallocate modes,
 * lseek SEEK_DATA/SEEK_HOLE, copy_file_range, renames with flags, links, symlinks, chmod and
 * utimens at the edges), each of whose replies the kernel checks before the caller sees it.
 *
 * <p>Properties: the kernel refuses no reply (a refused write to /dev/fuse, and a caller seeing
 * EIO, which is what a malformed reply becomes), no ERROR line, the mount keeps serving.
 * Time-bounded: {@link FuzzBudget}. Needs root and /dev/fuse (skips otherwise; fails with CI=true).
 */
@Timeout(900)
class DevFuseFuzzTest {

    private static final long[] OFFSETS = {0, 1, 4095, 4096, 1L << 20, (1L << 31) - 1, 1L << 32, (1L << 40) + 7,
            Long.MAX_VALUE - 1, Long.MAX_VALUE};
    private static final int[] SIZES = {0, 1, 2, 7, 64, 255, 4096, 65535, 65536, 65537, 1 << 20};

    @Test
    void everyReplyWrittenToDevFuseIsOneTheKernelAccepts() throws Exception {
        FuzzBudget budget = FuzzBudget.start("/dev/fuse replies", 15);
        SplittableRandom random = budget.random();
        List<String> refused = new CopyOnWriteArrayList<>();
        // Over /dev/fuse a worker logs a reply the kernel refused; over io_uring, its ring queue.
        List<Logger> writers = List.of(Logger.getLogger("io.virtiofs.transport.fuse.FuseWorker"),
                Logger.getLogger("io.virtiofs.transport.fuse.FuseRingQueue"));
        Handler refusals = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue() && record.getMessage() != null
                        && record.getMessage().contains("refused")) {
                    refused.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        writers.forEach(writer -> writer.addHandler(refusals));
        long iteration = 0;
        long failures = 0;
        try (ErrorLogWatch log = new ErrorLogWatch();
             MemFsMount mount = MemFsMount.mount(new MemFs(MemFsMount.config().capacityBytes(256 << 20).build()),
                     options -> options.defaultPermissions(random.nextBoolean()))) {
            Path root = mount.path("fuzz");
            Files.createDirectory(root);
            List<Path> names = new ArrayList<>();
            for (String name : List.of("a", "b", "c", "dir", "d/e", "link", "x".repeat(255))) {
                names.add(root.resolve(name));
            }
            Files.createDirectory(root.resolve("d"));
            for (; budget.more(iteration); iteration++) {
                try {
                    act(random, root, names);
                } catch (ErrnoException e) {
                    failures++;
                    if (e.errno() == Errno.EIO) {
                        throw new AssertionError(budget.at(iteration, "EIO: a reply the kernel could not use? " + e), e);
                    }
                } catch (java.io.IOException e) {
                    failures++;
                    if (String.valueOf(e.getMessage()).contains("Input/output error")) {
                        throw new AssertionError(budget.at(iteration, "EIO: " + e), e);
                    }
                }
                if (!refused.isEmpty() || !log.errors().isEmpty()) {
                    throw new AssertionError(budget.at(iteration, "refused replies " + refused + ", ERROR lines "
                            + log.errors()));
                }
            }
            Files.writeString(root.resolve("after"), "still serving");
            assertEquals("still serving", Files.readString(root.resolve("after")));
            assertEquals(List.of(), log.errors(), budget.at(iteration, "ERROR lines"));
        } finally {
            writers.forEach(writer -> writer.removeHandler(refusals));
        }
        assertEquals(List.of(), refused, "replies the kernel refused");
        System.out.println("fuzz /dev/fuse replies: " + iteration + " system calls, " + failures + " failed with an errno");
        assertTrue(iteration > 200, budget.at(iteration, "too few system calls"));
    }

    private static void act(SplittableRandom random, Path root, List<Path> names) throws Exception {
        Path path = names.get(random.nextInt(names.size()));
        Path other = names.get(random.nextInt(names.size()));
        long offset = random.nextBoolean() ? OFFSETS[random.nextInt(OFFSETS.length)] : random.nextInt(0, 1 << 21);
        int size = SIZES[random.nextInt(SIZES.length)];
        switch (random.nextInt(18)) {
            case 0 -> Descriptor.open(path, Descriptor.O_CREAT | Descriptor.O_RDWR, random.nextInt(07777)).close();
            case 1 -> {
                try (Descriptor fd = Descriptor.open(path, Descriptor.O_RDWR)) {
                    fd.pwrite(new byte[Math.min(size, 1 << 20)], offset);
                }
            }
            case 2 -> {
                try (Descriptor fd = Descriptor.open(path, Descriptor.O_RDONLY)) {
                    fd.pread(offset, size);
                }
            }
            case 3 -> PathCalls.truncate(path, random.nextBoolean() ? random.nextInt(0, 1 << 21) : offset);
            case 4 -> {
                try (Descriptor fd = Descriptor.open(path, Descriptor.O_RDWR)) {
                    int[] modes = {0, Descriptor.FALLOC_FL_KEEP_SIZE, Descriptor.FALLOC_FL_PUNCH_HOLE
                            | Descriptor.FALLOC_FL_KEEP_SIZE, Descriptor.FALLOC_FL_ZERO_RANGE, 0x20, 0x40};
                    fd.fallocate(modes[random.nextInt(modes.length)], offset, random.nextInt(0, 1 << 20));
                }
            }
            case 5 -> {
                try (Descriptor fd = Descriptor.open(path, Descriptor.O_RDONLY)) {
                    fd.lseek(offset, random.nextBoolean() ? Descriptor.SEEK_DATA : Descriptor.SEEK_HOLE);
                }
            }
            case 6 -> XattrCalls.set(path, random.nextBoolean() ? "user.a" : "user." + "n".repeat(random.nextInt(1, 250)),
                    new byte[Math.min(size, 65536)], random.nextInt(3));
            case 7 -> {
                if (size == 0) {
                    XattrCalls.size(path, "user.a");
                } else {
                    XattrCalls.get(path, "user.a", size);
                }
            }
            case 8 -> {
                if (size == 0) {
                    XattrCalls.listSize(path);
                } else {
                    XattrCalls.list(path, size);
                }
            }
            case 9 -> {
                try (Descriptor fd = Descriptor.open(root.resolve(random.nextBoolean() ? "d" : "."),
                        Descriptor.O_RDONLY | Descriptor.O_DIRECTORY)) {
                    fd.getdents(Math.max(size, 1));
                }
            }
            case 10 -> PathCalls.rename(path, other, random.nextInt(4));
            case 11 -> PathCalls.link(path, other);
            case 12 -> PathCalls.symlink("t".repeat(random.nextInt(1, 4096)), path);
            case 13 -> Files.readSymbolicLink(path);
            case 14 -> PathCalls.chmod(path, random.nextInt(010000));
            case 15 -> PathCalls.utimens(path, offset, random.nextInt(1_000_000_000), -offset, random.nextInt(1_000_000_000), 0);
            case 16 -> {
                try (Descriptor in = Descriptor.open(path, Descriptor.O_RDONLY);
                     Descriptor out = Descriptor.open(other, Descriptor.O_WRONLY)) {
                    Descriptor.copyFileRange(in, offset & ((1L << 40) - 1), out, random.nextInt(0, 1 << 20), size);
                }
            }
            default -> {
                if (random.nextBoolean()) {
                    PathCalls.unlink(path);
                } else {
                    PathCalls.mkdir(path, random.nextInt(01000));
                }
            }
        }
    }
}
