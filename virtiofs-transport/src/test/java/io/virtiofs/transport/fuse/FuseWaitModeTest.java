package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.transport.internal.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How idle workers wait ({@link WaitMode}): blocked in read(2), woken one per request and stopped by
 * aborting the connection; or polling, all woken per request and stopped by the eventfd. Both must
 * end every worker on close and on an external umount.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseWaitModeTest extends FuseMountFixture {

    private static final int WORKERS = 4;
    private static final int REQUESTS = 300;

    @Test
    void workersBlockInReadWhenTheControlFileSystemIsThere() throws Exception {
        Prerequisites.require(Files.isDirectory(ConnectionControl.CONNECTIONS), "no " + ConnectionControl.CONNECTIONS);
        FuseMount mount = mount(new MinimalFuseHandler(MAX_WRITE), options().build());
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        assertEquals(WaitMode.BLOCKING_READ, mount.waitMode());
        MountInfo info = fuseMountAt(mountpoint).orElseThrow();
        assertTrue(Files.exists(ConnectionControl.CONNECTIONS.resolve(Long.toString(info.kernelDevice())).resolve("abort")));
    }

    /**
     * Counts the voluntary context switches of the workers while one client stats the root
     * {@value #REQUESTS} times (attributes are not cached: each stat is one GETATTR). A worker
     * sleeps once per request it serves; a polling worker also once per request it was woken for
     * and did not get.
     */
    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void idleWorkersSleepUntilTheirRequestComes(WaitMode waitMode) throws Exception {
        FuseMount mount = mount(new MinimalFuseHandler(MAX_WRITE), options().workers(WORKERS).build(), waitMode);
        Prerequisites.require(mount.waitMode() == waitMode, "the FUSE control file system is out of reach");
        for (int i = 0; i < 50; i++) {
            Files.readAttributes(mountpoint, PosixFileAttributes.class); // INIT done, code compiled
        }
        awaitWorkersNamed();
        long before = workerSwitches();
        for (int i = 0; i < REQUESTS; i++) {
            Files.readAttributes(mountpoint, PosixFileAttributes.class);
        }
        long switches = workerSwitches() - before;
        String counts = waitMode + ": " + switches + " voluntary switches of " + WORKERS + " workers for " + REQUESTS
                + " requests";
        System.out.println(counts);
        assertTrue(switches >= REQUESTS / 10, counts + " (far fewer than one per request: the count misses them)");
        if (waitMode == WaitMode.BLOCKING_READ) {
            assertTrue(switches <= REQUESTS * 3L / 2 + 50, counts + " (idle workers woke for others' requests)");
        }
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void closingABusyMountStopsEveryWorker(WaitMode waitMode) throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().workers(WORKERS).build(), waitMode);
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        List<String> descriptorsWhileMounted = fuseAndEventDescriptors();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Boolean> client = threads.submit(() -> Files.exists(mountpoint.resolve(MinimalFuseHandler.SLOW_NAME)));
            assertTrue(handler.slowLookupEntered.await(20, TimeUnit.SECONDS), "the lookup never reached the handler");
            Future<?> closer = threads.submit(() -> {
                mount.close();
                return null;
            });
            // The client pins the mount: close() detaches it and waits for the worker in the handler.
            assertFalse(mount.awaitTermination(Duration.ofMillis(200)), "the session ended under a running request");
            handler.slowLookupRelease.countDown();
            closer.get(20, TimeUnit.SECONDS);
            assertFalse(client.get(20, TimeUnit.SECONDS));
        } finally {
            handler.slowLookupRelease.countDown();
            threads.shutdownNow();
        }
        assertStopped(mount, handler, descriptorsWhileMounted);
        assertFalse(mount.wasUnmountedExternally());
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void anExternalUmountStopsEveryWorker(WaitMode waitMode) throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().workers(WORKERS).build(), waitMode);
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        List<String> descriptorsWhileMounted = fuseAndEventDescriptors();
        Process umount = new ProcessBuilder("umount", mountpoint.toString()).redirectErrorStream(true).start();
        String output = new String(umount.getInputStream().readAllBytes());
        assertEquals(0, umount.waitFor(), "umount said: " + output);
        assertTrue(mount.awaitTermination(Duration.ofSeconds(20)), "the session did not end");
        assertStopped(mount, handler, descriptorsWhileMounted);
        assertTrue(mount.wasUnmountedExternally());
    }

    /** A worker killed by an Error ends the session; the mount stays until close() unmounts it. */
    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void aFailedWorkerEndsTheSessionAndCloseStillUnmounts(WaitMode waitMode) throws Exception {
        MinimalFuseHandler handler = new MinimalFuseHandler(MAX_WRITE);
        FuseMount mount = mount(handler, options().workers(WORKERS).build(), waitMode);
        Files.readAttributes(mountpoint, PosixFileAttributes.class);
        List<String> descriptorsWhileMounted = fuseAndEventDescriptors();
        assertFalse(Files.exists(mountpoint.resolve(MinimalFuseHandler.FATAL_NAME)));
        assertTrue(mount.awaitTermination(Duration.ofSeconds(20)), "the session did not end");
        assertTrue(mount.failure().orElseThrow() instanceof AssertionError, () -> "failure: " + mount.failure());
        assertFalse(mount.wasUnmountedExternally());
        assertTrue(fuseMountAt(mountpoint).isPresent(), "the dead mount is still there until close()");
        mount.close();
        assertTrue(fuseMountAt(mountpoint).isEmpty(), "close() left the dead mount behind");
        for (Thread worker : mount.workerThreads()) {
            assertFalse(worker.isAlive(), worker.getName() + " is still running");
        }
        assertEquals(1, handler.sessionEndedCalls.get());
        List<String> stillOpen = fuseAndEventDescriptors();
        assertEquals(WORKERS + 2, descriptorsWhileMounted.stream().filter(fd -> !stillOpen.contains(fd)).count());
    }

    private static void assertStopped(FuseMount mount, MinimalFuseHandler handler, List<String> descriptorsWhileMounted)
            throws Exception {
        assertTrue(mount.awaitTermination(Duration.ofSeconds(20)), "the session did not end");
        for (Thread worker : mount.workerThreads()) {
            worker.join(10_000);
            assertFalse(worker.isAlive(), worker.getName() + " is still running");
        }
        assertTrue(mount.failure().isEmpty(), () -> "failure: " + mount.failure());
        assertEquals(1, handler.sessionEndedCalls.get());
        List<String> stillOpen = fuseAndEventDescriptors();
        List<String> closed = descriptorsWhileMounted.stream().filter(fd -> !stillOpen.contains(fd)).toList();
        // The clones, the session descriptor and the stop eventfd.
        assertEquals(WORKERS + 2, closed.size(), "closed " + closed + " of " + descriptorsWhileMounted);
    }

    /**
     * Waits until every worker thread carries its name in {@code /proc}: a thread takes its name
     * when it first runs, and on a loaded machine a worker that has had no request yet may not
     * have run when the first requests are answered by the others.
     */
    private static void awaitWorkersNamed() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (workerStatuses().size() < WORKERS && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** The voluntary context switches of this process's /dev/fuse workers (named virtiofs-fuse-N-worker-M). */
    private static long workerSwitches() throws IOException {
        List<List<String>> workers = workerStatuses();
        assertEquals(WORKERS, workers.size(), "worker threads found in /proc/self/task");
        long total = 0;
        for (List<String> status : workers) {
            for (String line : status) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    total += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                }
            }
        }
        return total;
    }

    /** The {@code /proc/self/task/N/status} lines of each thread named {@code virtiofs-fuse-...}. */
    private static List<List<String>> workerStatuses() throws IOException {
        List<List<String>> workers = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().startsWith("virtiofs-fuse-")) {
                        workers.add(Files.readAllLines(task.resolve("status")));
                    }
                } catch (IOException ended) {
                    // the thread ended while being looked at
                }
            }
        }
        return workers;
    }
}
