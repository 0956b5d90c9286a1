package io.virtiofs.examples.kernel;

import static io.virtiofs.examples.kernel.ErrnoAssert.assertErrno;
import static io.virtiofs.examples.kernel.LockCalls.F_GETLK;
import static io.virtiofs.examples.kernel.LockCalls.F_OFD_GETLK;
import static io.virtiofs.examples.kernel.LockCalls.F_OFD_SETLK;
import static io.virtiofs.examples.kernel.LockCalls.F_OFD_SETLKW;
import static io.virtiofs.examples.kernel.LockCalls.F_RDLCK;
import static io.virtiofs.examples.kernel.LockCalls.F_SETLK;
import static io.virtiofs.examples.kernel.LockCalls.F_SETLKW;
import static io.virtiofs.examples.kernel.LockCalls.F_UNLCK;
import static io.virtiofs.examples.kernel.LockCalls.F_WRLCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.examples.kernel.LockCalls.RecordLock;
import io.virtiofs.protocol.Opcode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * POSIX record locks (between processes, and open-file-description locks between threads) and
 * flock locks through the kernel: conflicts, F_GETLK, waiters released by another thread or by
 * the holder's death, release on close, and waiters interrupted by SIGINT.
 *
 * <p>The second process is {@code perl} running {@code fcntl-lock.pl}, or {@code flock(1)}.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LockKernelTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** A new thread per task: a thread blocked in a lock wait must not hold up the next task. */
    private static final Executor THREADS = task -> Thread.ofPlatform().daemon(true).name("lock-test").start(task);

    private MemFsMount mount;
    private Path file;
    private final List<ChildProcess> children = new ArrayList<>();

    @BeforeEach
    void mount() throws Exception {
        MountPrerequisites.requireCommand("perl");
        mount = MemFsMount.mount();
        file = Files.writeString(mount.path("locked"), "x".repeat(1000));
    }

    @AfterEach
    void unmount() {
        children.forEach(ChildProcess::destroy);
        mount.close();
    }

    /** Starts the fcntl-lock.pl child on {@link #file}. */
    private ChildProcess fcntlChild(int command, short type, long start, long length, boolean hold) throws Exception {
        Path script = Path.of(LockKernelTest.class.getResource("fcntl-lock.pl").toURI());
        List<String> arguments = new ArrayList<>(List.of("perl", script.toString(), file.toString(),
                String.valueOf(command), String.valueOf(type), String.valueOf(start), String.valueOf(length)));
        if (hold) {
            arguments.add("hold");
        }
        ChildProcess child = ChildProcess.start(arguments.toArray(String[]::new));
        children.add(child);
        return child;
    }

    private String fcntlOnce(int command, short type, long start, long length) throws Exception {
        ChildProcess.Result result = fcntlChild(command, type, start, length, false).await(WAIT);
        return result.stdout().replace("calling\n", "").strip();
    }

    private long setlkwRequests() {
        return mount.statistics().requests(Opcode.SETLKW);
    }

    /** Waits until {@code before + count} SETLKW requests reached memfs: their callers now wait. */
    private void awaitWaiters(long before, int count) {
        Eventually.await(count + " lock waiters reached memfs", WAIT, () -> setlkwRequests() >= before + count);
    }

    @Test
    void recordLocksConflictBetweenProcessesAndGetlkNamesTheHolder() throws Exception {
        long pid = ProcessHandle.current().pid();
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR)) {
            LockCalls.set(fd, F_SETLK, RecordLock.of(F_WRLCK, 0, 100));
            LockCalls.set(fd, F_SETLK, RecordLock.of(F_RDLCK, 200, 50));
            assertEquals("errno " + Errno.EAGAIN.code(), fcntlOnce(F_SETLK, F_WRLCK, 50, 10));
            assertEquals("conflict 1 0 100 " + pid, fcntlOnce(F_GETLK, F_RDLCK, 50, 10));
            assertEquals("locked", fcntlOnce(F_SETLK, F_WRLCK, 100, 100));
            assertEquals("locked", fcntlOnce(F_SETLK, F_RDLCK, 200, 50), "read locks share");
            assertEquals("errno " + Errno.EAGAIN.code(), fcntlOnce(F_SETLK, F_WRLCK, 240, 100));
            assertEquals("free", fcntlOnce(F_GETLK, F_WRLCK, 100, 100));
            LockCalls.set(fd, F_SETLK, RecordLock.of(F_UNLCK, 0, 0));
            assertEquals("locked", fcntlOnce(F_SETLK, F_WRLCK, 0, 0));
            assertEquals(RecordLock.of(F_UNLCK, 0, 0).type(),
                    LockCalls.get(fd, F_GETLK, RecordLock.of(F_WRLCK, 0, 0)).type(), "our own locks never conflict");
        }
    }

    @Test
    void aBlockedOfdSetlkwInOneThreadIsReleasedByAnother() throws Exception {
        try (Descriptor holder = Descriptor.open(file, Descriptor.O_RDWR);
             Descriptor waiter = Descriptor.open(file, Descriptor.O_RDWR)) {
            LockCalls.set(holder, F_OFD_SETLK, RecordLock.of(F_WRLCK, 0, 0));
            assertErrno(Errno.EAGAIN, () -> LockCalls.set(waiter, F_OFD_SETLK, RecordLock.of(F_RDLCK, 10, 1)));
            long before = setlkwRequests();
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(
                    () -> LockCalls.set(waiter, F_OFD_SETLKW, RecordLock.of(F_WRLCK, 0, 500)), THREADS);
            awaitWaiters(before, 1);
            assertFalse(blocked.isDone(), "the waiter waits for the holder");
            CompletableFuture.runAsync(() -> LockCalls.set(holder, F_OFD_SETLK, RecordLock.of(F_UNLCK, 0, 0)), THREADS)
                    .get(10, TimeUnit.SECONDS);
            blocked.get(10, TimeUnit.SECONDS);
            RecordLock seen = LockCalls.get(holder, F_OFD_GETLK, RecordLock.of(F_RDLCK, 100, 1));
            assertEquals(new RecordLock(F_WRLCK, 0, 500, -1), seen, "the waiter holds its lock now");
        }
    }

    /**
     * More F_SETLKW waiters than the mount has workers: the waits do not occupy the workers, so
     * other requests and the holder's unlock are still served, and the waiters then take the lock
     * one after another.
     */
    @Test
    void moreLockWaitersThanWorkersAllTakeTheLockInTurn() throws Exception {
        int count = MemFsMount.WORKERS + 2;
        List<Descriptor> descriptors = new ArrayList<>();
        try (Descriptor holder = Descriptor.open(file, Descriptor.O_RDWR)) {
            LockCalls.set(holder, F_OFD_SETLK, RecordLock.of(F_WRLCK, 0, 0));
            for (int i = 0; i < count; i++) {
                descriptors.add(Descriptor.open(file, Descriptor.O_RDWR));
            }
            AtomicInteger holding = new AtomicInteger();
            List<Integer> acquired = new CopyOnWriteArrayList<>();
            long before = setlkwRequests();
            List<CompletableFuture<Void>> waiters = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Descriptor waiter = descriptors.get(i);
                int index = i;
                waiters.add(CompletableFuture.runAsync(() -> {
                    LockCalls.set(waiter, F_OFD_SETLKW, RecordLock.of(F_WRLCK, 0, 0));
                    int holders = holding.incrementAndGet();
                    acquired.add(index);
                    holding.decrementAndGet();
                    LockCalls.set(waiter, F_OFD_SETLK, RecordLock.of(F_UNLCK, 0, 0));
                    assertEquals(1, holders, "waiters holding the write lock at once");
                }, THREADS));
            }
            awaitWaiters(before, count);
            assertTrue(waiters.stream().noneMatch(CompletableFuture::isDone), "every waiter waits for the holder");

            CompletableFuture.runAsync(() -> {
                try {
                    Files.writeString(mount.path("meanwhile"), "served");
                    assertEquals("served", Files.readString(mount.path("meanwhile")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                LockCalls.set(holder, F_OFD_SETLK, RecordLock.of(F_UNLCK, 0, 0));
            }, THREADS).get(10, TimeUnit.SECONDS);
            for (CompletableFuture<Void> waiter : waiters) {
                waiter.get(10, TimeUnit.SECONDS);
            }
            assertEquals(IntStream.range(0, count).boxed().toList(), acquired.stream().sorted().toList());
            assertEquals(F_UNLCK, LockCalls.get(holder, F_OFD_GETLK, RecordLock.of(F_WRLCK, 0, 0)).type(),
                    "every waiter released its lock");
            assertEquals(before + count, setlkwRequests(), "one SETLKW per waiter");
        } finally {
            descriptors.forEach(LockKernelTest::closeQuietly);
        }
    }

    @Test
    void aBlockedProcessIsReleasedWhenAnotherThreadUnlocks() throws Exception {
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR)) {
            LockCalls.set(fd, F_SETLK, RecordLock.of(F_WRLCK, 0, 0));
            long before = setlkwRequests();
            ChildProcess waiter = fcntlChild(F_SETLKW, F_WRLCK, 0, 10, false);
            awaitWaiters(before, 1);
            assertTrue(waiter.isAlive());
            CompletableFuture.runAsync(() -> LockCalls.set(fd, F_SETLK, RecordLock.of(F_UNLCK, 0, 0)), THREADS)
                    .get(10, TimeUnit.SECONDS);
            ChildProcess.Result result = waiter.await(WAIT).requireSuccess();
            assertEquals("calling\nlocked\n", result.stdout());
        }
    }

    @Test
    void aDeadHoldersLocksAreReleased() throws Exception {
        ChildProcess holder = fcntlChild(F_SETLK, F_WRLCK, 0, 0, true);
        Eventually.await("the child holds its lock", WAIT, () -> holder.outputSoFar().contains("holding"));
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR)) {
            assertEquals(new RecordLock(F_WRLCK, 0, 0, (int) holder.pid()),
                    LockCalls.get(fd, F_GETLK, RecordLock.of(F_RDLCK, 5, 5)));
            long before = setlkwRequests();
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(
                    () -> LockCalls.set(fd, F_SETLKW, RecordLock.of(F_RDLCK, 0, 0)), THREADS);
            awaitWaiters(before, 1);
            holder.destroy();
            blocked.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void closingAnyDescriptorDropsTheProcessesRecordLocks() throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.lock(0, 100, false);
            assertEquals("errno " + Errno.EAGAIN.code(), fcntlOnce(F_SETLK, F_RDLCK, 0, 1));
            lock.release();
            assertEquals("locked", fcntlOnce(F_SETLK, F_WRLCK, 0, 100));

            ChildProcess holder = fcntlChild(F_SETLK, F_RDLCK, 500, 10, true);
            Eventually.await("the child holds its lock", WAIT, () -> holder.outputSoFar().contains("holding"));
            assertNull(channel.tryLock(505, 1, false), "the child's read lock excludes a write lock");
            assertTrue(channel.tryLock(505, 1, true).isShared());
            holder.destroy();

            LockCalls.set(Descriptor.open(file, Descriptor.O_RDONLY), F_SETLK, RecordLock.of(F_RDLCK, 0, 10));
            try (Descriptor other = Descriptor.open(file, Descriptor.O_RDONLY)) {
                LockCalls.set(other, F_SETLK, RecordLock.of(F_RDLCK, 20, 10));
                assertEquals("errno " + Errno.EAGAIN.code(), fcntlOnce(F_SETLK, F_WRLCK, 0, 30));
            }
            assertEquals("locked", fcntlOnce(F_SETLK, F_WRLCK, 0, 30), "closing one descriptor dropped every lock");
        }
    }

    @Test
    void flockLocksConflictBetweenOpenFilesAndProcesses() throws Exception {
        try (Descriptor first = Descriptor.open(file, Descriptor.O_RDONLY);
             Descriptor second = Descriptor.open(file, Descriptor.O_RDONLY)) {
            LockCalls.flock(first, LockCalls.LOCK_EX);
            assertErrno(Errno.EWOULDBLOCK, () -> LockCalls.flock(second, LockCalls.LOCK_SH | LockCalls.LOCK_NB));
            assertEquals(1, ChildProcess.run("flock", "-n", file.toString(), "true").exitStatus());
            LockCalls.flock(first, LockCalls.LOCK_SH); // downgrade
            LockCalls.flock(second, LockCalls.LOCK_SH | LockCalls.LOCK_NB);
            ChildProcess.run("flock", "-n", "-s", file.toString(), "true").requireSuccess();
            assertEquals(1, ChildProcess.run("flock", "-n", "-x", file.toString(), "true").exitStatus());

            Descriptor third = Descriptor.open(file, Descriptor.O_RDONLY);
            long before = setlkwRequests();
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> LockCalls.flock(third, LockCalls.LOCK_EX), THREADS);
            awaitWaiters(before, 1);
            assertFalse(blocked.isDone());
            CompletableFuture.runAsync(() -> {
                first.close(); // the release drops its flock
                LockCalls.flock(second, LockCalls.LOCK_UN);
            }, THREADS).get(10, TimeUnit.SECONDS);
            blocked.get(10, TimeUnit.SECONDS);
            assertEquals(1, ChildProcess.run("flock", "-n", "-s", file.toString(), "true").exitStatus());
            third.close();
            ChildProcess.run("flock", "-n", "-x", file.toString(), "true").requireSuccess();
        }
    }

    @Test
    void lockWaitersInterruptedBySigintEndAndLeaveTheMountHealthy() throws Exception {
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDWR)) {
            LockCalls.set(fd, F_SETLK, RecordLock.of(F_WRLCK, 0, 0));
            LockCalls.flock(fd, LockCalls.LOCK_EX);
            long before = setlkwRequests();
            ChildProcess recordWaiter = fcntlChild(F_SETLKW, F_WRLCK, 0, 0, false);
            ChildProcess flockWaiter = ChildProcess.start("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die",
                    "flock", "-x", file.toString(), "true");
            children.add(flockWaiter);
            awaitWaiters(before, 2);
            long interruptsBefore = mount.statistics().interrupts();
            recordWaiter.signal(ChildProcess.SIGINT);
            flockWaiter.signal(ChildProcess.SIGINT);
            assertEquals(128 + ChildProcess.SIGINT, recordWaiter.await(WAIT).exitStatus(), "killed by SIGINT");
            assertEquals(128 + ChildProcess.SIGINT, flockWaiter.await(WAIT).exitStatus(), "killed by SIGINT");
            assertTrue(mount.statistics().interrupts() >= interruptsBefore + 2, mount.statistics().toString());

            // Healthy: every worker serves again (as many new waiters as workers less one, plus calls).
            long again = setlkwRequests();
            List<ChildProcess> waiters = new ArrayList<>();
            for (int i = 0; i < MemFsMount.WORKERS - 1; i++) {
                waiters.add(fcntlChild(F_SETLKW, F_RDLCK, 0, 0, false));
            }
            awaitWaiters(again, waiters.size());
            Files.writeString(mount.path("still-works"), "yes");
            assertEquals("yes", Files.readString(mount.path("still-works")));
            assertEquals("x".repeat(1000), Files.readString(file));
            LockCalls.set(fd, F_SETLK, RecordLock.of(F_UNLCK, 0, 0));
            for (ChildProcess waiter : waiters) {
                assertEquals("calling\nlocked\n", waiter.await(WAIT).requireSuccess().stdout());
            }
            LockCalls.flock(fd, LockCalls.LOCK_UN);
        }
        assertEquals("locked", fcntlOnce(F_SETLK, F_WRLCK, 0, 0), "the interrupted waiters hold nothing");
        ChildProcess.run("flock", "-n", "-x", file.toString(), "true").requireSuccess();
    }

    @Test
    void aWaiterWhoseSignalIsHandledGivesUpAndLivesOn() throws Exception {
        try (Descriptor fd = Descriptor.open(file, Descriptor.O_RDONLY)) {
            LockCalls.flock(fd, LockCalls.LOCK_EX);
            long interrupts = mount.statistics().interrupts();
            // flock -w arms a timer whose SIGALRM handler makes the waiting flock(2) fail with EINTR.
            ChildProcess.Result timedOut = ChildProcess.run("flock", "-w", "0.3", "-x", file.toString(), "true");
            assertEquals(1, timedOut.exitStatus(), timedOut.toString());
            assertTrue(mount.statistics().interrupts() > interrupts, "the kernel sent FUSE_INTERRUPT");
            LockCalls.flock(fd, LockCalls.LOCK_UN);
            ChildProcess.run("flock", "-w", "5", "-x", file.toString(), "true").requireSuccess();
        }
    }

    @Test
    void closingTheMountEndsABlockedLockWait() throws Exception {
        Descriptor holder = Descriptor.open(file, Descriptor.O_RDWR);
        Descriptor waiter = Descriptor.open(file, Descriptor.O_RDWR);
        try {
            LockCalls.set(holder, F_OFD_SETLK, RecordLock.of(F_WRLCK, 0, 0));
            long before = setlkwRequests();
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(
                    () -> LockCalls.set(waiter, F_OFD_SETLKW, RecordLock.of(F_WRLCK, 0, 0)), THREADS);
            awaitWaiters(before, 1);
            CompletableFuture.runAsync(mount::unmount, THREADS).get(10, TimeUnit.SECONDS);
            ExecutionException ended = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
            Errno errno = ((ErrnoException) ended.getCause()).errno();
            // ENOTCONN when the wait ends after the unmount, ECONNABORTED when the connection is aborted under it.
            assertTrue(errno.equals(Errno.ENOTCONN) || errno.equals(Errno.ECONNABORTED),
                    "as for any request of a closed mount: " + errno);
        } finally {
            closeQuietly(holder);
            closeQuietly(waiter);
        }
    }

    /** Closes a descriptor of a mount that may be gone (close reports the failed FLUSH). */
    private static void closeQuietly(Descriptor fd) {
        try {
            fd.close();
        } catch (ErrnoException e) {
            assertEquals(Errno.ENOTCONN, e.errno(), e.getMessage());
        }
    }
}
