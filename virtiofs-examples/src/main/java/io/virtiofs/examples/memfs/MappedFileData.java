package io.virtiofs.examples.memfs;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.transport.device.MappableMemoryFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The bytes of a file a guest maps through the DAX window: one {@link MappableMemoryFile}, which
 * memfs reads and writes as memory and the window maps, so both see the same pages. A
 * {@link FileData} moves its bytes here the first time the file is mapped and keeps them here
 * from then on; files never mapped stay in chunks (no slower path for them).
 *
 * <p>The memory file's length is kept a whole number of {@link #RANGE DAX ranges} beyond the
 * file's size, so a mapping of the range holding the end of the file never reaches past the
 * memory file (which would fault the VMM); it never shrinks, a truncation punches a hole instead.
 * Capacity is counted in blocks up to the size (no holes: a mapped file is dense).
 *
 * <p>Not thread-safe: the owning {@link FileData}'s lock guards every call.
 */
final class MappedFileData {

    /** The DAX range of Linux guests (FUSE_DAX_SHIFT: 2 MiB); mappings come in these. */
    static final long RANGE = 2 << 20;

    private final MappableMemoryFile file;
    private final Capacity capacity;
    private final int blockSize;
    private long reservedBlocks;

    MappedFileData(MappableMemoryFile file, Capacity capacity) {
        this.file = file;
        this.capacity = capacity;
        this.blockSize = capacity.blockSize();
    }

    MappableMemoryFile file() {
        return file;
    }

    long allocatedBytes() {
        return reservedBlocks * blockSize;
    }

    /** Reserves the blocks a file of {@code size} bytes counts, and the memory file's length for it. */
    void reserveFor(long size) {
        long blocks = (size + blockSize - 1) / blockSize;
        if (blocks > reservedBlocks) {
            if (!capacity.tryReserveBlocks(blocks - reservedBlocks)) {
                throw new ErrnoException(Errno.ENOSPC, "no space for a file of " + size + " bytes");
            }
            reservedBlocks = blocks;
        }
        file.ensureLength(roundUp(Math.max(size, 1)));
    }

    static long roundUp(long bytes) {
        return (bytes + RANGE - 1) & -RANGE;
    }

    /** Copies {@code count} bytes (inside the file) from {@code offset} into {@code dst}. */
    void read(long offset, int count, ByteBuf dst) {
        MemorySegment from = file.memory().asSlice(offset, count);
        dst.ensureWritable(count);
        int at = dst.writerIndex();
        if (dst.nioBufferCount() == 1) {
            ByteBuffer target = dst.internalNioBuffer(at, count);
            target.put(target.position(), from.asByteBuffer(), 0, count);
        } else {
            dst.setBytes(at, from.asByteBuffer());
        }
        dst.writerIndex(at + count);
    }

    /** Copies {@code count} readable bytes of {@code src} to {@code position}; the size is grown by the caller. */
    void write(long position, ByteBuf src, int count) {
        reserveFor(position + count);
        int from = src.readerIndex();
        src.getBytes(from, file.memory().asSlice(position, count).asByteBuffer());
        src.readerIndex(from + count);
    }

    /** Zeroes {@code [start, end)} (inside the memory file's length), freeing whole pages. */
    void zero(long start, long end) {
        if (start < end) {
            file.punchHole(start, end - start);
        }
    }

    /** The size changed from {@code oldSize} to {@code newSize}: the bytes past it are zeroed, blocks released. */
    void truncate(long oldSize, long newSize) {
        if (newSize < oldSize) {
            zero(newSize, Math.min(oldSize, file.length()));
            long blocks = (newSize + blockSize - 1) / blockSize;
            if (blocks < reservedBlocks) {
                capacity.releaseBlocks(reservedBlocks - blocks);
                reservedBlocks = blocks;
            }
        } else {
            reserveFor(newSize);
        }
    }

    /** The file is gone: its blocks and its memory file (mappings still held keep their pages). */
    void discard() {
        capacity.releaseBlocks(reservedBlocks);
        reservedBlocks = 0;
        file.close();
    }
}
