package io.virtiofs.examples.memfs;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.Arrays;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of a regular file, sparse: stored in chunks of the block size, keyed by chunk index.
 * A chunk that was never written is a hole: it reads as zeros and costs neither memory nor
 * capacity, so a 1 GiB file with a few bytes at each end holds two chunks.
 *
 * <p>A chunk is one of: absent (a hole); {@link #UNWRITTEN} (allocated by fallocate: counted
 * against the capacity, reads as zeros, no memory until written, like an unwritten extent in
 * ext4); or a {@code byte[]} of the block size. Every allocated chunk holds one block of the
 * {@link Capacity}. Bytes past the end of the file inside a chunk are always zero, so growing the
 * file never shows old data.
 *
 * <p><b>Threads.</b> A read-write lock guards the chunks: reads of one file run in parallel;
 * writes, truncates and fallocates of one file take turns. Different files share nothing but the
 * capacity counter. {@link #size()} and {@link #allocatedBytes()} are volatile, for getattr.
 */
final class FileData {

    /** An allocated chunk that was never written (reads as zeros). Compared by identity. */
    private static final byte[] UNWRITTEN = new byte[0];

    private final Capacity capacity;
    private final int chunkSize;
    private final int chunkShift;
    private final long chunkMask;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    // Guarded by lock.
    private final ChunkTable chunks = new ChunkTable();
    private boolean discarded;
    /** Written under the write lock; read anywhere. */
    private volatile long size;
    private volatile long allocatedChunks;

    FileData(Capacity capacity) {
        this.capacity = capacity;
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
        return allocatedChunks << chunkShift;
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
            int done = 0;
            while (done < count) {
                long at = offset + done;
                int inChunk = (int) (at & chunkMask);
                int n = Math.min(chunkSize - inChunk, count - done);
                byte[] chunk = chunks.get(at >>> chunkShift);
                if (chunk == null || chunk == UNWRITTEN) {
                    dst.writeZero(n);
                } else {
                    dst.writeBytes(chunk, inChunk, n);
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
            int done = 0;
            while (done < count) {
                long at = position + done;
                byte[] chunk = writableChunkLocked(at >>> chunkShift);
                if (chunk == null) {
                    break;
                }
                int inChunk = (int) (at & chunkMask);
                int n = Math.min(chunkSize - inChunk, count - done);
                src.readBytes(chunk, inChunk, n);
                done += n;
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
        long done = 0;
        while (done < count) {
            long from = srcOffset + done;
            long to = dstOffset + done;
            byte[] chunk = src.chunks.get(from >>> src.chunkShift);
            if (chunk == null || chunk == UNWRITTEN) {
                // A hole in the source: skip to its next chunk, leaving zeros (or a hole) behind.
                long next = src.chunks.ceilingIndex((from >>> src.chunkShift) + 1);
                long holeEnd = next < 0 ? srcOffset + count : Math.min(srcOffset + count, next << src.chunkShift);
                dst.zeroLocked(to, to + (holeEnd - from));
                done += holeEnd - from;
                continue;
            }
            byte[] target = dst.writableChunkLocked(to >>> dst.chunkShift);
            if (target == null) {
                break;
            }
            int n = (int) Math.min(count - done,
                    Math.min(src.chunkSize - (from & src.chunkMask), dst.chunkSize - (to & dst.chunkMask)));
            System.arraycopy(chunk, (int) (from & src.chunkMask), target, (int) (to & dst.chunkMask), n);
            done += n;
        }
        if (done == 0) {
            throw new ErrnoException(Errno.ENOSPC, "no space to copy " + count + " bytes");
        }
        dst.growSizeLocked(dstOffset + done);
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
        if (newSize < size) {
            long firstWholeChunk = (newSize >>> chunkShift) + ((newSize & chunkMask) == 0 ? 0 : 1);
            freeChunksLocked(firstWholeChunk, Long.MAX_VALUE);
            int inChunk = (int) (newSize & chunkMask);
            byte[] last = inChunk == 0 ? null : chunks.get(newSize >>> chunkShift);
            if (last != null && last != UNWRITTEN) {
                Arrays.fill(last, inChunk, chunkSize, (byte) 0);
            }
        }
        size = newSize;
    }

    /**
     * fallocate mode 0 or KEEP_SIZE: allocates every chunk of the range, so later writes there
     * cannot fail for lack of space. All or nothing. The caller checks that {@code length > 0}
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
            reserveMissingLocked(offset, end);
            if (!keepSize) {
                growSizeLocked(end);
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
            reserveMissingLocked(offset, end);
            long firstWhole = (offset >>> chunkShift) + ((offset & chunkMask) == 0 ? 0 : 1);
            long endWhole = end >>> chunkShift;
            if (firstWhole < endWhole) {
                for (long index = chunks.ceilingIndex(firstWhole); index >= 0 && index < endWhole;
                        index = chunks.ceilingIndex(index + 1)) {
                    chunks.put(index, UNWRITTEN);
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

    /** The chunk at {@code index}, made writable; allocates it if absent; null when out of space. */
    private byte @Nullable [] writableChunkLocked(long index) {
        byte[] chunk = chunks.get(index);
        if (chunk == null) {
            if (!capacity.tryReserveBlocks(1)) {
                return null;
            }
            chunk = new byte[chunkSize];
            chunks.put(index, chunk);
            allocatedChunks++;
        } else if (chunk == UNWRITTEN) {
            chunk = new byte[chunkSize]; // already counted against the capacity
            chunks.put(index, chunk);
        }
        return chunk;
    }

    /** Allocates (as unwritten) every absent chunk touching [start, end); all or nothing. */
    private void reserveMissingLocked(long start, long end) {
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
    }

    /** Zeroes the bytes of [start, end) that lie in written chunks. */
    private void zeroLocked(long start, long end) {
        if (start >= end) {
            return;
        }
        long first = start >>> chunkShift;
        long last = (end - 1) >>> chunkShift;
        for (long index = chunks.ceilingIndex(first); index >= 0 && index <= last; index = chunks.ceilingIndex(index + 1)) {
            byte[] chunk = chunks.get(index);
            if (chunk == UNWRITTEN) {
                continue;
            }
            long chunkStart = index << chunkShift;
            int from = (int) Math.max(0, start - chunkStart);
            int to = (int) Math.min(chunkSize, end - chunkStart);
            Arrays.fill(chunk, from, to, (byte) 0);
        }
    }

    /** Removes the chunks with indexes in [from, to), giving their blocks back. */
    private void freeChunksLocked(long from, long to) {
        long count = chunks.removeRange(from, to);
        if (count > 0) {
            allocatedChunks -= count;
            capacity.releaseBlocks(count);
        }
    }
}
