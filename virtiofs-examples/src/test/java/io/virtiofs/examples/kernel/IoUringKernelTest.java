package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.transport.fuse.FuseMount;
import io.virtiofs.transport.fuse.FuseMountException;
import io.virtiofs.transport.fuse.FuseMountOptions;
import io.virtiofs.transport.fuse.RingFlag;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FUSE over io_uring ({@link FuseMountOptions#ioUring}): ordinary requests go over the rings and
 * carry their data both ways intact, from several threads at once; an external unmount ends the
 * session; a kernel with the switch off refuses the mount with a clear error. (The whole kernel
 * suite also runs over io_uring once per build: {@code -Dvirtiofs.test.ioUring=true}.)
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IoUringKernelTest {

    private static final long SEED = Seeds.orElse(2611L);

    private MemFsMount mount;

    @BeforeEach
    void mountOverRings() {
        MountPrerequisites.requireMounting();
        MountPrerequisites.requireIoUring();
        mount = MemFsMount.mount(new MemFs(MemFsMount.config().build()), options -> options.ioUring(true));
    }

    @AfterEach
    void unmount() {
        if (mount != null) {
            mount.close();
        }
    }

    @Test
    void ordinaryRequestsGoOverTheRingsWithTheirDataIntact() throws IOException {
        SplittableRandom random = new SplittableRandom(SEED);
        Path file = mount.path("data");
        byte[] content = new byte[3 * (1 << 20) + 12345];
        random.nextBytes(content);
        Files.write(file, content);
        assertArrayEquals(content, Files.readAllBytes(file), "seed " + SEED);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int i = 0; i < 200; i++) {
                int offset = random.nextInt(content.length);
                int length = Math.min(content.length - offset, 1 + random.nextInt(300_000));
                ByteBuffer read = ByteBuffer.allocate(length);
                while (read.hasRemaining() && channel.read(read, offset + read.position()) > 0) {
                    // reads until full
                }
                assertEquals(ByteBuffer.wrap(content, offset, length), read.flip(),
                        "bytes at " + offset + " of " + length + " (seed " + SEED + ")");
            }
        }
        String longName = "n".repeat(255);
        Files.writeString(mount.path(longName), "named");
        try (Stream<Path> listing = Files.list(mount.root())) {
            assertEquals(List.of("data", longName), listing.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("named", Files.readString(mount.path(longName)));
        FuseMount fuse = mount.fuse();
        long overRings = fuse.requestsOverIoUring();
        assertTrue(overRings >= mount.statistics().requests(Opcode.WRITE) + mount.statistics().requests(Opcode.READ),
                overRings + " requests over the rings, fewer than the reads and writes alone");
    }

    @Test
    void readersOnSeveralThreadsAllGetTheirBytes() throws Exception {
        readConcurrently(SEED + 1);
    }

    /**
     * One entry per queue, rings set up with COOP_TASKRUN instead of DEFER_TASKRUN: eight threads
     * reading with O_DIRECT queue up behind the one entry of their CPU and all get their bytes.
     */
    @Test
    void aOneEntryRingOfOtherFlagsServesEightDirectReaders() throws Exception {
        mount.close();
        mount = MemFsMount.mount(new MemFs(MemFsMount.config().build()),
                options -> options.ioUring(true).ringDepth(1).ringFlags(Set.of(RingFlag.COOP_TASKRUN)));
        SplittableRandom random = new SplittableRandom(SEED + 2);
        byte[] content = new byte[1 << 20];
        random.nextBytes(content);
        Path file = mount.path("direct");
        Files.write(file, content);
        long before = mount.fuse().requestsOverIoUring();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = random.nextLong();
                results.add(pool.submit(() -> {
                    SplittableRandom own = new SplittableRandom(seed);
                    try (Arena arena = Arena.ofConfined();
                         Descriptor fd = Descriptor.open(file, Descriptor.O_RDONLY | Descriptor.O_DIRECT)) {
                        MemorySegment block = arena.allocate(4096, 4096);
                        for (int i = 0; i < 200; i++) {
                            int offset = own.nextInt(content.length / 4096) * 4096;
                            assertEquals(4096, fd.pread(block, offset));
                            assertEquals(ByteBuffer.wrap(content, offset, 4096), block.asByteBuffer(), "at " + offset);
                        }
                    }
                    return 200;
                }));
            }
            for (Future<Integer> result : results) {
                assertEquals(200, result.get());
            }
        } finally {
            pool.shutdownNow();
        }
        long overRings = mount.fuse().requestsOverIoUring() - before;
        assertTrue(overRings >= 8 * 200, overRings + " requests over the rings for 1,600 direct reads");
    }

    private void readConcurrently(long firstSeed) throws Exception {
        SplittableRandom random = new SplittableRandom(firstSeed);
        byte[] content = new byte[1 << 20];
        random.nextBytes(content);
        Path file = mount.path("shared");
        Files.write(file, content);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = random.nextLong();
                Callable<Integer> reader = () -> {
                    SplittableRandom own = new SplittableRandom(seed);
                    int checked = 0;
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                        for (int i = 0; i < 300; i++) {
                            int offset = own.nextInt(content.length - 4096);
                            ByteBuffer read = ByteBuffer.allocate(4096);
                            channel.read(read, offset);
                            assertEquals(ByteBuffer.wrap(content, offset, 4096), read.flip(), "at " + offset);
                            checked++;
                        }
                    }
                    return checked;
                };
                results.add(pool.submit(reader));
            }
            for (Future<Integer> result : results) {
                assertEquals(300, result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anExternalUnmountEndsTheSession() throws Exception {
        Files.writeString(mount.path("file"), "x");
        FuseMount fuse = mount.fuse();
        assertTrue(fuse.requestsOverIoUring() > 0);
        Process umount = new ProcessBuilder("umount", mount.root().toString()).inheritIO().start();
        assertEquals(0, umount.waitFor());
        assertTrue(fuse.awaitTermination(Duration.ofSeconds(10)), "the session outlived the unmount");
        assertTrue(fuse.wasUnmountedExternally());
        assertTrue(fuse.failure().isEmpty(), () -> "failed: " + fuse.failure().orElseThrow());
    }

    /**
     * Nothing here sends a signal, so no request may be interrupted. Mounting checks that the
     * process may make rings by making one; when that ran on the mounting thread, the kernel's
     * teardown of the closed ring later interrupted whatever FUSE request that thread was waiting
     * on, and a mkdir right after the mount could fail with EINTR (at least 9 interrupted mounts in 600).
     * Not every round catches such a regression; 150 mounts nearly always do.
     */
    @Test
    @Timeout(60)
    void theThreadThatMountsIsNotInterruptedRightAfterwards() throws IOException {
        mount.close();
        mount = null;
        for (int round = 0; round < 150; round++) {
            try (MemFsMount fresh = MemFsMount.mount(new MemFs(MemFsMount.config().build()),
                    options -> options.ioUring(true))) {
                Path dir = Files.createDirectory(fresh.path("dir"));
                long until = System.nanoTime() + Duration.ofMillis(10).toNanos();
                for (int i = 0; System.nanoTime() < until; i++) {
                    Files.exists(dir.resolve("absent-" + (i % 64)));
                }
                assertEquals(0, fresh.statistics().interrupts(), "interrupts seen by mount " + round);
            }
        }
    }

    @Test
    void aKernelWithTheSwitchOffRefusesTheMountClearly() throws Exception {
        mount.close();
        mount = null;
        Files.writeString(MountPrerequisites.ENABLE_URING, "N");
        try {
            Path elsewhere = Files.createTempDirectory(Path.of("/tmp"), "kerneltest-off-");
            try {
                FuseMountException refused = assertThrows(FuseMountException.class,
                        () -> FuseMount.mount(new MemFs(MemFsMount.config().build()),
                                FuseMountOptions.builder(elsewhere).ioUring(true).build()).close());
                assertEquals(FuseMountException.Reason.IO_URING_UNAVAILABLE, refused.reason());
                assertTrue(refused.getMessage().contains("enable_uring is N"), refused.getMessage());
            } finally {
                Files.delete(elsewhere);
            }
        } finally {
            Files.writeString(MountPrerequisites.ENABLE_URING, "Y");
        }
    }
}
