package io.virtiofs.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write buffer against a model (a byte array): random writes, appends and truncations, then
 * an upload, whose object must equal the model, whether the early multipart upload ran to the
 * end, was abandoned by a write below it, or never started. Seeded; a failure prints its seed
 * ({@code -Dvirtiofs.seed=N} replays it).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PendingObjectTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path spill;

    private S3Config config() {
        return S3Config.builder().spillDirectory(spill).memoryBuffer(256 << 10).partSize(5L * MIB)
                .uploadConcurrency(3).build();
    }

    @Test
    void anAppenderUploadsItsFullPartsWhileItWrites() {
        MemoryStore store = new MemoryStore();
        PendingObject p = new PendingObject(config(), store);
        byte[] model = new byte[23 * MIB + 12345];
        new SplittableRandom(1).nextBytes(model);
        for (int at = 0; at < model.length; at += 100_000) {
            p.write("k", at, Unpooled.wrappedBuffer(model, at, Math.min(100_000, model.length - at)));
        }
        assertTrue(store.parts.get() >= 3, "full parts went up while writing: " + store.parts.get());
        p.upload("k").join();
        assertArrayEquals(model, store.objects.get("k"));
        assertEquals(0, store.openUploads());
        assertTrue(!p.dirty());
        p.discard();
    }

    @Test
    void randomWritesAndTruncationsUploadWhatWasWritten() throws Exception {
        long seed = Long.getLong("virtiofs.seed", System.nanoTime());
        System.out.println("PendingObjectTest seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 20; round++) {
            MemoryStore store = new MemoryStore();
            PendingObject p = new PendingObject(config(), store);
            byte[] model = new byte[0];
            int operations = random.nextInt(1, 40);
            for (int i = 0; i < operations; i++) {
                int kind = random.nextInt(10);
                if (kind < 6) { // append, the common case
                    byte[] data = new byte[random.nextInt(1, 2 * MIB)];
                    random.nextBytes(data);
                    p.write("k", model.length, Unpooled.wrappedBuffer(data));
                    model = concat(model, model.length, data);
                } else if (kind < 9) { // anywhere, maybe past the end (a hole)
                    byte[] data = new byte[random.nextInt(1, MIB)];
                    random.nextBytes(data);
                    int at = random.nextInt(0, model.length + MIB);
                    p.write("k", at, Unpooled.wrappedBuffer(data));
                    model = concat(model, at, data);
                } else {
                    int size = random.nextInt(0, model.length + MIB);
                    p.truncate(size);
                    model = Arrays.copyOf(model, size);
                }
                assertEquals(model.length, p.size(), "seed " + seed);
            }
            p.upload("k").join();
            assertArrayEquals(model, store.objects.get("k"), "seed " + seed + " round " + round);
            ByteBuf back = Unpooled.buffer(model.length);
            assertEquals(model.length, p.read(0, model.length, back));
            assertArrayEquals(model, Arrays.copyOf(back.array(), model.length), "reads of the buffer, seed " + seed);
            back.release();
            assertEquals(0, store.openUploads(), "abandoned uploads are aborted, seed " + seed);
            p.discard();
        }
        try (var left = Files.list(spill)) {
            assertEquals(0, left.count(), "spill files left behind");
        }
    }

    private static byte[] concat(byte[] model, int at, byte[] data) {
        byte[] result = Arrays.copyOf(model, Math.max(model.length, at + data.length));
        System.arraycopy(data, 0, result, at, data.length);
        return result;
    }
}
