package io.virtiofs.examples.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * File locks through {@code flock(2)} and {@code fcntl(2)}: process-owned record locks
 * ({@code F_SETLK}, {@code F_SETLKW}, {@code F_GETLK}) and open-file-description locks
 * ({@code F_OFD_*}), which conflict between two descriptors of one process and so let two threads
 * of this JVM contend. Failures throw {@link io.virtiofs.api.ErrnoException}.
 */
final class LockCalls {

    static final int LOCK_SH = 1;
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    static final int LOCK_UN = 8;

    static final int F_GETLK = 5;
    static final int F_SETLK = 6;
    static final int F_SETLKW = 7;
    static final int F_OFD_GETLK = 36;
    static final int F_OFD_SETLK = 37;
    static final int F_OFD_SETLKW = 38;

    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;

    private static final MethodHandle FLOCK = LibC.function("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = LibC.variadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), 2);

    private LockCalls() {
    }

    static void flock(Descriptor fd, int operation) {
        LibC.call(FLOCK, "flock " + fd + " op " + operation, fd.fd(), operation);
    }

    /**
     * A record lock as {@code struct flock} carries it (whence is always SEEK_SET here).
     *
     * @param length 0 for "to the end of the file"
     * @param pid the holder F_GETLK reports (-1 for an OFD lock); 0 when setting
     */
    record RecordLock(short type, long start, long length, int pid) {

        static RecordLock of(short type, long start, long length) {
            return new RecordLock(type, start, length, 0);
        }
    }

    /** {@code fcntl(fd, command, &lock)} with F_SETLK, F_SETLKW or their OFD twins. */
    static void set(Descriptor fd, int command, RecordLock lock) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(FCNTL, "fcntl " + fd + " cmd " + command + " " + lock, fd.fd(), command, encode(arena, lock));
        }
    }

    /** {@code fcntl(fd, F_GETLK or F_OFD_GETLK, &lock)}: the first conflicting lock, or type F_UNLCK. */
    static RecordLock get(Descriptor fd, int command, RecordLock wanted) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flock = encode(arena, wanted);
            LibC.call(FCNTL, "fcntl " + fd + " cmd " + command + " " + wanted, fd.fd(), command, flock);
            return new RecordLock(flock.get(JAVA_SHORT, 0), flock.get(JAVA_LONG, 8), flock.get(JAVA_LONG, 16),
                    flock.get(JAVA_INT, 24));
        }
    }

    /** {@code struct flock}: short type, short whence, off_t start, off_t len, pid_t pid (32 bytes). */
    private static MemorySegment encode(Arena arena, RecordLock lock) {
        MemorySegment flock = arena.allocate(32, 8);
        flock.set(JAVA_SHORT, 0, lock.type());
        flock.set(JAVA_SHORT, 2, (short) Descriptor.SEEK_SET);
        flock.set(JAVA_LONG, 8, lock.start());
        flock.set(JAVA_LONG, 16, lock.length());
        flock.set(JAVA_INT, 24, lock.pid());
        return flock;
    }
}
