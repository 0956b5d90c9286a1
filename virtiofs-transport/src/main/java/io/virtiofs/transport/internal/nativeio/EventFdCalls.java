package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code eventfd(2)}: a kernel counter that wakes {@code poll(2)}; used for virtqueue kicks and
 * calls and to stop worker threads.
 *
 * <p>Reading and writing the 8-byte counter allocates nothing: a read lands in a per-thread
 * segment.
 */
public final class EventFdCalls {

    /** {@code EFD_SEMAPHORE}: each read takes 1 from the counter instead of all of it. */
    public static final int EFD_SEMAPHORE = 1;
    /** {@code EFD_NONBLOCK}: a read of a zero counter fails with EAGAIN instead of waiting. */
    public static final int EFD_NONBLOCK = 04000;
    /** {@code EFD_CLOEXEC}. */
    public static final int EFD_CLOEXEC = 02000000;

    private static final MethodHandle EVENTFD = NativeLinker.downcall("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle EVENTFD_READ = NativeLinker.downcall("eventfd_read",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EVENTFD_WRITE = NativeLinker.downcall("eventfd_write",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final ThreadLocal<MemorySegment> COUNTER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_LONG));

    private EventFdCalls() {
    }

    /** Sets up the calling thread's counter segment ({@link NativeLinker#prepareThread()}). */
    static void prepareThread() {
        COUNTER.get();
    }

    /**
     * {@code eventfd(initialValue, flags)}, flags from {@link #EFD_CLOEXEC}, {@link #EFD_NONBLOCK},
     * {@link #EFD_SEMAPHORE}.
     *
     * @return the new descriptor
     */
    public static int eventfd(int initialValue, int flags) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int fd;
        try {
            fd = (int) EVENTFD.invokeExact(state, initialValue, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("eventfd", t);
        }
        if (fd < 0) {
            throw NativeLinker.failure("eventfd", state);
        }
        return fd;
    }

    /** Adds {@code value} (1 or more) to the counter, waking pollers. */
    public static void write(int fd, long value) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) EVENTFD_WRITE.invokeExact(state, fd, value);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("eventfd_write", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("eventfd_write", state);
        }
    }

    /**
     * Takes the counter (or 1 of it, for a semaphore) and resets it; waits while it is 0 unless
     * the descriptor is non-blocking, which fails with EAGAIN instead.
     */
    public static long read(int fd) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        MemorySegment counter = COUNTER.get();
        int result;
        try {
            result = (int) EVENTFD_READ.invokeExact(state, fd, counter);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("eventfd_read", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("eventfd_read", state);
        }
        return counter.get(JAVA_LONG, 0);
    }
}
