package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.virtiofs.api.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * File locks: open file description record locks ({@code fcntl(F_OFD_*)}: owned by the open
 * file, not the process, so threads serving different lock owners do not share them),
 * {@code flock(2)}, and {@code fcntl(F_DUPFD_CLOEXEC)}. None of them waits: a caller that must
 * wait retries, so it can give up when the request is interrupted.
 */
public final class LockCalls {

    /** {@code F_RDLCK}. */
    public static final int F_RDLCK = 0;
    /** {@code F_WRLCK}. */
    public static final int F_WRLCK = 1;
    /** {@code F_UNLCK}. */
    public static final int F_UNLCK = 2;

    /** {@code LOCK_SH}. */
    public static final int LOCK_SH = 1;
    /** {@code LOCK_EX}. */
    public static final int LOCK_EX = 2;
    /** {@code LOCK_NB}. */
    public static final int LOCK_NB = 4;
    /** {@code LOCK_UN}. */
    public static final int LOCK_UN = 8;

    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final int SEEK_SET = 0;
    /** {@code struct flock} on 64-bit Linux: type, whence, start, len, pid. */
    private static final int FLOCK_SIZE = 32;

    private static final MethodHandle FCNTL_POINTER = NativeLinker.downcallVariadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), 2);
    private static final MethodHandle FCNTL_WORD = NativeLinker.downcallVariadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), 2);
    private static final MethodHandle FLOCK = NativeLinker.downcall("flock",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final ThreadLocal<MemorySegment> FLOCK_STRUCT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(FLOCK_SIZE, 8));

    private LockCalls() {
    }

    /**
     * A record lock: {@code length} 0 means "to the end of the file"; {@code pid} is -1 for an
     * open file description lock, as the kernel reports it.
     */
    public record RecordLock(int type, long start, long length, int pid) {
    }

    /**
     * {@code fcntl(fd, F_OFD_GETLK)}: the first lock that conflicts with a lock of {@code type} on
     * {@code start..start+length}, or a lock of type {@link #F_UNLCK} when none does.
     */
    public static RecordLock ofdGetlk(int fd, int type, long start, long length) throws NativeException {
        MemorySegment lock = fill(type, start, length);
        call(fd, F_OFD_GETLK, lock, "fcntl(F_OFD_GETLK)");
        return new RecordLock(lock.get(JAVA_SHORT, 0), lock.get(JAVA_LONG, 8), lock.get(JAVA_LONG, 16),
                lock.get(JAVA_INT, 24));
    }

    /**
     * {@code fcntl(fd, F_OFD_SETLK)}: takes or releases ({@link #F_UNLCK}) a lock without waiting.
     *
     * @return false when a conflicting lock is held (EAGAIN)
     */
    public static boolean ofdSetlk(int fd, int type, long start, long length) throws NativeException {
        try {
            call(fd, F_OFD_SETLK, fill(type, start, length), "fcntl(F_OFD_SETLK)");
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.EAGAIN || e.errno() == Errno.EACCES) {
                return false;
            }
            throw e;
        }
    }

    /**
     * {@code flock(fd, operation | LOCK_NB)}.
     *
     * @return false when a conflicting lock is held (EWOULDBLOCK)
     */
    public static boolean flock(int fd, int operation) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FLOCK.invokeExact(state, fd, operation | LOCK_NB);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("flock", t);
        }
        if (result < 0) {
            Errno errno = NativeLinker.errno(state);
            if (errno == Errno.EAGAIN) {
                return false;
            }
            throw NativeException.unrecorded("flock", errno);
        }
        return true;
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: a second descriptor for the same open file. */
    public static int dup(int fd) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FCNTL_WORD.invokeExact(state, fd, F_DUPFD_CLOEXEC, 0L);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fcntl(F_DUPFD_CLOEXEC)", t);
        }
        NodeCalls.check(result, "fcntl(F_DUPFD_CLOEXEC)", state);
        return result;
    }

    private static MemorySegment fill(int type, long start, long length) {
        MemorySegment lock = FLOCK_STRUCT.get();
        lock.fill((byte) 0);
        lock.set(JAVA_SHORT, 0, (short) type);
        lock.set(JAVA_SHORT, 2, (short) SEEK_SET);
        lock.set(JAVA_LONG, 8, start);
        lock.set(JAVA_LONG, 16, length);
        return lock;
    }

    private static void call(int fd, int command, MemorySegment lock, String what) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FCNTL_POINTER.invokeExact(state, fd, command, lock);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug(what, t);
        }
        NodeCalls.check(result, what, state);
    }
}
