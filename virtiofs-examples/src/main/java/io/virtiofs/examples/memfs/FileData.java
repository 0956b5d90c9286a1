package io.virtiofs.examples.memfs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.transport.device.MappableMemoryFile;
import java.io.IOException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of a regular file, sparse: stored in chunks of the block size, keyed by chunk index.
 * A chunk that was never written is a hole: it reads as zeros and costs neither memory nor
 * capacity, so a 1 GiB file with a few bytes at each end holds two chunks.
 *
 * <p>A chunk is one of: absent (a hole); {@link Chunk#UNWRITTEN} (allocated by fallocate:
 * counted against the capacity, reads as zeros, no memory until written, like an unwritten extent
 * in ext4); or a {@link Chunk} of the block size in native memory from the memfs's
 * {@link ChunkStore} (off the Java heap: see there why). Every allocated chunk holds one block of
 * the {@link Capacity}. Bytes past the end of the file inside a chunk are always zero, so growing
 * the file never shows old data. A chunk that leaves the file (truncate, punch hole, zero range,
 * discard) goes back to the store at once.
 *
 * <p>When the capacity or the native memory runs out, a write stops at the last chunk it could
 * get and reports the short count ({@code ENOSPC} if nothing was written); nothing written
 * before is lost.
 *
 * <p><b>Threads.</b> A read-write lock guards the chunks: reads of one file run in parallel;
 * writes, truncates and fallocates of one file take turns. Different files share nothing but the
 * capacity counter. {@link #size()} and {@link #allocatedBytes()} are volatile, for getattr.
 */
final class FileData {

    private static final Chunk UNWRITTEN = Chunk.UNWRITTEN;

    private final Capacity capacity;
    private final ChunkStore store;
    /** Gives a chunk removed from the table back to the store; made once, so freeing allocates nothing. */
    private final Consumer<Chunk> release = this::release;
    private final int chunkSize;
    private final int chunkShift;
    private final long chunkMask;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    // Guarded by lock.
    private final ChunkTable chunks = new ChunkTable();
    private boolean discarded;
    /** The bytes once the file was mapped into a DAX window; the chunk table is empty then. */
    private @Nullable MappedFileData mapped;
    /** Written under the write lock; read anywhere. */
    private volatile long size;
    private volatile long allocatedChunks;

    FileData(Capacity capacity) {
        this.capacity = capacity;
        this.store = capacity.chunkStore();
        this.chunkSize = capacity.blockSize();
        this.chunkShift = Integer.numberOfTrailingZeros(chunkSize);
        this.chunkMask = chunkSize - 1;
    }

    /** The file size in bytes. */
    long size() {
        return size;
    }

    /** The bytes allocated (whole chunks, written or not). */
    long allocatedBytes() {
        MappedFileData m = mapped;
        return m != null ? m.allocatedBytes() : allocatedChunks << chunkShift;
    }

    /**
     * The memory file a DAX window maps for this file, made on the first call: the bytes move
     * there from the chunks (holes stay unwritten pages), and every later read and write of the
     * file goes to it, so the guest's stores through the window are the file's bytes.
     *
     * @param maxLength the most the memory file may grow to (a multiple of {@link MappedFileData#RANGE})
     * @throws ErrnoException {@code ENOMEM} if no memory file can be had, {@code ENOSPC} without capacity
     */
    MappableMemoryFile mappable(long maxLength) {
        lock.writeLock().lock();
        try {
            checkLive();
            if (mapped != null) {
                return mapped.file();
            }
            MappableMemoryFile file;
            try {
                file = MappableMemoryFile.create("memfs", maxLength);
            } catch (IOException | RuntimeException e) {
                throw new ErrnoException(Errno.ENOMEM, "no memory file for a mapping: " + e.getMessage());
            }
            MappedFileData data = new MappedFileData(file, capacity);
            try {
                long end = size;
                for (long index = chunks.ceilingIndex(0); index >= 0; index = chunks.ceilingIndex(index + 1)) {
                    end = Math.max(end, (index + 1) << chunkShift);
                }
                data.reserveFor(end);
                for (long index = chunks.ceilingIndex(0); index >= 0; index = chunks.ceilingIndex(index + 1)) {
                    Chunk chunk = chunks.get(index);
                    if (chunk != null && chunk != UNWRITTEN) {
                        ByteBuf view = Unpooled.wrappedBuffer(file.memory().asSlice(index << chunkShift, chunkSize)
                                .asByteBuffer()).clear();
                        chunk.readInto(0, chunkSize, view);
                    }
                }
            } catch (RuntimeException e) {
                data.discard();
                throw e;
            }
            freeChunksLocked(0, Long.MAX_VALUE);
            mapped = data;
            return file;
        } finally {
            lock.writeLock().unlock();
        }
    }

    Lock readLock() {
        return lock.readLock();
    }

    Lock writeLock() {
        return lock.writeLock();
    }

    // ------------------------------------------------------------------ read and write

    /**
     * Copies up to {@code length} bytes from {@code offset} into {@code dst}; holes as zeros.
     *
     * @return the number of bytes copied: fewer than asked only at the end of the file
     */
    int read(long offset, int length, ByteBuf dst) {
        lock.readLock().lock();
        try {
            checkLive();
            long fileSize = size;
            if (offset >= fileSize || length == 0) {
                return 0;
            }
            int count = (int) Math.min(length, fileSize - offset);
            if (mapped != null) {
                mapped.read(offset, count, dst);
                return count;
            }
            int done = 0;
            while (done < count) {
                long at = offset + done;
                int inChunk = (int) (at & chunkMask);
                int n = Math.min(chunkSize - inChunk, count - done);
                Chunk chunk = chunks.get(at >>> chunkShift);
                if (chunk == null || chunk == UNWRITTEN) {
                    dst.writeZero(n);
                } else {
                    // Chunks side by side in a slab are read with one copy (one per chunk costs
                    // about a fifth more for 1 MiB reads into scattered guest memory).
                    for (Chunk last = chunk; done + n < count; ) {
                        Chunk next = chunks.get((at + n) >>> chunkShift);
                        if (next == null || next == UNWRITTEN || !last.isFollowedBy(next)) {
                            break;
                        }
                        n += Math.min(chunkSize, count - done - n);
                        last = next;
                    }
                    chunk.readInto(inChunk, n, dst);
                }
                done += n;
            }
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Writes the readable bytes of {@code src} at {@code offset}, or at the end of the file when
     * {@code append}. When the capacity runs out part way, writes what fits and returns the short
     * count (as Linux does); the bytes written before stay.
     *
     * @return the number of bytes written
     * @throws ErrnoException {@code ENOSPC} when not a byte fits; {@code EFBIG} when the write
     *     starts at or past {@code maxSize}
     */
    int write(long offset, boolean append, ByteBuf src, long maxSize) {
        int length = src.readableBytes();
        lock.writeLock().lock();
        try {
            checkLive();
            long position = append ? size : offset;
            if (length == 0) {
                return 0;
            }
            if (position >= maxSize) {
                throw new ErrnoException(Errno.EFBIG, "write at " + position + " is past the largest file size " + maxSize);
            }
            int count = (int) Math.min(length, maxSize - position);
            if (mapped != null) {
                mapped.write(position, src, count);
                growSizeLocked(position + count);
                return count;
            }
            int done = 0;
            // Chunks side by side in a slab are written with one copy: a run from runStart.
            Chunk runStart = null;
            Chunk runLast = null;
            int runFrom = 0;
            int runLength = 0;
            while (done < count) {
                long at = position + done;
                int inChunk = (int) (at & chunkMask);
                int n = Math.min(chunkSize - inChunk, count - done);
                Chunk chunk = writableChunkLocked(at >>> chunkShift, inChunk, inChunk + n);
                if (chunk == null) {
                    break;
                }
                if (runLast != null && runLast.isFollowedBy(chunk)) {
                    runLength += n;
                } else {
                    if (runStart != null) {
                        runStart.writeFrom(src, runFrom, runLength);
                    }
                    runStart = chunk;
                    runFrom = inChunk;
                    runLength = n;
                }
                runLast = chunk;
                done += n;
            }
            if (runStart != null) {
                runStart.writeFrom(src, runFrom, runLength);
            }
            if (done == 0) {
                throw new ErrnoException(Errno.ENOSPC, "no space for a write of " + length + " bytes");
            }
            growSizeLocked(position + done);
            return done;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Copies {@code length} bytes (fewer at the source's end) from {@code src} to {@code dst}:
     * copy_file_range. Holes stay holes. Both locks must be held: {@code src}'s read lock and
     * {@code dst}'s write lock, or the write lock when they are the same file.
     *
     * @return the bytes copied; short when the capacity runs out part way
     * @throws ErrnoException {@code EINVAL} for overlapping ranges of one file, {@code EFBIG} past
     *     {@code maxSize}, {@code ENOSPC} when not a byte fits
     */
    static long copyLocked(FileData src, long srcOffset, FileData dst, long dstOffset, long length, long maxSize) {
        src.checkLive();
        dst.checkLive();
        long srcSize = src.size;
        if (srcOffset >= srcSize || length == 0) {
            return 0;
        }
        if (dstOffset >= maxSize) {
            throw new ErrnoException(Errno.EFBIG, "copy to " + dstOffset + " is past the largest file size " + maxSize);
        }
        long count = Math.min(Math.min(length, srcSize - srcOffset), maxSize - dstOffset);
        if (src == dst && srcOffset < dstOffset + count && dstOffset < srcOffset + count) {
            throw new ErrnoException(Errno.EINVAL, "copy within one file between overlapping ranges");
        }
        if (src.mapped != null || dst.mapped != null) {
            return copyThroughBufferLocked(src, srcOffset, dst, dstOffset, count, maxSize);
        }
        long done = 0;
        while (done < count) {
            long from = srcOffset + done;
            long to = dstOffset + done;
            Chunk chunk = src.chunks.get(from >>> src.chunkShift);
            if (chunk == null || chunk == UNWRITTEN) {
                // A hole in the source: skip to its next chunk, leaving zeros (or a hole) behind.
                long next = src.chunks.ceilingIndex((from >>> src.chunkShift) + 1);
                long holeEnd = next < 0 ? srcOffset + count : Math.min(srcOffset + count, next << src.chunkShift);
                dst.zeroLocked(to, to + (holeEnd - from));
                done += holeEnd - from;
                continue;
            }
            int n = (int) Math.min(count - done,
                    Math.min(src.chunkSize - (from & src.chunkMask), dst.chunkSize - (to & dst.chunkMask)));
            int at = (int) (to & dst.chunkMask);
            Chunk target = dst.writableChunkLocked(to >>> dst.chunkShift, at, at + n);
            if (target == null) {
                break;
            }
            chunk.copyTo((int) (from & src.chunkMask), target, at, n);
            done += n;
        }
        if (done == 0) {
            throw new ErrnoException(Errno.ENOSPC, "no space to copy " + count + " bytes");
        }
        dst.growSizeLocked(dstOffset + done);
        return done;
    }

    /** copy_file_range where either file is mapped: through a heap buffer, 1 MiB at a time. */
    private static long copyThroughBufferLocked(FileData src, long srcOffset, FileData dst, long dstOffset, long count,
                                                long maxSize) {
        ByteBuf buffer = Unpooled.buffer((int) Math.min(count, 1 << 20));
        long done = 0;
        while (done < count) {
            buffer.clear();
            int n = src.read(srcOffset + done, (int) Math.min(count - done, buffer.capacity()), buffer);
            if (n == 0) {
                break;
            }
            done += dst.write(dstOffset + done, false, buffer, maxSize);
        }
        return done;
    }

    // ------------------------------------------------------------------ size and allocation

    /** Sets the size, freeing the chunks past it and zeroing the tail of the last one. */
    void truncate(long newSize) {
        lock.writeLock().lock();
        try {
            truncateLocked(newSize);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** {@link #truncate} with the write lock already held. */
    void truncateLocked(long newSize) {
        checkLive();
        if (newSize < 0) {
            throw new IllegalArgumentException("size " + newSize + " is negative");
        }
        if (mapped != null) {
            mapped.truncate(size, newSize);
            size = newSize;
            return;
        }
        if (newSize < size) {
            long firstWholeChunk = (newSize >>> chunkShift) + ((newSize & chunkMask) == 0 ? 0 : 1);
            freeChunksLocked(firstWholeChunk, Long.MAX_VALUE);
            int inChunk = (int) (newSize & chunkMask);
            Chunk last = inChunk == 0 ? null : chunks.get(newSize >>> chunkShift);
            if (last != null && last != UNWRITTEN) {
                last.zero(inChunk, chunkSize);
            }
        }
        size = newSize;
    }

    /**
     * fallocate mode 0 or KEEP_SIZE: allocates every chunk of the range, so later writes there
     * cannot fail for lack of space, and has the store make the memory for them now (see
     * {@link ChunkStore#prepare}); the chunks stay unwritten (holes to SEEK_DATA, zeros to
     * reads) until written. All or nothing. The caller checks that {@code length > 0}
     * and that {@code offset + length} neither overflows nor passes the largest file size (as
     * for {@link #punchHole} and {@link #zeroRange}).
     *
     * @throws ErrnoException {@code ENOSPC} if the missing chunks do not fit
     */
    void allocate(long offset, long length, boolean keepSize) {
        lock.writeLock().lock();
        try {
            checkLive();
            long end = offset + length;
            if (mapped != null) {
                mapped.reserveFor(keepSize ? Math.max(size, 0) : Math.max(size, end));
                if (!keepSize) {
                    growSizeLocked(end);
                }
                return;
            }
            long missing = reserveMissingLocked(offset, end);
            if (!keepSize) {
                growSizeLocked(end);
            }
            if (missing > 0) {
                store.prepare(missing);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** fallocate PUNCH_HOLE|KEEP_SIZE: the range reads as zeros; whole chunks in it are freed. */
    void punchHole(long offset, long length) {
        lock.writeLock().lock();
        try {
            checkLive();
            long end = offset + length;
            if (mapped != null) {
                mapped.zero(offset, Math.min(end, size));
                return;
            }
            long firstWhole = (offset >>> chunkShift) + ((offset & chunkMask) == 0 ? 0 : 1);
            long endWhole = end >>> chunkShift;
            if (firstWhole < endWhole) {
                freeChunksLocked(firstWhole, endWhole);
            }
            zeroLocked(offset, end);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * fallocate ZERO_RANGE: the range reads as zeros and stays allocated (whole chunks become
     * unwritten, releasing their memory but not their capacity).
     *
     * @throws ErrnoException {@code ENOSPC} if the missing chunks do not fit (nothing changes)
     */
    void zeroRange(long offset, long length, boolean keepSize) {
        lock.writeLock().lock();
        try {
            checkLive();
            long end = offset + length;
            if (mapped != null) {
                long newSize = keepSize ? size : Math.max(size, end);
                mapped.reserveFor(newSize);
                mapped.zero(offset, Math.min(end, newSize));
                size = newSize;
                return;
            }
            reserveMissingLocked(offset, end);
            long firstWhole = (offset >>> chunkShift) + ((offset & chunkMask) == 0 ? 0 : 1);
            long endWhole = end >>> chunkShift;
            if (firstWhole < endWhole) {
                for (long index = chunks.ceilingIndex(firstWhole); index >= 0 && index < endWhole;
                        index = chunks.ceilingIndex(index + 1)) {
                    Chunk previous = chunks.put(index, UNWRITTEN);
                    if (previous != null) {
                        release(previous);
                    }
                }
            }
            zeroLocked(offset, end);
            if (!keepSize) {
                growSizeLocked(end);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------ holes

    /**
     * lseek SEEK_DATA: the first offset at or after {@code offset} inside an allocated chunk.
     *
     * @throws ErrnoException {@code ENXIO} at or past the end, or when only holes follow
     */
    long seekData(long offset) {
        lock.readLock().lock();
        try {
            checkLive();
            long fileSize = size;
            if (offset < 0 || offset >= fileSize) {
                throw new ErrnoException(Errno.ENXIO, "SEEK_DATA from " + offset + " in a file of " + fileSize + " bytes");
            }
            if (mapped != null) {
                return offset; // a mapped file is dense
            }
            long index = chunks.ceilingIndex(offset >>> chunkShift);
            long data = index < 0 ? fileSize : Math.max(offset, index << chunkShift);
            if (data >= fileSize) {
                throw new ErrnoException(Errno.ENXIO, "no data after " + offset);
            }
            return data;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * lseek SEEK_HOLE: the first offset at or after {@code offset} in a hole; the end of the file
     * counts as a hole.
     *
     * @throws ErrnoException {@code ENXIO} at or past the end
     */
    long seekHole(long offset) {
        lock.readLock().lock();
        try {
            checkLive();
            long fileSize = size;
            if (offset < 0 || offset >= fileSize) {
                throw new ErrnoException(Errno.ENXIO, "SEEK_HOLE from " + offset + " in a file of " + fileSize + " bytes");
            }
            if (mapped != null) {
                return fileSize;
            }
            long index = chunks.nextAbsentIndex(offset >>> chunkShift);
            return Math.min(fileSize, Math.max(offset, index << chunkShift));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Frees everything; later operations fail with {@code ESTALE}. Called once, on eviction. */
    void discard() {
        lock.writeLock().lock();
        try {
            if (!discarded) {
                discarded = true;
                freeChunksLocked(0, Long.MAX_VALUE);
                if (mapped != null) {
                    mapped.discard();
                    mapped = null;
                }
                size = 0;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------ internals (write lock held)

    private void checkLive() {
        if (discarded) {
            throw new ErrnoException(Errno.ESTALE, "the file was freed");
        }
    }

    private void growSizeLocked(long end) {
        if (end > size) {
            size = end;
        }
    }

    /**
     * The chunk at {@code index}, made writable for a write of bytes {@code [writeFrom, writeTo)}
     * of it: allocated if absent or unwritten (zero outside that range); null when out of
     * capacity or native memory (then nothing changed).
     */
    private @Nullable Chunk writableChunkLocked(long index, int writeFrom, int writeTo) {
        Chunk chunk = chunks.get(index);
        if (chunk != null && chunk != UNWRITTEN) {
            return chunk;
        }
        boolean hole = chunk == null;
        if (hole && !capacity.tryReserveBlocks(1)) {
            return null;
        }
        Chunk fresh = store.allocate(writeFrom, writeTo);
        if (fresh == null) {
            if (hole) {
                capacity.releaseBlocks(1);
            }
            return null;
        }
        chunks.put(index, fresh);
        if (hole) {
            allocatedChunks++;
        } // an unwritten chunk was counted against the capacity already
        return fresh;
    }

    /** Allocates (as unwritten) every absent chunk touching [start, end); all or nothing; returns how many. */
    private long reserveMissingLocked(long start, long end) {
        long first = start >>> chunkShift;
        long last = (end - 1) >>> chunkShift;
        long missing = last - first + 1 - chunks.count(first, last + 1);
        if (!capacity.tryReserveBlocks(missing)) {
            throw new ErrnoException(Errno.ENOSPC, "no space for " + missing + " more blocks");
        }
        for (long index = first; index <= last; index++) {
            if (chunks.get(index) == null) {
                chunks.put(index, UNWRITTEN);
            }
        }
        allocatedChunks += missing;
        return missing;
    }

    /** Zeroes the bytes of [start, end) that lie in written chunks. */
    private void zeroLocked(long start, long end) {
        if (start >= end) {
            return;
        }
        long first = start >>> chunkShift;
        long last = (end - 1) >>> chunkShift;
        for (long index = chunks.ceilingIndex(first); index >= 0 && index <= last; index = chunks.ceilingIndex(index + 1)) {
            Chunk chunk = chunks.get(index);
            if (chunk == null || chunk == UNWRITTEN) {
                continue;
            }
            long chunkStart = index << chunkShift;
            int from = (int) Math.max(0, start - chunkStart);
            int to = (int) Math.min(chunkSize, end - chunkStart);
            chunk.zero(from, to);
        }
    }

    /** Removes the chunks with indexes in [from, to), giving their blocks and memory back. */
    private void freeChunksLocked(long from, long to) {
        long count = chunks.removeRange(from, to, release);
        if (count > 0) {
            allocatedChunks -= count;
            capacity.releaseBlocks(count);
        }
    }

    /** Gives the memory of a chunk that left the table back to the store. */
    private void release(Chunk chunk) {
        if (chunk != UNWRITTEN) {
            store.free(chunk);
        }
    }
}
