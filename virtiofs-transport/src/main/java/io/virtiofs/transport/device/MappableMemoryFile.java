package io.virtiofs.transport.device;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.MappingSource;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * File data in memory that a DAX window can map: an anonymous memory file ({@code memfd}) that
 * this process also sees as a {@link MemorySegment}, so a {@link io.virtiofs.api.FileSystem} keeps
 * a file's bytes there, reads and writes them as memory, and answers
 * {@link io.virtiofs.api.FileSystem#setupmapping} with {@link #source()}: the guest then reads and
 * writes the very same pages, and the file system sees its writes at once (no FFM in the file
 * system).
 *
 * <p><b>Length.</b> The memory file has a {@linkplain #length() length} that only grows (by
 * {@link #ensureLength}; it is sealed against shrinking); bytes below it may be touched, bytes beyond it must not be (the process
 * would get SIGBUS, as would a VMM touching a mapping beyond it: keep the length a whole number
 * of DAX ranges, 2 MiB for Linux guests, beyond the file's size). The segment spans
 * {@code maxLength} bytes of address space from the start, so growing never moves it. Memory is
 * taken as pages are first written; {@link #punchHole} gives it back and the range reads as zeros.
 *
 * <p>Thread-safe as memory is: callers order their own reads and writes. {@link #close()} unmaps
 * the segment and closes the descriptor (mappings the window holds keep the pages alive).
 */
public final class MappableMemoryFile implements AutoCloseable {

    private final int fd;
    private final MemorySegment memory;
    private volatile long length;
    private boolean closed;

    private MappableMemoryFile(int fd, MemorySegment memory) {
        this.fd = fd;
        this.memory = memory;
    }

    /**
     * Creates an empty memory file that may grow to {@code maxLength} bytes.
     *
     * @param name shown in {@code /proc/PID/maps} as {@code /memfd:NAME}
     * @param maxLength the most it may grow to: a positive multiple of the page size
     * @throws IOException if the memory file or the address space cannot be had
     */
    public static MappableMemoryFile create(String name, long maxLength) throws IOException {
        long page = MemoryCalls.pageSize();
        if (maxLength <= 0 || maxLength % page != 0) {
            throw new IllegalArgumentException("largest length " + maxLength + " is not a positive multiple of " + page);
        }
        int fd = MemoryCalls.memfdCreate(name, MemoryCalls.MFD_CLOEXEC | MemoryCalls.MFD_ALLOW_SEALING);
        try {
            // It never shrinks (see ensureLength, punchHole), so it is sealed against shrinking:
            // a vhost-user front-end then lets a back-end (this one) map the guest's view of it,
            // and a guest's O_DIRECT I/O from a DAX mapping can be served.
            FileCalls.fcntl(fd, FileCalls.F_ADD_SEALS, FileCalls.F_SEAL_SHRINK);
            MemorySegment memory = MemoryCalls.mmap(0, maxLength, MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE,
                    MemoryCalls.MAP_SHARED | MemoryCalls.MAP_NORESERVE, fd, 0);
            return new MappableMemoryFile(fd, memory);
        } catch (NativeException e) {
            MemoryCalls.close(fd);
            throw e;
        }
    }

    /** The memory: {@link #maxLength()} bytes, of which the first {@link #length()} may be touched. */
    public MemorySegment memory() {
        return memory;
    }

    /** The most the file may grow to. */
    public long maxLength() {
        return memory.byteSize();
    }

    /** The memory file's length: the bytes that may be touched, here and through a mapping. */
    public long length() {
        return length;
    }

    /**
     * Grows the memory file to at least {@code atLeast} bytes (new bytes read as zeros).
     *
     * @throws ErrnoException {@code EFBIG} beyond {@link #maxLength()}; {@code ENOSPC} when the
     *     host refuses
     */
    public synchronized void ensureLength(long atLeast) {
        if (atLeast <= length) {
            return;
        }
        if (atLeast > maxLength()) {
            throw new ErrnoException(Errno.EFBIG, "memory file of " + atLeast + " bytes is above its largest length "
                    + maxLength());
        }
        try {
            MemoryCalls.ftruncate(fd, atLeast);
        } catch (NativeException e) {
            throw new ErrnoException(Errno.ENOSPC, "growing a memory file to " + atLeast + " bytes failed: "
                    + e.getMessage());
        }
        length = atLeast;
    }

    /**
     * Zeroes {@code [offset, offset + count)} and gives whole pages in it back to the host; the
     * length stays. A range beyond the length is cut to it.
     */
    public void punchHole(long offset, long count) {
        long end = Math.min(length, offset + count);
        if (offset < 0 || offset >= end) {
            return;
        }
        try {
            MemoryCalls.fallocate(fd, MemoryCalls.FALLOC_FL_PUNCH_HOLE | MemoryCalls.FALLOC_FL_KEEP_SIZE, offset,
                    end - offset);
        } catch (NativeException e) {
            // Memory files support punching holes; should one refuse, zero the bytes instead.
            memory.asSlice(offset, end - offset).fill((byte) 0);
        }
    }

    /**
     * What a DAX window maps: this memory file's descriptor (the window keeps its own copy, so
     * closing this file later is safe).
     */
    public MappingSource source() {
        return new MappingSource.FileDescriptor(fd);
    }

    /** Unmaps the memory from this process and closes the descriptor. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            MemoryCalls.munmap(memory.address(), memory.byteSize());
        } catch (NativeException e) {
            // The range was ours; nothing better to do than keep going.
        }
        try {
            MemoryCalls.close(fd);
        } catch (NativeException e) {
            // Closed either way.
        }
    }
}
