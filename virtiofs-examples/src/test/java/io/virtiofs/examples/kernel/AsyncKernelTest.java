package io.virtiofs.examples.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.examples.async.LaterFileSystem;
import io.virtiofs.testkit.support.ErrorLogWatch;
import io.virtiofs.examples.memfs.MemFs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An asynchronous file system mounted through the kernel, over /dev/fuse and over io_uring: reads
 * and getattrs complete later on threads of the file system's own and out of order, small
 * requests are answered while slow reads are pending, an interrupted caller's pending request is
 * cancelled (FUSE_INTERRUPT reaches it through its context), and unmounting with requests pending
 * cancels them and does not hang.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AsyncKernelTest {

    private MemFsMount mount;
    private LaterFileSystem fs;

    private void mount(boolean overIoUring) throws Exception {
        MountPrerequisites.requireMounting();
        if (overIoUring) {
            MountPrerequisites.requireIoUring();
        }
        fs = new LaterFileSystem(new MemFs(MemFsMount.config().build()));
        mount = MemFsMount.mount(fs, options -> options.ioUring(overIoUring));
    }

    @AfterEach
    void unmount() {
        if (fs != null) {
            fs.releaseSlow();
        }
        if (mount != null) {
            mount.close();
        }
    }

    /** Writes {@code name}, then mounts again: the page cache is gone and reads reach the file system. */
    private long writeThenRemount(String name, String content) throws Exception {
        Files.writeString(mount.path(name), content);
        mount.remount();
        return (Long) Files.getAttribute(mount.path(name), "unix:ino");
    }

    @ParameterizedTest(name = "over io_uring: {0}")
    @ValueSource(booleans = {false, true})
    @Timeout(120)
    void smallRequestsAreAnsweredWhileSlowReadsArePending(boolean overIoUring) throws Exception {
        mount(overIoUring);
        for (int i = 0; i < 6; i++) {
            Files.writeString(mount.path("f" + i), "content of file " + i);
        }
        long slow = writeThenRemount("slow", "the slow content");
        fs.slow(slow);
        Path slowPath = mount.path("slow");
        CompletableFuture<byte[]> slowRead = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readAllBytes(slowPath);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(fs.awaitSlow(1), "the slow read did not reach the file system");
        int laterBefore = fs.completedLater.get();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 6; i++) {
                assertEquals("content of file " + i, Files.readString(mount.path("f" + i)));
                assertEquals(("content of file " + i).length(), Files.size(mount.path("f" + i)));
            }
        }
        assertTrue(fs.completedLater.get() > laterBefore, "the small requests completed later too");
        assertFalse(slowRead.isDone(), "the slow read is still pending");
        fs.releaseSlow();
        assertArrayEquals("the slow content".getBytes(StandardCharsets.UTF_8), slowRead.get(20, TimeUnit.SECONDS));
        if (overIoUring) {
            assertTrue(mount.fuse().requestsOverIoUring() > 0, "no request went over io_uring");
        }
    }

    @ParameterizedTest(name = "over io_uring: {0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedCallersPendingRequestIsCancelled(boolean overIoUring) throws Exception {
        mount(overIoUring);
        long slow = writeThenRemount("slow", "held");
        fs.slow(slow);
        // cat's fstat of the file it opened is a GETATTR the caller waits for: a signal to the
        // caller makes the kernel send FUSE_INTERRUPT.
        ChildProcess cat = ChildProcess.start("cat", mount.path("slow").toString());
        try {
            assertTrue(fs.awaitSlow(1), "cat's request did not reach the file system");
            cat.destroy();
            Eventually.await("the pending request is cancelled", Duration.ofSeconds(20),
                    () -> fs.cancelled.get() == 1 && fs.slowWaiting() == 0);
            assertTrue(mount.statistics().interruptsDelivered() >= 1, mount.statistics().toString());
        } finally {
            cat.destroy();
        }
        // The mount goes on.
        fs.releaseSlow();
        assertEquals("held", Files.readString(mount.path("slow")));
    }

    @ParameterizedTest(name = "over io_uring: {0}")
    @ValueSource(booleans = {false, true})
    void unmountingWithRequestsPendingCancelsThemAndDoesNotHang(boolean overIoUring) throws Exception {
        mount(overIoUring);
        long slow = writeThenRemount("slow", "never read");
        fs.slow(slow);
        Path slowPath = mount.path("slow");
        CompletableFuture<Void> readers = CompletableFuture.allOf(
                CompletableFuture.runAsync(() -> readQuietly(slowPath)),
                CompletableFuture.runAsync(() -> readQuietly(slowPath)));
        assertTrue(fs.awaitSlow(1), "no read reached the file system");
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            long started = System.nanoTime();
            mount.fuse().close();
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(15),
                    "unmounting took " + Duration.ofNanos(System.nanoTime() - started));
            readers.get(20, TimeUnit.SECONDS);
            assertTrue(fs.cancelled.get() >= 1, "the pending requests were cancelled: " + fs.cancelled.get());
            assertEquals(0, fs.slowWaiting());
            assertEquals(java.util.List.of(), log.errors());
        }
    }

    private static void readQuietly(Path path) {
        try {
            Files.readAllBytes(path);
        } catch (java.io.IOException expected) {
            // The mount went away under the reader.
        }
    }
}
