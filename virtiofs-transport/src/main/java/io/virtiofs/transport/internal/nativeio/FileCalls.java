package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.virtiofs.api.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * File descriptor system calls: {@code open(2)}, {@code close(2)}, {@code read(2)},
 * {@code write(2)}, {@code writev(2)}, {@code ioctl(2)}, {@code fcntl(2)} and {@code poll(2)}.
 *
 * <p>The read and write paths allocate nothing: buffers are segments their owner allocated once,
 * and errno is captured in the calling thread's {@link NativeLinker#callState()}. Opening a path
 * allocates its C string in a short-lived arena.
 */
public final class FileCalls {

    /** {@code O_RDONLY}. */
    public static final int O_RDONLY = 0;
    /** {@code O_WRONLY}. */
    public static final int O_WRONLY = 01;
    /** {@code O_RDWR}. */
    public static final int O_RDWR = 02;
    /** {@code O_CREAT}. */
    public static final int O_CREAT = 0100;
    /** {@code O_TRUNC}. */
    public static final int O_TRUNC = 01000;
    /** {@code O_NONBLOCK}. */
    public static final int O_NONBLOCK = 04000;
    /** {@code O_DIRECTORY}. */
    public static final int O_DIRECTORY = 0200000;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 02000000;

    /** {@code F_GETFL}: the file status flags. */
    public static final int F_GETFL = 3;
    /** {@code F_SETFL}: sets the file status flags ({@link #O_NONBLOCK}). */
    public static final int F_SETFL = 4;
    /** {@code F_ADD_SEALS}: adds seals to a memfd (or another file that allows them). */
    public static final int F_ADD_SEALS = 1033;
    /** {@code F_GET_SEALS}: a file's seals; EINVAL for a file that cannot be sealed at all. */
    public static final int F_GET_SEALS = 1034;
    /** {@code F_SEAL_SEAL}: no more seals may be added. */
    public static final int F_SEAL_SEAL = 0x0001;
    /** {@code F_SEAL_SHRINK}: the file may not shrink. */
    public static final int F_SEAL_SHRINK = 0x0002;

    /** What {@link #readNonBlocking} returns when nothing could be read now (EAGAIN or EINTR). */
    public static final long AGAIN = -1;

    private static final MethodHandle OPEN = NativeLinker.downcallVariadic("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle CLOSE = NativeLinker.downcall("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = NativeLinker.downcall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = NativeLinker.downcall("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITEV = NativeLinker.downcall("writev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    // ioctl's third argument is variadic; the C library reads it as one machine word, so an int
    // argument travels widened to a long.
    private static final MethodHandle IOCTL_WORD = NativeLinker.downcallVariadic("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
    private static final MethodHandle IOCTL_POINTER = NativeLinker.downcallVariadic("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final MethodHandle FCNTL = NativeLinker.downcallVariadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle POLL = NativeLinker.downcall("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private FileCalls() {
    }

    /**
     * {@code open(path, flags, mode)}.
     *
     * @param mode the permission bits of a file {@link #O_CREAT} creates; ignored otherwise
     * @return the new descriptor
     */
    public static int open(String path, int flags, int mode) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("open", t);
        }
        if (fd < 0) {
            Errno errno = NativeLinker.errno(state);
            throw new NativeException("open", errno, "open " + path + " failed: " + errno.name() + " (" + errno.description() + ")");
        }
        return fd;
    }

    /** {@code close(fd)}. */
    public static void close(int fd) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("close", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("close", state);
        }
    }

    /**
     * {@code read(fd, buffer, length)}: reads at most {@code length} bytes into the start of
     * {@code buffer}.
     *
     * @return the number of bytes read; 0 at end of file
     */
    public static long read(int fd, MemorySegment buffer, long length) throws NativeException {
        checkLength(buffer, length);
        MemorySegment state = NativeLinker.callState();
        long count;
        try {
            count = (long) READ.invokeExact(state, fd, buffer, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("read", t);
        }
        if (count < 0) {
            throw NativeLinker.failure("read", state);
        }
        return count;
    }

    /**
     * {@code read(fd, buffer, length)} on a non-blocking descriptor, where "nothing to read yet"
     * is an ordinary answer rather than a failure.
     *
     * @return the number of bytes read, or {@link #AGAIN} when the call failed with EAGAIN or EINTR
     * @throws NativeException for every other errno
     */
    public static long readNonBlocking(int fd, MemorySegment buffer, long length) throws NativeException {
        checkLength(buffer, length);
        MemorySegment state = NativeLinker.callState();
        long count;
        try {
            count = (long) READ.invokeExact(state, fd, buffer, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("read", t);
        }
        if (count < 0) {
            Errno errno = NativeLinker.errno(state);
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return AGAIN;
            }
            throw new NativeException("read", errno);
        }
        return count;
    }

    /**
     * {@code write(fd, buffer, length)}: writes the first {@code length} bytes of {@code buffer}.
     *
     * @return the number of bytes written
     */
    public static long write(int fd, MemorySegment buffer, long length) throws NativeException {
        checkLength(buffer, length);
        MemorySegment state = NativeLinker.callState();
        long count;
        try {
            count = (long) WRITE.invokeExact(state, fd, buffer, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("write", t);
        }
        if (count < 0) {
            throw NativeLinker.failure("write", state);
        }
        return count;
    }

    /**
     * {@code writev(fd, iov, count)}: writes the first {@code count} entries of {@code vector}
     * in one call.
     *
     * @return the number of bytes written
     */
    public static long writev(int fd, IoVector vector, int count) throws NativeException {
        if (count < 0 || count > vector.capacity()) {
            throw new IllegalArgumentException("iovec count " + count + " is outside 0.." + vector.capacity());
        }
        MemorySegment state = NativeLinker.callState();
        long written;
        try {
            written = (long) WRITEV.invokeExact(state, fd, vector.array(), count);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("writev", t);
        }
        if (written < 0) {
            throw NativeLinker.failure("writev", state);
        }
        return written;
    }

    /**
     * {@code ioctl(fd, request, arg)} with an integer (or no) argument.
     *
     * @return the call's non-negative result
     */
    public static int ioctl(int fd, long request, int arg) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) IOCTL_WORD.invokeExact(state, fd, request, (long) arg);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("ioctl", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("ioctl", state);
        }
        return result;
    }

    /**
     * {@code ioctl(fd, request, arg)} with a pointer argument: the kernel reads or writes
     * {@code arg} as the request defines.
     *
     * @return the call's non-negative result
     */
    public static int ioctl(int fd, long request, MemorySegment arg) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) IOCTL_POINTER.invokeExact(state, fd, request, arg);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("ioctl", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("ioctl", state);
        }
        return result;
    }

    /**
     * {@code fcntl(fd, command, arg)} with an integer argument ({@link #F_GETFL}, {@link #F_SETFL},
     * {@link #F_GET_SEALS}, {@link #F_ADD_SEALS}).
     *
     * @return the call's non-negative result
     */
    public static int fcntl(int fd, int command, int arg) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FCNTL.invokeExact(state, fd, command, arg);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fcntl", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("fcntl", state);
        }
        return result;
    }

    /**
     * {@code poll(fds, nfds, timeout)} over every entry of {@code set}; the entries'
     * {@linkplain PollSet#revents(int) returned events} are set.
     *
     * @param timeoutMillis how long to wait; negative waits forever, 0 returns at once
     * @return the number of entries with events; 0 on timeout or when a signal interrupted the wait
     */
    public static int poll(PollSet set, int timeoutMillis) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int ready;
        try {
            ready = (int) POLL.invokeExact(state, set.array(), (long) set.size(), timeoutMillis);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("poll", t);
        }
        if (ready < 0) {
            Errno errno = NativeLinker.errno(state);
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new NativeException("poll", errno);
        }
        return ready;
    }

    private static void checkLength(MemorySegment buffer, long length) {
        if (length < 0 || length > buffer.byteSize()) {
            throw new IllegalArgumentException("length " + length + " is outside 0.." + buffer.byteSize());
        }
    }
}
