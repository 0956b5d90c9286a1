package io.virtiofs.passthrough;

import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.LockRequest;
import io.virtiofs.api.OpenFlags;
import io.virtiofs.transport.internal.nativeio.LockCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Locks shared with the host: POSIX record locks as open file description locks on a descriptor
 * per lock owner ({@link LockOwnerFile}), and {@code flock(2)} locks on the handle's own
 * descriptor (its open file description is the guest's open file, which is what flock locks
 * belong to).
 *
 * <p>A request that must wait for a conflicting lock never blocks in the kernel: it tries again
 * with a growing pause (1 to 50 ms) until the lock is free or the guest interrupts it (EINTR).
 * A thread stuck in the kernel could not be woken by an interrupt, and a virtual thread blocked
 * in a native call would hold its carrier. The kernel reports open file description locks with
 * pid -1; a conflict found by getlk is answered with pid 0 ("not known").
 */
final class LockOps {

    private static final long FIRST_PAUSE_NANOS = 1_000_000;
    private static final long LONGEST_PAUSE_NANOS = 50_000_000;

    private final Share share;

    LockOps(Share share) {
        this.share = share;
    }

    FileLock getlk(Context ctx, LockRequest request) {
        requireEnabled(request);
        OpenFile file = share.files.pin(request.fh(), request.nodeid());
        try {
            FileLock lock = request.lock();
            if (lock.type() == FileLock.F_UNLCK) {
                return FileLock.unlocked();
            }
            int fd = request.isFlock() ? file.fd : ownerFile(file, request.owner(), lock.type()).fd;
            LockCalls.RecordLock found = LockCalls.ofdGetlk(fd, hostType(lock.type()), lock.start(), length(lock));
            if (found.type() == LockCalls.F_UNLCK) {
                return FileLock.unlocked();
            }
            long end = found.length() == 0 ? Long.MAX_VALUE : found.start() + found.length() - 1;
            return new FileLock(found.start(), end, found.type() == LockCalls.F_WRLCK ? FileLock.F_WRLCK : FileLock.F_RDLCK,
                    0);
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    void setlk(Context ctx, LockRequest request) {
        requireEnabled(request);
        OpenFile file = share.files.pin(request.fh(), request.nodeid());
        try {
            FileLock lock = request.lock();
            long pause = FIRST_PAUSE_NANOS;
            while (!tryLock(file, request, lock)) {
                if (!request.sleep()) {
                    throw new ErrnoException(Errno.EAGAIN, "a conflicting lock is held");
                }
                ctx.checkCancelled();
                LockSupport.parkNanos(pause);
                if (Thread.interrupted()) {
                    throw new ErrnoException(Errno.EINTR, "the wait for a lock was interrupted");
                }
                pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
            }
        } catch (NativeException e) {
            throw e.toErrnoException();
        } finally {
            file.unpin();
        }
    }

    private boolean tryLock(OpenFile file, LockRequest request, FileLock lock) throws NativeException {
        if (request.isFlock()) {
            int operation = switch (lock.type()) {
                case FileLock.F_RDLCK -> LockCalls.LOCK_SH;
                case FileLock.F_WRLCK -> LockCalls.LOCK_EX;
                default -> LockCalls.LOCK_UN;
            };
            return LockCalls.flock(file.fd, operation);
        }
        if (lock.type() == FileLock.F_UNLCK) {
            ConcurrentHashMap<Long, LockOwnerFile> owners = file.node.existingLockOwners();
            LockOwnerFile owner = owners == null ? null : owners.get(request.owner());
            return owner == null || LockCalls.ofdSetlk(owner.fd, LockCalls.F_UNLCK, lock.start(), length(lock));
        }
        LockOwnerFile owner = ownerFile(file, request.owner(), lock.type());
        return LockCalls.ofdSetlk(owner.fd, hostType(lock.type()), lock.start(), length(lock));
    }

    /**
     * The descriptor of {@code owner}'s locks on the handle's node, opened (as this process, from
     * the handle's descriptor, with its access mode) on first use.
     */
    private LockOwnerFile ownerFile(OpenFile file, long owner, int type) throws NativeException {
        ConcurrentHashMap<Long, LockOwnerFile> owners = file.node.lockOwners();
        LockOwnerFile existing = owners.get(owner);
        boolean needsWrite = type == FileLock.F_WRLCK;
        if (existing != null && (existing.writable || !needsWrite)) {
            return existing;
        }
        if (existing != null) {
            throw new ErrnoException(Errno.EBADF, "a write lock needs a handle open for writing");
        }
        int access = file.flags & OpenFlags.O_ACCMODE;
        if (needsWrite && access == OpenFlags.O_RDONLY) {
            throw new ErrnoException(Errno.EBADF, "a write lock needs a handle open for writing");
        }
        if (!needsWrite && access == OpenFlags.O_WRONLY) {
            throw new ErrnoException(Errno.EBADF, "a read lock needs a handle open for reading");
        }
        share.budget.reserve();
        int fd;
        try {
            fd = NodeCalls.openat(share.procFd, ThreadScratch.get().descriptorName(file.fd),
                    access | NodeCalls.O_CLOEXEC, 0);
        } catch (NativeException | RuntimeException e) {
            share.budget.release();
            throw e;
        }
        LockOwnerFile made = new LockOwnerFile(fd, access != OpenFlags.O_RDONLY, share.budget);
        LockOwnerFile raced = owners.putIfAbsent(owner, made);
        if (raced != null) {
            made.close();
            return raced;
        }
        return made;
    }

    /** A close of one of {@code owner}'s descriptors of the node: its POSIX locks go. */
    void dropOwner(Node node, long owner) {
        ConcurrentHashMap<Long, LockOwnerFile> owners = node.existingLockOwners();
        if (owners == null) {
            return;
        }
        LockOwnerFile file = owners.remove(owner);
        if (file != null) {
            file.close();
        }
    }

    private void requireEnabled(LockRequest request) {
        boolean enabled = request.isFlock() ? share.config.flockLocks() : share.config.posixLocks();
        if (!enabled) {
            throw new ErrnoException(Errno.ENOSYS, (request.isFlock() ? "flock" : "POSIX") + " locks are off on this share");
        }
    }

    private static int hostType(int type) {
        return type == FileLock.F_WRLCK ? LockCalls.F_WRLCK : LockCalls.F_RDLCK;
    }

    /** The host length of a FUSE range: 0 for "to the end of the file". */
    private static long length(FileLock lock) {
        return lock.end() == Long.MAX_VALUE ? 0 : lock.end() - lock.start() + 1;
    }
}
