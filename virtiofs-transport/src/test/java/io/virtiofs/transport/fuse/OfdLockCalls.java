package io.virtiofs.transport.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NativeLinker;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Open-file-description record locks through {@code fcntl(2)} ({@code F_OFD_SETLK},
 * {@code F_OFD_SETLKW}): unlike process-owned locks they belong to one open file, so threads of
 * this JVM holding descriptors of their own each wait as a separate owner.
 */
final class OfdLockCalls {

    static final int F_OFD_SETLK = 37;
    static final int F_OFD_SETLKW = 38;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    private static final short SEEK_SET = 0;

    private static final MethodHandle FCNTL = NativeLinker.downcallVariadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), 2);

    private OfdLockCalls() {
    }

    /**
     * {@code fcntl(fd, command, &lock)} for the bytes {@code start..start+length} ({@code length}
     * 0: to the end); {@code struct flock} is short type, short whence, off_t start, off_t len,
     * pid_t pid (0 for OFD locks), 32 bytes.
     */
    static void set(int fd, int command, short type, long start, long length) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = arena.allocate(32, 8);
            flock.set(JAVA_SHORT, 0, type);
            flock.set(JAVA_SHORT, 2, SEEK_SET);
            flock.set(JAVA_LONG, 8, start);
            flock.set(JAVA_LONG, 16, length);
            flock.set(JAVA_INT, 24, 0);
            result = (int) FCNTL.invokeExact(state, fd, command, flock);
        } catch (Throwable t) {
            throw new AssertionError("fcntl downcall failed", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("fcntl", state);
        }
    }
}
