package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * A reusable array of {@code struct iovec} for {@link FileCalls#writev}: the pieces of one
 * message gathered into one system call.
 *
 * <p>An entry records only the address and length of a piece: the piece's segment must stay
 * alive until the write that uses the entry returns. Lives in its owner's arena; not
 * thread-safe.
 */
public final class IoVector {

    /** {@code struct iovec}: {@code void *iov_base; size_t iov_len;}. */
    private static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));
    private static final VarHandle BASE = IOVEC.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("iov_base"));
    private static final VarHandle LENGTH = IOVEC.arrayElementVarHandle(MemoryLayout.PathElement.groupElement("iov_len"));

    /** {@code IOV_MAX}: the most entries one writev takes. */
    public static final int IOV_MAX = 1024;

    private final MemorySegment array;
    private final int capacity;

    /** An array of {@code capacity} empty entries. */
    public IoVector(Arena arena, int capacity) {
        if (capacity < 1 || capacity > IOV_MAX) {
            throw new IllegalArgumentException("iovec capacity " + capacity + " is outside 1.." + IOV_MAX);
        }
        this.capacity = capacity;
        this.array = arena.allocate(IOVEC, capacity);
    }

    /**
     * Sets entry {@code index} to the first {@code length} bytes of {@code piece}, a native
     * segment.
     */
    public void set(int index, MemorySegment piece, long length) {
        checkIndex(index);
        if (!piece.isNative()) {
            throw new IllegalArgumentException("an iovec entry needs native memory, not a heap segment");
        }
        if (length < 0 || length > piece.byteSize()) {
            throw new IllegalArgumentException("iovec length " + length + " is outside 0.." + piece.byteSize());
        }
        BASE.set(array, 0L, (long) index, piece);
        LENGTH.set(array, 0L, (long) index, length);
    }

    /** The length of entry {@code index}. */
    public long length(int index) {
        checkIndex(index);
        return (long) LENGTH.get(array, 0L, (long) index);
    }

    /** The number of entries. */
    public int capacity() {
        return capacity;
    }

    MemorySegment array() {
        return array;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= capacity) {
            throw new IndexOutOfBoundsException("iovec index " + index + " is outside 0.." + (capacity - 1));
        }
    }
}
