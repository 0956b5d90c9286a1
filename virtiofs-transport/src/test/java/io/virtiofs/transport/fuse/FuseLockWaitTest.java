package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.Prerequisites;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lock waits (FUSE_SETLKW) never take the workers away: with more waiters than workers, ordinary
 * requests are still served, every waiter gets its reply when released, and closing the mount
 * ends the waits that remain and every thread of the session.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuseLockWaitTest extends FuseMountFixture {

    private static final int WORKERS = 2;
    private static final int WAITERS = WORKERS + 2;
    private static final long WAIT_SECONDS = 10;
    private static final String LOCKED = "locked";

    private final ExecutorService clients = Executors.newCachedThreadPool();
    private final List<Integer> descriptors = Collections.synchronizedList(new ArrayList<>());
    private final LockWaitHandler handler = new LockWaitHandler(MAX_WRITE);
    private List<Future<String>> startedWaiters = List.of();

    @AfterEach
    void releaseClients() {
        handler.releaseWaiters(); // a failed test must not leave its mount hanging
        clients.shutdownNow();
        for (int fd : descriptors) {
            try {
                FileCalls.close(fd);
            } catch (NativeException e) {
                // FLUSH of a mount that is gone
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void moreLockWaitersThanWorkersLeaveTheMountServing(WaitMode waitMode) throws Exception {
        FuseMount mount = mountWithWaiters(waitMode);

        PosixFileAttributes root = clients.submit(() -> Files.readAttributes(mountpoint, PosixFileAttributes.class))
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(MinimalFuseHandler.ROOT_MTIME, root.lastModifiedTime().to(TimeUnit.SECONDS),
                "GETATTR served while " + WAITERS + " requests wait for locks");
        assertTrue(Files.exists(mountpoint.resolve(MinimalFuseHandler.FILE_NAME)));
        for (Future<String> waiter : startedWaiters) {
            assertFalse(waiter.isDone(), "a waiter ended before it was released");
        }

        handler.releaseWaiters();
        assertEquals(Collections.nCopies(WAITERS, LOCKED), outcomes(startedWaiters));
        assertWaitersRanOffTheWorkers(mount);

        mount.close();
        assertNoThreadLeft(mount);
        // The stop cancels once; an exiting worker cancels again while a pool thread is still
        // between writing its last reply and counting it answered (the waiters above all had
        // their replies, so such a repeat finds nothing waiting).
        assertTrue(handler.cancelCalls.get() >= 1, "the stop cancels the running requests");
    }

    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void closingEndsTheLockWaitsAndEveryThread(WaitMode waitMode) throws Exception {
        FuseMount mount = mountWithWaiters(waitMode);
        List<String> descriptorsWhileMounted = fuseAndEventDescriptors();

        clients.submit(() -> {
            mount.close();
            return null;
        }).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertEndedByTheClose(outcomes(startedWaiters));
        assertTrue(handler.cancelCalls.get() >= 1, "the stop cancelled the running requests");
        assertNoThreadLeft(mount);
        assertTrue(mount.failure().isEmpty(), () -> "failure: " + mount.failure());
        assertEquals(1, handler.minimal.sessionEndedCalls.get());
        List<String> stillOpen = fuseAndEventDescriptors();
        // The clones, the session descriptor and the stop eventfd.
        assertEquals(WORKERS + 2, descriptorsWhileMounted.stream().filter(fd -> !stillOpen.contains(fd)).count(),
                "closed of " + descriptorsWhileMounted + ", still open " + stillOpen);
    }

    /** An abort from outside (ENODEV for every worker) ends the waits and the session by itself. */
    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void anAbortedConnectionEndsTheLockWaitsAndEveryThread(WaitMode waitMode) throws Exception {
        Prerequisites.require(Files.isDirectory(ConnectionControl.CONNECTIONS), "no " + ConnectionControl.CONNECTIONS);
        FuseMount mount = mountWithWaiters(waitMode);
        MountInfo info = fuseMountAt(mountpoint).orElseThrow();
        Files.writeString(ConnectionControl.CONNECTIONS.resolve(Long.toString(info.kernelDevice())).resolve("abort"), "1");

        assertEquals(Collections.nCopies(WAITERS, Errno.ECONNABORTED.name()), outcomes(startedWaiters));
        assertTrue(mount.awaitTermination(Duration.ofSeconds(WAIT_SECONDS)), "the session did not end");
        assertTrue(mount.wasUnmountedExternally());
        assertTrue(handler.cancelCalls.get() >= 1, "the exiting workers cancelled the waits");
        mount.close();
        assertNoThreadLeft(mount);
        assertTrue(mount.failure().isEmpty(), () -> "failure: " + mount.failure());
    }

    /** A worker killed by an Error ends the session: the waits end too, and every thread. */
    @ParameterizedTest
    @EnumSource(WaitMode.class)
    void aFailedWorkerEndsTheLockWaitsAndEveryThread(WaitMode waitMode) throws Exception {
        FuseMount mount = mountWithWaiters(waitMode);
        assertFalse(clients.submit(() -> Files.exists(mountpoint.resolve(MinimalFuseHandler.FATAL_NAME)))
                .get(WAIT_SECONDS, TimeUnit.SECONDS));

        assertTrue(mount.awaitTermination(Duration.ofSeconds(WAIT_SECONDS)), "the session did not end");
        assertTrue(mount.failure().orElseThrow() instanceof AssertionError, () -> "failure: " + mount.failure());
        assertEndedByTheClose(outcomes(startedWaiters));
        mount.close();
        assertNoThreadLeft(mount);
        assertEquals(1, handler.minimal.sessionEndedCalls.get());
    }

    /**
     * A lock request handed off just before the session stops may start only after the stop's
     * cancel ran: the exiting workers cancel again until it is answered.
     */
    @Test
    void aCancelThatMissesAWaitIsRepeated() throws Exception {
        FuseMount mount = mountWithWaiters(WaitMode.BLOCKING_READ);
        handler.cancelsToIgnore.set(3);

        clients.submit(() -> {
            mount.close();
            return null;
        }).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertEndedByTheClose(outcomes(startedWaiters));
        assertTrue(handler.cancelCalls.get() >= 4, "cancelled " + handler.cancelCalls.get() + " times");
        assertNoThreadLeft(mount);
    }

    /**
     * Mounts the lock handler with {@value #WORKERS} workers, opens the file {@value #WAITERS}
     * times and starts a client thread per descriptor waiting for a write lock on it; returns once
     * every wait reached the handler.
     */
    private FuseMount mountWithWaiters(WaitMode waitMode) throws Exception {
        FuseMount mount = mount(handler, options().workers(WORKERS).build(), waitMode);
        String file = mountpoint.resolve(MinimalFuseHandler.FILE_NAME).toString();
        for (int i = 0; i < WAITERS; i++) {
            descriptors.add(FileCalls.open(file, FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0));
        }
        List<Future<String>> waiters = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            int fd = descriptors.get(i);
            long start = i * 100L;
            waiters.add(clients.submit(() -> lock(fd, start)));
        }
        startedWaiters = waiters;
        assertTrue(handler.waiting.tryAcquire(WAITERS, WAIT_SECONDS, TimeUnit.SECONDS),
                handler.waiting.availablePermits() + " of " + WAITERS + " lock waits reached the handler ("
                        + waitMode + ", " + WORKERS + " workers)");
        return mount;
    }

    /** {@code F_OFD_SETLKW} of a write lock: "locked", or the errno's name. */
    private static String lock(int fd, long start) {
        try {
            OfdLockCalls.set(fd, OfdLockCalls.F_OFD_SETLKW, OfdLockCalls.F_WRLCK, start, 10);
            return LOCKED;
        } catch (NativeException e) {
            return e.errno().name();
        }
    }

    private static List<String> outcomes(List<Future<String>> waiters) throws Exception {
        List<String> outcomes = new ArrayList<>();
        for (Future<String> waiter : waiters) {
            outcomes.add(waiter.get(WAIT_SECONDS, TimeUnit.SECONDS));
        }
        return outcomes;
    }

    /**
     * Each wait ended as a request of a closed mount: ENOTCONN (the server's answer to a cancelled
     * request), ECONNABORTED (the connection was aborted under it) or EINTR.
     */
    private static void assertEndedByTheClose(List<String> outcomes) {
        Set<String> allowed = Set.of(Errno.ENOTCONN.name(), Errno.ECONNABORTED.name(), Errno.EINTR.name());
        assertEquals(WAITERS, outcomes.size());
        for (String outcome : outcomes) {
            assertTrue(allowed.contains(outcome), "a wait ended with " + outcome + ": " + outcomes);
        }
    }

    /** Every wait ran on a thread of the session's pool, none on a worker. */
    private void assertWaitersRanOffTheWorkers(FuseMount mount) {
        List<String> names = handler.waiterThreadNames();
        assertEquals(WAITERS, names.size(), "one thread per concurrent wait: " + names);
        List<String> poolNames = mount.blockingThreads().stream().map(Thread::getName).sorted().toList();
        assertEquals(poolNames, names);
        for (String name : names) {
            assertTrue(name.matches("virtiofs-fuse-\\d+-blocking-\\d+"), name);
        }
    }

    private static void assertNoThreadLeft(FuseMount mount) throws InterruptedException {
        assertTrue(mount.awaitTermination(Duration.ofSeconds(WAIT_SECONDS)), "the session did not end");
        assertEquals(WAITERS, mount.blockingThreads().size(), "threads started for lock waits");
        List<Thread> threads = new ArrayList<>(mount.workerThreads());
        threads.addAll(mount.blockingThreads());
        for (Thread thread : threads) {
            assertFalse(thread.isAlive(), thread.getName() + " is still running after close()");
        }
    }
}
