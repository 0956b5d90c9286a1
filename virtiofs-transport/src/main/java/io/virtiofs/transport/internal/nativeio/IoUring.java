package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance ({@code io_uring_setup(2)}, {@code io_uring_enter(2)}) with 128-byte
 * submission entries, used by one thread at a time: the submission and completion rings mapped
 * into this process, a way to fill and submit entries, and to reap completions.
 *
 * <p>Layouts and constants are Linux's {@code <linux/io_uring.h>} (the same on x86-64 and
 * aarch64). The rings' head and tail indexes are shared with the kernel: this side reads the
 * kernel's index with acquire semantics and publishes its own with release semantics, as
 * liburing does.
 */
public final class IoUring implements AutoCloseable {

    /** {@code IORING_SETUP_SQE128}: 128-byte submission entries (the FUSE command needs the room). */
    public static final int SETUP_SQE128 = 1 << 10;
    /** {@code IORING_SETUP_COOP_TASKRUN}: completion work does not interrupt the task; it runs at its next entry. */
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    /** {@code IORING_SETUP_SINGLE_ISSUER}: only one thread submits. */
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;
    /**
     * {@code IORING_SETUP_DEFER_TASKRUN}: completion work runs only when the owning thread waits
     * in {@link #enter} (with {@link #SETUP_SINGLE_ISSUER}).
     */
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;
    /** {@code IORING_OP_URING_CMD}: a command for the file's driver. */
    public static final byte OP_URING_CMD = 46;
    /** {@code IORING_OP_READ}. */
    public static final byte OP_READ = 22;
    /** Size of one submission entry with {@link #SETUP_SQE128}. */
    public static final int SQE_SIZE = 128;
    /** Offset of the driver command area ({@code sqe->cmd}) in a 128-byte entry. */
    public static final int SQE_CMD = 48;

    private static final int SYS_IO_URING_SETUP = 425;
    private static final int SYS_IO_URING_ENTER = 426;
    private static final int ENTER_GETEVENTS = 1;
    private static final long OFF_SQ_RING = 0;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int PARAMS_SIZE = 120;
    private static final int CQE_SIZE = 16;

    private static final MethodHandle SETUP = NativeLinker.downcallVariadic("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), 1);
    private static final MethodHandle ENTER = NativeLinker.downcallVariadic("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG), 1);
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final int fd;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqHead;
    private final long sqTail;
    private final int sqMask;
    private final int sqEntries;
    private final long sqArray;
    private final long cqHead;
    private final long cqTail;
    private final int cqMask;
    private final long cqes;
    /** The submission tail up to which this side has filled entries; published by {@link #enter}. */
    private int sqTailLocal;
    /** Entries filled that the kernel has not yet taken. */
    private int toSubmit;

    private IoUring(int fd, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes) {
        this.fd = fd;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqHead = params.get(JAVA_INT, 40) & 0xffffffffL;
        this.sqTail = params.get(JAVA_INT, 44) & 0xffffffffL;
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, 48));
        this.sqEntries = sqRing.get(JAVA_INT, params.get(JAVA_INT, 52));
        this.sqArray = params.get(JAVA_INT, 64) & 0xffffffffL;
        this.cqHead = params.get(JAVA_INT, 80) & 0xffffffffL;
        this.cqTail = params.get(JAVA_INT, 84) & 0xffffffffL;
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, 88));
        this.cqes = params.get(JAVA_INT, 100) & 0xffffffffL;
        this.sqTailLocal = (int) INT.getAcquire(sqRing, sqTail);
    }

    /**
     * A ring of {@code entries} submission entries (a power of two) with 128-byte entries and
     * the extra {@code flags} given.
     *
     * @throws NativeException with the errno io_uring_setup or mmap set (ENOSYS: no io_uring;
     *     EPERM: disabled by {@code kernel.io_uring_disabled})
     */
    public static IoUring create(int entries, int flags) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(PARAMS_SIZE, 8);
            params.set(JAVA_INT, 8, flags | SETUP_SQE128);
            MemorySegment state = NativeLinker.callState();
            long fd;
            try {
                fd = (long) SETUP.invokeExact(state, (long) SYS_IO_URING_SETUP, (long) entries, params);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("io_uring_setup", t);
            }
            if (fd < 0) {
                throw NativeLinker.failure("io_uring_setup", state);
            }
            int ring = (int) fd;
            try {
                int sqEntries = params.get(JAVA_INT, 0);
                int cqEntries = params.get(JAVA_INT, 4);
                long sqSize = (params.get(JAVA_INT, 64) & 0xffffffffL) + 4L * sqEntries;
                long cqSize = (params.get(JAVA_INT, 100) & 0xffffffffL) + (long) CQE_SIZE * cqEntries;
                int protection = MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE;
                int sharing = MemoryCalls.MAP_SHARED | MemoryCalls.MAP_POPULATE;
                MemorySegment sq = MemoryCalls.mmap(0, sqSize, protection, sharing, ring, OFF_SQ_RING);
                MemorySegment cq = MemoryCalls.mmap(0, cqSize, protection, sharing, ring, OFF_CQ_RING);
                MemorySegment entriesMemory = MemoryCalls.mmap(0, (long) SQE_SIZE * sqEntries, protection, sharing,
                        ring, OFF_SQES);
                return new IoUring(ring, params, sq, cq, entriesMemory);
            } catch (NativeException | RuntimeException e) {
                FileCalls.close(ring);
                throw e;
            }
        }
    }

    /**
     * The next free submission entry, zeroed, or null when all are taken by entries not yet
     * submitted. It goes to the kernel with the next {@link #enter}.
     */
    public MemorySegment nextEntry() {
        int head = (int) INT.getAcquire(sqRing, sqHead);
        if (sqTailLocal - head >= sqEntries) {
            return null;
        }
        int index = sqTailLocal & sqMask;
        MemorySegment entry = sqes.asSlice((long) index * SQE_SIZE, SQE_SIZE);
        entry.fill((byte) 0);
        sqRing.set(JAVA_INT, sqArray + 4L * index, index);
        sqTailLocal++;
        toSubmit++;
        return entry;
    }

    /**
     * Publishes the filled entries and enters the kernel: submits them and, when
     * {@code waitFor > 0}, waits until that many completions are there.
     *
     * @return the number of entries the kernel took
     * @throws NativeException with the errno io_uring_enter set (EINTR: a signal came; retry)
     */
    public int enter(int waitFor) throws NativeException {
        INT.setRelease(sqRing, sqTail, sqTailLocal);
        MemorySegment state = NativeLinker.callState();
        long result;
        try {
            result = (long) ENTER.invokeExact(state, (long) SYS_IO_URING_ENTER, (long) fd, (long) toSubmit,
                    (long) waitFor, (long) (waitFor > 0 ? ENTER_GETEVENTS : 0), 0L, 0L);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("io_uring_enter", t);
        }
        if (result < 0) {
            throw NativeLinker.failure("io_uring_enter", state);
        }
        toSubmit -= (int) result;
        return (int) result;
    }

    /** The number of completions ready to reap. */
    public int ready() {
        int tail = (int) INT.getAcquire(cqRing, cqTail);
        int head = (int) INT.get(cqRing, cqHead);
        return tail - head;
    }

    /** The user data of the {@code i}th ready completion (0 is the oldest). */
    public long completionData(int i) {
        return cqRing.get(JAVA_LONG, cqes + (long) CQE_SIZE * (((int) INT.get(cqRing, cqHead) + i) & cqMask));
    }

    /** The result of the {@code i}th ready completion: non-negative, or minus an errno. */
    public int completionResult(int i) {
        return cqRing.get(JAVA_INT, cqes + (long) CQE_SIZE * (((int) INT.get(cqRing, cqHead) + i) & cqMask) + 8);
    }

    /** Gives {@code count} reaped completions back to the kernel. */
    public void consume(int count) {
        int head = (int) INT.get(cqRing, cqHead);
        INT.setRelease(cqRing, cqHead, head + count);
    }

    /** Unmaps the rings and closes the descriptor; the kernel cancels what is still pending. */
    @Override
    public void close() {
        try {
            MemoryCalls.munmap(sqes.address(), sqes.byteSize());
            MemoryCalls.munmap(cqRing.address(), cqRing.byteSize());
            MemoryCalls.munmap(sqRing.address(), sqRing.byteSize());
        } catch (NativeException e) {
            // only for ranges this object did not map
        }
        try {
            FileCalls.close(fd);
        } catch (NativeException e) {
            // a descriptor this object owns
        }
    }

    /** Fills {@code entry} for {@code IORING_OP_URING_CMD} on {@code fd}. */
    public static void prepareCommand(MemorySegment entry, int fd, int commandOp, long address, int length,
                                      long userData) {
        entry.set(JAVA_BYTE, 0, OP_URING_CMD);
        entry.set(JAVA_INT, 4, fd);
        entry.set(JAVA_INT, 8, commandOp);
        entry.set(JAVA_LONG, 16, address);
        entry.set(JAVA_INT, 24, length);
        entry.set(JAVA_LONG, 32, userData);
    }

    /** Fills {@code entry} for a read of {@code length} bytes from {@code fd} into {@code address}. */
    public static void prepareRead(MemorySegment entry, int fd, long address, int length, long userData) {
        entry.set(JAVA_BYTE, 0, OP_READ);
        entry.set(JAVA_INT, 4, fd);
        entry.set(JAVA_LONG, 8, -1L); // the file's own offset (an eventfd has none)
        entry.set(JAVA_LONG, 16, address);
        entry.set(JAVA_INT, 24, length);
        entry.set(JAVA_LONG, 32, userData);
    }
}
