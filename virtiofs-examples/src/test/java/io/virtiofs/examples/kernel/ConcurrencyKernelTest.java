package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.ErrnoException;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.testkit.support.Seeds;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Load through the kernel: writers sharing one file keep their regions intact; and an unmount in
 * the middle of writers that fsync loses none of the writes they saw acknowledged (the same memfs,
 * mounted again, still has them).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConcurrencyKernelTest {

    private static final long SEED = Seeds.orElse(4242L);
    private static final int WRITERS = 4;

    private MemFsMount mount;
    private ExecutorService pool;

    @AfterEach
    void tearDown() throws Exception {
        if (pool != null) {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (mount != null) {
            mount.close();
        }
    }

    @Test
    void concurrentWritersOnOneFileKeepTheirRegionsIntact() throws Exception {
        mount = MemFsMount.mount();
        Path file = Files.createFile(mount.path("shared"));
        int region = 300_007; // regions meet inside pages and blocks
        byte[] expected = new byte[WRITERS * region];
        pool = Executors.newFixedThreadPool(WRITERS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<byte[]>> writers = new ArrayList<>();
        for (int t = 0; t < WRITERS; t++) {
            int writer = t;
            writers.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(SEED * 31 + writer);
                byte[] model = new byte[region];
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    start.await();
                    for (int op = 0; op < 150; op++) {
                        int offset = random.nextInt(region);
                        byte[] data = new byte[Math.min(region - offset, 1 + random.nextInt(20_000))];
                        random.nextBytes(data);
                        ByteBuffer buffer = ByteBuffer.wrap(data);
                        while (buffer.hasRemaining()) {
                            channel.write(buffer, (long) writer * region + offset + buffer.position());
                        }
                        System.arraycopy(data, 0, model, offset, data.length);
                    }
                    channel.write(ByteBuffer.wrap(new byte[] {model[region - 1]}), (long) (writer + 1) * region - 1);
                }
                return model;
            }));
        }
        start.countDown();
        for (int t = 0; t < WRITERS; t++) {
            System.arraycopy(writers.get(t).get(30, TimeUnit.SECONDS), 0, expected, t * region, region);
        }
        byte[] actual = Files.readAllBytes(file);
        assertEquals(expected.length, actual.length, "seed " + SEED);
        for (int t = 0; t < WRITERS; t++) {
            assertArrayEquals(Arrays.copyOfRange(expected, t * region, (t + 1) * region),
                    Arrays.copyOfRange(actual, t * region, (t + 1) * region), "region of writer " + t + ", seed " + SEED);
        }
    }

    /** The bytes of chunk {@code k} of writer {@code writer}: reproducible from the seed. */
    private static byte[] chunk(int writer, int k, int size) {
        byte[] data = new byte[size];
        new SplittableRandom(SEED * 1_000_003 + writer * 7919L + k).nextBytes(data);
        return data;
    }

    @Test
    void unmountingUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        MemFs fs = new MemFs(MemFsMount.config().build());
        mount = MemFsMount.mount(fs, UnaryOperator.identity());
        FuseServer firstServer = mount.server();
        int chunkSize = 8192 + 17;
        AtomicInteger[] acknowledged = new AtomicInteger[WRITERS];
        CountDownLatch warmedUp = new CountDownLatch(WRITERS);
        AtomicBoolean stop = new AtomicBoolean();
        pool = Executors.newFixedThreadPool(WRITERS + 1);
        List<Future<String>> writers = new ArrayList<>();
        for (int t = 0; t < WRITERS; t++) {
            int writer = t;
            acknowledged[t] = new AtomicInteger();
            Path file = mount.path("writer-" + t);
            writers.add(pool.submit(() -> {
                Descriptor fd = Descriptor.open(file, Descriptor.O_WRONLY | Descriptor.O_CREAT, 0644);
                try {
                    for (int k = 0; ; k++) {
                        fd.pwrite(chunk(writer, k, chunkSize), (long) k * chunkSize);
                        fd.fsync();
                        acknowledged[writer].set(k + 1);
                        if (k == 20) {
                            warmedUp.countDown();
                        }
                    }
                } catch (ErrnoException e) {
                    return e.errno().name();
                } finally {
                    warmedUp.countDown();
                    try {
                        fd.close();
                    } catch (ErrnoException gone) {
                        // the mount went away under the descriptor
                    }
                }
            }));
        }
        Future<?> reader = pool.submit(() -> {
            while (!stop.get()) {
                try (var listing = Files.list(mount.root())) {
                    listing.forEach(path -> path.toFile().length());
                } catch (Exception e) {
                    return;
                }
            }
        });
        assertTrue(warmedUp.await(30, TimeUnit.SECONDS), "the writers got going");

        mount.unmount();
        stop.set(true);
        List<String> endings = new ArrayList<>();
        for (Future<String> writer : writers) {
            endings.add(writer.get(20, TimeUnit.SECONDS));
        }
        reader.get(20, TimeUnit.SECONDS);

        mount.remount();
        assertNotSame(firstServer, mount.server(), "a new session");
        for (int t = 0; t < WRITERS; t++) {
            int acked = acknowledged[t].get();
            assertTrue(acked > 20, "writer " + t + " acknowledged " + acked);
            byte[] content = Files.readAllBytes(mount.path("writer-" + t));
            assertTrue(content.length >= (long) acked * chunkSize, "writer " + t + ": " + content.length + " bytes for "
                    + acked + " acknowledged chunks (ended with " + endings.get(t) + ")");
            for (int k = 0; k < acked; k++) {
                assertArrayEquals(chunk(t, k, chunkSize), Arrays.copyOfRange(content, k * chunkSize, (k + 1) * chunkSize),
                        "writer " + t + ", chunk " + k + " was acknowledged; seed " + SEED);
            }
        }
        mount.unmount();
    }
}
