package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * System calls on the data of open files: positioned scatter/gather I/O straight into or out of
 * the caller's memory ({@code preadv}, {@code pwritev}, {@code pread}, {@code pwrite}), durability
 * ({@code fsync}, {@code fdatasync}, {@code syncfs}), {@code fallocate}, {@code lseek},
 * {@code copy_file_range}, {@code ftruncate}, {@code truncate} and {@code fstatfs}.
 *
 * <p>Failures throw a {@link NativeException#unrecorded stack-less} {@link NativeException}; the
 * I/O paths allocate nothing.
 */
public final class DataCalls {

    /** {@code SEEK_SET}. */
    public static final int SEEK_SET = 0;
    /** {@code SEEK_DATA}. */
    public static final int SEEK_DATA = 3;
    /** {@code SEEK_HOLE}. */
    public static final int SEEK_HOLE = 4;

    private static final MethodHandle PREADV = NativeLinker.downcall("preadv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle PWRITEV = NativeLinker.downcall("pwritev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle PREAD = NativeLinker.downcall("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = NativeLinker.downcall("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FSYNC = NativeLinker.downcall("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FDATASYNC = NativeLinker.downcall("fdatasync",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYNCFS = NativeLinker.downcall("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FALLOCATE = NativeLinker.downcall("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle LSEEK = NativeLinker.downcall("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle COPY_FILE_RANGE = NativeLinker.downcall("copy_file_range",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FTRUNCATE = NativeLinker.downcall("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle TRUNCATE = NativeLinker.downcall("truncate",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FSTATFS = NativeLinker.downcall("fstatfs",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    /** {@code struct statfs} on 64-bit Linux: eleven longs and four spare ones. */
    private static final int STATFS_SIZE = 120;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(STATFS_SIZE, 8));

    private DataCalls() {
    }

    /**
     * {@code preadv(fd, iov, count, offset)}: reads into the first {@code count} entries of
     * {@code vector}.
     *
     * @return the bytes read; 0 at the end of the file
     */
    public static long preadv(int fd, IoVector vector, int count, long offset) throws NativeException {
        checkCount(vector, count);
        MemorySegment state = NativeLinker.callState();
        long done;
        try {
            done = (long) PREADV.invokeExact(state, fd, vector.array(), count, offset);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("preadv", t);
        }
        return checked(done, "preadv", state);
    }

    /** {@code pwritev(fd, iov, count, offset)}: writes the first {@code count} entries; the bytes written. */
    public static long pwritev(int fd, IoVector vector, int count, long offset) throws NativeException {
        checkCount(vector, count);
        MemorySegment state = NativeLinker.callState();
        long done;
        try {
            done = (long) PWRITEV.invokeExact(state, fd, vector.array(), count, offset);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("pwritev", t);
        }
        return checked(done, "pwritev", state);
    }

    /** {@code pread(fd, buffer, length, offset)} into the start of a native {@code buffer}; the bytes read. */
    public static long pread(int fd, MemorySegment buffer, long length, long offset) throws NativeException {
        checkLength(buffer, length);
        MemorySegment state = NativeLinker.callState();
        long done;
        try {
            done = (long) PREAD.invokeExact(state, fd, buffer, length, offset);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("pread", t);
        }
        return checked(done, "pread", state);
    }

    /** {@code pwrite(fd, buffer, length, offset)} from the start of a native {@code buffer}; the bytes written. */
    public static long pwrite(int fd, MemorySegment buffer, long length, long offset) throws NativeException {
        checkLength(buffer, length);
        MemorySegment state = NativeLinker.callState();
        long done;
        try {
            done = (long) PWRITE.invokeExact(state, fd, buffer, length, offset);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("pwrite", t);
        }
        return checked(done, "pwrite", state);
    }

    /** {@code fsync(fd)}, or {@code fdatasync(fd)} when {@code dataOnly}. */
    public static void fsync(int fd, boolean dataOnly) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = dataOnly ? (int) FDATASYNC.invokeExact(state, fd) : (int) FSYNC.invokeExact(state, fd);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fsync", t);
        }
        NodeCalls.check(result, dataOnly ? "fdatasync" : "fsync", state);
    }

    /** {@code syncfs(fd)}: flushes the whole file system holding {@code fd}. */
    public static void syncfs(int fd) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) SYNCFS.invokeExact(state, fd);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("syncfs", t);
        }
        NodeCalls.check(result, "syncfs", state);
    }

    /** {@code fallocate(fd, mode, offset, length)}. */
    public static void fallocate(int fd, int mode, long offset, long length) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fallocate", t);
        }
        NodeCalls.check(result, "fallocate", state);
    }

    /** {@code lseek(fd, offset, whence)}: the resulting offset. */
    public static long lseek(int fd, long offset, int whence) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        long result;
        try {
            result = (long) LSEEK.invokeExact(state, fd, offset, whence);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("lseek", t);
        }
        return checked(result, "lseek", state);
    }

    /** {@code copy_file_range(fdIn, &offIn, fdOut, &offOut, length, flags)}: the bytes copied. */
    public static long copyFileRange(int fdIn, long offsetIn, int fdOut, long offsetOut, long length, int flags)
            throws NativeException {
        MemorySegment offsets = SCRATCH.get();
        offsets.set(JAVA_LONG, 0, offsetIn);
        offsets.set(JAVA_LONG, 8, offsetOut);
        MemorySegment state = NativeLinker.callState();
        long result;
        try {
            result = (long) COPY_FILE_RANGE.invokeExact(state, fdIn, offsets.asSlice(0, 8), fdOut,
                    offsets.asSlice(8, 8), length, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("copy_file_range", t);
        }
        return checked(result, "copy_file_range", state);
    }

    /** {@code ftruncate(fd, length)}. */
    public static void ftruncate(int fd, long length) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FTRUNCATE.invokeExact(state, fd, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("ftruncate", t);
        }
        NodeCalls.check(result, "ftruncate", state);
    }

    /** {@code truncate(path, length)}: {@code path} a NUL-terminated native string. */
    public static void truncate(MemorySegment path, long length) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) TRUNCATE.invokeExact(state, path, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("truncate", t);
        }
        NodeCalls.check(result, "truncate", state);
    }

    /** What {@code fstatfs(2)} says of the file system holding a descriptor. */
    public record FsStats(long type, long blockSize, long blocks, long blocksFree, long blocksAvailable, long files,
                          long filesFree, long nameLength, long fragmentSize, long flags) {
    }

    /** {@code fstatfs(fd)} (an O_PATH descriptor will do). */
    public static FsStats fstatfs(int fd) throws NativeException {
        MemorySegment buffer = SCRATCH.get();
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FSTATFS.invokeExact(state, fd, buffer);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fstatfs", t);
        }
        NodeCalls.check(result, "fstatfs", state);
        return new FsStats(buffer.get(JAVA_LONG, 0), buffer.get(JAVA_LONG, 8), buffer.get(JAVA_LONG, 16),
                buffer.get(JAVA_LONG, 24), buffer.get(JAVA_LONG, 32), buffer.get(JAVA_LONG, 40),
                buffer.get(JAVA_LONG, 48), buffer.get(JAVA_LONG, 64), buffer.get(JAVA_LONG, 72),
                buffer.get(JAVA_LONG, 80));
    }

    private static long checked(long result, String call, MemorySegment state) throws NativeException {
        if (result < 0) {
            throw NodeCalls.fail(call, state);
        }
        return result;
    }

    private static void checkCount(IoVector vector, int count) {
        if (count < 0 || count > vector.capacity()) {
            throw new IllegalArgumentException("iovec count " + count + " is outside 0.." + vector.capacity());
        }
    }

    private static void checkLength(MemorySegment buffer, long length) {
        if (length < 0 || length > buffer.byteSize()) {
            throw new IllegalArgumentException("length " + length + " is outside 0.." + buffer.byteSize());
        }
    }
}
