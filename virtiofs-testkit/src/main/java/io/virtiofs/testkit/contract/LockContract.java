package io.virtiofs.testkit.contract;

import static io.virtiofs.testkit.contract.Client.assertErrno;
import static io.virtiofs.testkit.contract.ContractSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.LockRequest;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.api.ReleaseRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * POSIX record locks (per owner, ranges that merge and split) and flock locks (per owner, whole
 * file), including requests that wait and are woken or cancelled.
 */
public interface LockContract extends ContractSupport {

    long END = Long.MAX_VALUE;

    private Handle lockedFile() {
        Handle file = root().create(rootId(), "locked", 0644);
        root().write(file, 0, utf8("0123456789"));
        return file;
    }

    private static LockRequest posix(Handle file, long owner, int type, long start, long end, int pid, boolean sleep) {
        return new LockRequest(file.nodeid(), file.fh(), owner, new FileLock(start, end, type, pid), 0, sleep);
    }

    private static LockRequest flock(Handle file, long owner, int type, boolean sleep) {
        return new LockRequest(file.nodeid(), file.fh(), owner, new FileLock(0, END, type, 0), LockRequest.FLOCK, sleep);
    }

    private void set(LockRequest request) {
        root().fs().setlk(root().ctx(), request);
    }

    private FileLock test(Handle file, long owner, int type, long start, long end) {
        return root().fs().getlk(root().ctx(), posix(file, owner, type, start, end, 0, false));
    }

    @Test
    default void readLocksShareAndWriteLocksConflict() {
        Handle file = lockedFile();
        set(posix(file, 1, FileLock.F_RDLCK, 0, 99, 11, false));
        set(posix(file, 2, FileLock.F_RDLCK, 50, 149, 22, false));
        assertEquals(FileLock.F_UNLCK, test(file, 3, FileLock.F_RDLCK, 0, END).type());
        assertEquals(new FileLock(0, 99, FileLock.F_RDLCK, 11), test(file, 3, FileLock.F_WRLCK, 0, END),
                "getlk reports the first conflict with its owner's pid");
        assertEquals(new FileLock(50, 149, FileLock.F_RDLCK, 22), test(file, 1, FileLock.F_WRLCK, 0, END));
        assertErrno(Errno.EAGAIN, () -> set(posix(file, 3, FileLock.F_WRLCK, 120, 130, 33, false)));
        set(posix(file, 3, FileLock.F_WRLCK, 150, END, 33, false));
        assertEquals(new FileLock(150, END, FileLock.F_WRLCK, 33), test(file, 1, FileLock.F_RDLCK, 1000, 1000));
        assertEquals(FileLock.F_UNLCK, test(file, 3, FileLock.F_WRLCK, 150, END).type(), "own locks never conflict");
    }

    @Test
    default void rangesMergeAndSplitAsFcntlDoes() {
        Handle file = lockedFile();
        set(posix(file, 1, FileLock.F_WRLCK, 0, 9, 11, false));
        set(posix(file, 1, FileLock.F_WRLCK, 10, 19, 11, false));
        assertEquals(new FileLock(0, 19, FileLock.F_WRLCK, 11), test(file, 2, FileLock.F_RDLCK, 0, END),
                "touching locks of one owner merge");
        set(posix(file, 1, FileLock.F_UNLCK, 5, 14, 11, false));
        assertEquals(new FileLock(0, 4, FileLock.F_WRLCK, 11), test(file, 2, FileLock.F_RDLCK, 0, END));
        assertEquals(FileLock.F_UNLCK, test(file, 2, FileLock.F_WRLCK, 5, 14).type(), "the middle is free");
        assertEquals(new FileLock(15, 19, FileLock.F_WRLCK, 11), test(file, 2, FileLock.F_RDLCK, 5, END));
        set(posix(file, 1, FileLock.F_RDLCK, 2, 16, 11, false));
        assertEquals(new FileLock(0, 1, FileLock.F_WRLCK, 11), test(file, 2, FileLock.F_RDLCK, 0, END),
                "a read lock over part of a write lock splits it");
        assertEquals(FileLock.F_UNLCK, test(file, 2, FileLock.F_RDLCK, 2, 16).type());
        assertEquals(new FileLock(2, 16, FileLock.F_RDLCK, 11), test(file, 2, FileLock.F_WRLCK, 2, 16));
        assertEquals(new FileLock(17, 19, FileLock.F_WRLCK, 11), test(file, 2, FileLock.F_RDLCK, 17, END));
    }

    @Test
    default void flushDropsTheRecordLocksOfItsOwner() {
        Handle file = lockedFile();
        set(posix(file, 1, FileLock.F_WRLCK, 0, END, 11, false));
        root().fs().flush(root().ctx(), file.nodeid(), file.fh(), 2);
        assertEquals(FileLock.F_WRLCK, test(file, 2, FileLock.F_RDLCK, 0, END).type(), "another owner's flush leaves it");
        root().fs().flush(root().ctx(), file.nodeid(), file.fh(), 1);
        assertEquals(FileLock.F_UNLCK, test(file, 2, FileLock.F_WRLCK, 0, END).type());
    }

    @Test
    default void aWaitingLockIsGrantedWhenTheConflictGoesAway() throws Exception {
        Handle file = lockedFile();
        set(posix(file, 1, FileLock.F_WRLCK, 0, END, 11, false));
        CountDownLatch waiting = new CountDownLatch(1);
        TestContext waiter = TestContext.root().onCancelPoll(waiting::countDown);
        CompletableFuture<Void> granted = CompletableFuture.runAsync(() ->
                root().fs().setlk(waiter, posix(file, 2, FileLock.F_WRLCK, 5, 5, 22, true)));
        assertTrue(waiting.await(10, TimeUnit.SECONDS), "the request never started waiting");
        assertFalse(granted.isDone(), "granted while the conflicting lock is held");
        set(posix(file, 1, FileLock.F_UNLCK, 0, END, 11, false));
        granted.get(10, TimeUnit.SECONDS);
        assertEquals(new FileLock(5, 5, FileLock.F_WRLCK, 22), test(file, 1, FileLock.F_RDLCK, 0, END));
    }

    @Test
    default void aWaitingLockGivesUpWhenCancelled() throws Exception {
        Handle file = lockedFile();
        set(posix(file, 1, FileLock.F_RDLCK, 0, END, 11, false));
        CountDownLatch waiting = new CountDownLatch(1);
        TestContext waiter = TestContext.root().onCancelPoll(waiting::countDown);
        CompletableFuture<Void> request = CompletableFuture.runAsync(() ->
                root().fs().setlk(waiter, posix(file, 2, FileLock.F_WRLCK, 0, END, 22, true)));
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        waiter.cancel();
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> request.get(10, TimeUnit.SECONDS));
        assertEquals(Errno.EINTR, ((ErrnoException) failure.getCause()).errno());
        assertEquals(new FileLock(0, END, FileLock.F_RDLCK, 11), test(file, 3, FileLock.F_WRLCK, 0, END),
                "the cancelled request took nothing");
    }

    @Test
    default void flockSharesConvertsAndIsReleasedWithItsOwner() throws Exception {
        Handle file = lockedFile();
        set(flock(file, 1, FileLock.F_RDLCK, false));
        set(flock(file, 2, FileLock.F_RDLCK, false));
        assertErrno(Errno.EWOULDBLOCK, () -> set(flock(file, 3, FileLock.F_WRLCK, false)));
        assertErrno(Errno.EWOULDBLOCK, () -> set(flock(file, 1, FileLock.F_WRLCK, false)));
        set(flock(file, 2, FileLock.F_UNLCK, false));
        set(flock(file, 1, FileLock.F_WRLCK, false));
        assertErrno(Errno.EWOULDBLOCK, () -> set(flock(file, 2, FileLock.F_RDLCK, false)));
        // Record locks are independent of flock locks.
        set(posix(file, 2, FileLock.F_WRLCK, 0, END, 22, false));

        CountDownLatch waiting = new CountDownLatch(1);
        TestContext waiter = TestContext.root().onCancelPoll(waiting::countDown);
        CompletableFuture<Void> granted = CompletableFuture.runAsync(() ->
                root().fs().setlk(waiter, flock(file, 3, FileLock.F_RDLCK, true)));
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        assertFalse(granted.isDone());
        long otherFh = root().open(file.nodeid(), OpenFlags.O_RDONLY);
        root().fs().release(root().ctx(), new ReleaseRequest(file.nodeid(), otherFh, OpenFlags.O_RDONLY,
                ReleaseRequest.FLOCK_UNLOCK, 1));
        granted.get(10, TimeUnit.SECONDS);
        assertErrno(Errno.EWOULDBLOCK, () -> set(flock(file, 1, FileLock.F_WRLCK, false)));
    }
}
