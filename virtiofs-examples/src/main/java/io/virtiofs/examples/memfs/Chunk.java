package io.virtiofs.examples.memfs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * One block of file data: {@code size} bytes at {@code base} in a native slab of a
 * {@link ChunkStore}. Copies in and out are memcpy between the slab and the caller's buffer; in
 * steady state none allocates (a netty buffer without an array or a single NIO buffer, such as a
 * composite, takes a slower path that may).
 *
 * <p>{@link #readInto} and {@link #writeFrom} may run past the chunk's end into the chunks that
 * follow it in the slab ({@link #isFollowedBy}), when the caller owns those too.
 *
 * <p><b>Ownership.</b> A chunk belongs to one file at a time (guarded by that file's lock) or to
 * its store's free list (guarded by the store's lock); it moves between them only through
 * {@link ChunkStore#allocate} and {@link ChunkStore#free}.
 *
 * <p><b>Threads.</b> All chunks of a slab share its {@link ByteBuffer} and its netty
 * {@link ByteBuf}, and different files write different chunks of one slab at the same time.
 * So nothing here may touch the position, limit, reader or writer index of either: every access
 * is absolute ({@code ByteBuffer.put(int, ...)}/{@code get(int, ...)}, netty's index-based
 * {@code setZero} and reads from the slab). Netty's own index-based writes into a wrapped
 * direct buffer are not safe for this: without {@code sun.misc.Unsafe} (the default on JDK 25)
 * {@code UnpooledDirectByteBuf.setBytes} positions one NIO buffer shared by all its callers.
 */
final class Chunk {

    /**
     * A block allocated by fallocate but never written: it counts against the capacity, reads as
     * zeros and has no memory (an unwritten extent in ext4). Compared by identity; never freed.
     */
    static final Chunk UNWRITTEN = new Chunk(null, ByteBuffer.allocate(0), Unpooled.EMPTY_BUFFER, 0, 0, -1);

    /** The slab this chunk was carved from; null only for {@link #UNWRITTEN}. */
    final ChunkStore.@Nullable Slab slab;
    /** The slab's memory: absolute access only. */
    private final ByteBuffer memory;
    /** The same memory as a netty buffer: index-based reads and setZero only. */
    private final ByteBuf buffer;
    private final int base;
    private final int size;
    /** The chunk's number inside its slab. */
    final int slot;
    /**
     * Whether the chunk was freed before, so that its bytes may be old data. Written by the store
     * under its lock; read by the allocating thread after taking the chunk under that lock.
     */
    boolean reused;
    /** Whether it is on its store's free list; guarded by the store's lock. */
    boolean free;

    Chunk(ChunkStore.@Nullable Slab slab, ByteBuffer memory, ByteBuf buffer, int base, int size, int slot) {
        this.slab = slab;
        this.memory = memory;
        this.buffer = buffer;
        this.base = base;
        this.size = size;
        this.slot = slot;
    }

    /** Appends bytes {@code [from, from + length)} of this chunk to {@code dst}. */
    void readInto(int from, int length, ByteBuf dst) {
        dst.ensureWritable(length);
        int at = dst.writerIndex();
        if (dst.hasArray()) {
            memory.get(base + from, dst.array(), dst.arrayOffset() + at, length);
        } else if (dst.nioBufferCount() == 1) {
            ByteBuffer target = dst.internalNioBuffer(at, length);
            target.put(target.position(), memory, base + from, length);
        } else {
            dst.setBytes(at, buffer, base + from, length); // reads of the slab buffer are index-based
        }
        dst.writerIndex(at + length);
    }

    /** Reads {@code length} bytes of {@code src} into this chunk at {@code at}. */
    void writeFrom(ByteBuf src, int at, int length) {
        int from = src.readerIndex();
        if (length > src.readableBytes()) {
            throw new IndexOutOfBoundsException("reading " + length + " bytes of a buffer with " + src.readableBytes());
        }
        if (src.hasArray()) {
            memory.put(base + at, src.array(), src.arrayOffset() + from, length);
        } else {
            // The source copies itself into one view of the chunk: a buffer over guest memory
            // copies page by page without a ByteBuffer per page (nioBuffers made three objects
            // per guest page of a write, and their first-touch heap pages cost as much as the copy).
            src.getBytes(from, memory.slice(base + at, length));
        }
        src.readerIndex(from + length);
    }

    /** Zeroes bytes {@code [from, to)} of this chunk. */
    void zero(int from, int to) {
        if (from < to) {
            buffer.setZero(base + from, to - from);
        }
    }

    /** Copies bytes {@code [from, from + length)} of this chunk to {@code target} at {@code at}. */
    void copyTo(int from, Chunk target, int at, int length) {
        target.memory.put(target.base + at, memory, base + from, length);
    }

    /**
     * Whether {@code next} lies right after this chunk in the same slab, so that one copy of
     * {@link #readInto} or {@link #writeFrom} may run on through it. Chunks a slab hands out one
     * after another do: a file written from start to end holds runs of a whole slab.
     */
    boolean isFollowedBy(Chunk next) {
        return slab != null && next.slab == slab && next.base == base + size;
    }

    /** The chunk's size in bytes: the block size of its store. */
    int size() {
        return size;
    }

    @Override
    public String toString() {
        return this == UNWRITTEN ? "Chunk[unwritten]" : "Chunk[slot " + slot + " at " + base + ", " + size + " bytes]";
    }
}
