package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.server.Negotiation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Mounts through the kernel's /dev/fuse with {@link MinimalFuseHandler} and runs real system calls. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseMountTest extends FuseMountFixture {

    @Test
    void mountStatListLookUpAndUnmount() throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().build());
        assertTrue(mount.isActive());

        PosixFileAttributes root = Files.readAttributes(mountpoint, PosixFileAttributes.class);
        assertTrue(root.isDirectory());
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(root.permissions()));
        assertEquals(FileTime.from(MinimalFuseHandler.ROOT_MTIME * 1_000_000_000L + 2, TimeUnit.NANOSECONDS),
                root.lastModifiedTime());
        assertEquals(4096L, root.size());
        Map<String, Object> unix = Files.readAttributes(mountpoint, "unix:ino,mode,nlink,uid,gid");
        assertEquals(Map.of("ino", 1L, "mode", MinimalFuseHandler.ROOT_MODE, "nlink", 2, "uid", 0, "gid", 0), unix);

        try (Stream<Path> listing = Files.list(mountpoint)) {
            assertEquals(List.of(mountpoint.resolve(MinimalFuseHandler.LISTED_NAME)), listing.toList());
        }
        assertThrows(NoSuchFileException.class,
                () -> Files.readAttributes(mountpoint.resolve("missing"), PosixFileAttributes.class));

        MountInfo info = fuseMountAt(mountpoint).orElseThrow();
        assertEquals(List.of("fuse.minimal", "fusetest"), List.of(info.type(), info.source()));
        assertTrue(info.mountOptions().contains("nosuid") && info.mountOptions().contains("nodev"), info.mountOptions());
        assertTrue(info.superOptions().contains("user_id=0") && info.superOptions().contains("group_id=0"), info.superOptions());

        Negotiation negotiated = mount.negotiated().orElseThrow();
        InitOut initReply = java.util.Objects.requireNonNull(handler.initReply);
        assertEquals(initReply.minor(), negotiated.version().minor());
        assertEquals(initReply.flags(), io.virtiofs.protocol.InitFlags.flags(negotiated.accepted()));
        assertEquals(MAX_WRITE, negotiated.maxWrite());
        assertEquals(MAX_WRITE, mount.serverConfig().maxWrite());
        assertTrue(mount.serverConfig().answerUnknownInterrupts());
        assertTrue(mount.serverConfig().notifications().isPresent());

        List<Thread> workers = mount.workerThreads();
        assertEquals(2, workers.size());
        mount.close();
        assertFalse(mount.isActive());
        assertTrue(fuseMountAt(mountpoint).isEmpty(), "still mounted after close");
        for (Thread worker : workers) {
            assertFalse(worker.isAlive(), worker.getName() + " is still running");
            assertTrue(worker.getName().matches("virtiofs-fuse-\\d+-worker-[01]"), worker.getName());
        }
        assertEquals(1, handler.sessionEndedCalls.get());
        assertTrue(mount.failure().isEmpty());
        assertFalse(mount.wasUnmountedExternally());
        mount.close(); // idempotent
        assertEquals(1, handler.sessionEndedCalls.get());
    }

    @Test
    void concurrentStatsAreServedBySeveralWorkers() throws Exception {
        int workers = 3;
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        mount(handler, options().workers(workers).build());
        Files.readAttributes(mountpoint, PosixFileAttributes.class); // INIT done, STATX settled
        // Each GETATTR now waits until `workers` of them are in the handler at once: only
        // distinct workers can get there.
        handler.getattrBarrier = new CyclicBarrier(workers);
        ExecutorService clients = Executors.newFixedThreadPool(workers);
        try {
            List<Future<PosixFileAttributes>> stats = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                stats.add(clients.submit(() -> Files.readAttributes(mountpoint, PosixFileAttributes.class)));
            }
            for (Future<PosixFileAttributes> stat : stats) {
                assertTrue(stat.get(20, TimeUnit.SECONDS).isDirectory());
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(workers, handler.getattrThreadsAtBarrier.size(), handler.getattrThreadsAtBarrier.toString());
    }

    @Test
    void externalUmountEndsTheSessionQuietly() throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().build());
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        List<String> descriptorsWhileMounted = fuseAndEventDescriptors();

        Process umount = new ProcessBuilder("umount", mountpoint.toString()).redirectErrorStream(true).start();
        String output = new String(umount.getInputStream().readAllBytes());
        assertEquals(0, umount.waitFor(), "umount said: " + output);

        assertTrue(mount.awaitTermination(Duration.ofSeconds(20)), "the session did not end");
        assertFalse(mount.isActive());
        assertTrue(mount.wasUnmountedExternally());
        assertTrue(mount.failure().isEmpty(), () -> "failure: " + mount.failure());
        for (Thread worker : mount.workerThreads()) {
            worker.join(10_000);
            assertFalse(worker.isAlive(), worker.getName() + " is still running");
        }
        assertEquals(1, handler.sessionEndedCalls.get());
        // 2 clones, the session descriptor and the stop eventfd are closed.
        List<String> closed = new ArrayList<>(descriptorsWhileMounted);
        closed.removeAll(fuseAndEventDescriptors());
        assertEquals(4, closed.size(), "closed " + closed + " of " + descriptorsWhileMounted);
        mount.close(); // nothing left to unmount; no exception
        assertTrue(fuseMountAt(mountpoint).isEmpty());
    }

    @Test
    void runUntilStoppedUnmountsOnSigtermAndPutsTheHandlersBack() throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().build());
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Void> running = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                mount.runUntilStopped(ready::countDown);
            } catch (FuseMountException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        assertTrue(ready.await(20, TimeUnit.SECONDS), "ready never ran");
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        sun.misc.Signal.raise(new sun.misc.Signal("TERM"));
        running.get(20, TimeUnit.SECONDS);
        assertFalse(mount.isActive());
        assertFalse(mount.wasUnmountedExternally());
        assertTrue(fuseMountAt(mountpoint).isEmpty(), "unmounted");
        // The JVM's own handler is back: installing ours again returns it, not the one that unmounted.
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> { });
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), previous);
        assertFalse(previous.getClass().getName().contains("StopSignals"), previous.toString());
    }

    @Test
    void runUntilStoppedReturnsWhenUnmountedFromOutside() throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().build());
        java.util.concurrent.CompletableFuture<Void> running = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                mount.runUntilStopped();
            } catch (FuseMountException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        Process umount = new ProcessBuilder("umount", mountpoint.toString()).redirectErrorStream(true).start();
        assertEquals(0, umount.waitFor(), new String(umount.getInputStream().readAllBytes()));
        running.get(20, TimeUnit.SECONDS);
        assertTrue(mount.wasUnmountedExternally());
    }

    @Test
    void theMountpointCanBeMountedAgainAfterClose() throws Exception {
        List<String> before = fuseAndEventDescriptors();
        for (int round = 0; round < 2; round++) {
            MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
            try (FuseMount mount = mount(handler, options().build())) {
                assertTrue(Files.isDirectory(mountpoint), "round " + round);
                assertTrue(mount.negotiated().isPresent(), "round " + round);
            }
            assertTrue(fuseMountAt(mountpoint).isEmpty(), "round " + round);
        }
        assertEquals(before, fuseAndEventDescriptors(), "descriptors leaked");
    }

    @Test
    void closeWithARequestInFlightCompletes() throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().build());
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        int ourMount = fuseMountAt(mountpoint).orElseThrow().mountId();

        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<String> client = threads.submit(() -> {
                try {
                    return "exists=" + Files.exists(mountpoint.resolve(MinimalFuseHandler.SLOW_NAME));
                } catch (RuntimeException e) {
                    return "failed: " + e;
                }
            });
            assertTrue(handler.slowLookupEntered.await(20, TimeUnit.SECONDS), "the lookup never reached the handler");

            Future<Void> closer = threads.submit(() -> {
                mount.close();
                return null;
            });
            // The client pins the mount, so close() must detach it; wait for that before answering.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (fuseMountAt(mountpoint).map(MountInfo::mountId).orElse(-1) == ourMount) {
                assertTrue(System.nanoTime() < deadline, "close() did not detach the busy mount");
                assertFalse(closer.isDone(), "close() ended before detaching");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            assertFalse(closer.isDone(), "close() returned while a worker was still in the handler");
            handler.slowLookupRelease.countDown();

            closer.get(20, TimeUnit.SECONDS);
            assertEquals("exists=false", client.get(20, TimeUnit.SECONDS));
        } finally {
            handler.slowLookupRelease.countDown();
            threads.shutdownNow();
        }
        assertFalse(mount.isActive());
        for (Thread worker : mount.workerThreads()) {
            assertFalse(worker.isAlive(), worker.getName() + " is still running");
        }
    }
}
