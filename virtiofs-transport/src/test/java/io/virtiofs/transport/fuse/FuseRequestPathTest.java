package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.transport.internal.Seeds;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Requests through a real mount: large writes reach the handler whole, handler failures become EIO. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseRequestPathTest extends FuseMountFixture {

    @Test
    void aOneMebibyteDirectWriteArrivesAsOneRequest() throws Exception {
        long seed = Seeds.orElse(System.nanoTime());
        int size = FuseServerConfig.MAX_MAX_WRITE;
        MinimalFuseHandler handler = new MinimalFuseHandler(size);
        FuseMount mount = mount(handler, options().maxWrite(size).build());
        assertEquals(size + 4096, mount.options().bufferSize());

        byte[] content = new byte[size];
        new SplittableRandom(seed).nextBytes(content);
        // Page-aligned, so the kernel pins exactly 256 pages (max_pages) for the one request.
        ByteBuffer data = ByteBuffer.allocateDirect(size + 4096).alignedSlice(4096).limit(size);
        data.put(content).flip();
        try (FileChannel file = FileChannel.open(mountpoint.resolve(MinimalFuseHandler.FILE_NAME), StandardOpenOption.WRITE)) {
            assertEquals(size, file.write(data, 0), "seed " + seed);
        }
        assertEquals(List.of(size), handler.writeSizes, "seed " + seed);
        assertArrayEquals(content, Arrays.copyOf(handler.written, size), "seed " + seed);
        assertEquals(256, mount.negotiated().orElseThrow().maxPages());
    }

    @Test
    void aFailingHandlerAnswersEioAndTheWorkerLivesOn() throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().workers(1).build());
        assertTrue(Files.readAttributes(mountpoint, PosixFileAttributes.class).isDirectory());

        FileSystemException thrown = assertThrows(FileSystemException.class,
                () -> Files.readAttributes(mountpoint.resolve(MinimalFuseHandler.EXPLODING_NAME), PosixFileAttributes.class));
        assertEquals("Input/output error", thrown.getReason());
        FileSystemException tooLarge = assertThrows(FileSystemException.class,
                () -> Files.readAttributes(mountpoint.resolve(MinimalFuseHandler.TOO_LARGE_NAME), PosixFileAttributes.class));
        assertEquals("Input/output error", tooLarge.getReason());

        assertTrue(Files.readAttributes(mountpoint, PosixFileAttributes.class).isDirectory());
        assertTrue(mount.isActive());
        assertTrue(mount.failure().isEmpty());
        assertTrue(mount.workerThreads().getFirst().isAlive());
    }
}
