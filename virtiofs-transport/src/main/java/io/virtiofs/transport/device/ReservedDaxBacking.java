package io.virtiofs.transport.device;

import io.virtiofs.api.DaxMapping;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.MappingSource;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A DAX window in this process: an address range reserved with an anonymous {@code PROT_NONE}
 * mapping; a mapping places the file there with {@code MAP_FIXED|MAP_SHARED}, and unmapping
 * puts an anonymous {@code PROT_NONE} mapping back over the range (touching it then faults).
 */
public final class ReservedDaxBacking implements DaxBacking, AutoCloseable {

    private final MemorySegment window;
    private final long alignment;
    private boolean closed;

    private ReservedDaxBacking(MemorySegment window, long alignment) {
        this.window = window;
        this.alignment = alignment;
    }

    /**
     * Reserves {@code size} bytes of address space (no memory is committed).
     *
     * @throws IllegalArgumentException if {@code size} is not a positive multiple of the page size
     * @throws IOException if the reservation fails
     */
    public static ReservedDaxBacking reserve(long size) throws IOException {
        long page = MemoryCalls.pageSize();
        if (size <= 0 || size % page != 0) {
            throw new IllegalArgumentException("DAX window size " + size + " is not a positive multiple of " + page);
        }
        MemorySegment window = MemoryCalls.mmap(0, size, MemoryCalls.PROT_NONE,
                MemoryCalls.MAP_PRIVATE | MemoryCalls.MAP_ANONYMOUS | MemoryCalls.MAP_NORESERVE, -1, 0);
        return new ReservedDaxBacking(window, page);
    }

    /**
     * The window's memory, for an in-process reader (a driver model, tests). Unmapped ranges are
     * {@code PROT_NONE}: touching them kills the process, so read only what is mapped.
     */
    public MemorySegment segment() {
        return window;
    }

    @Override
    public long size() {
        return window.byteSize();
    }

    @Override
    public long alignment() {
        return alignment;
    }

    @Override
    public synchronized void map(DaxMapping mapping) {
        requireOpen();
        int fd = switch (mapping.source()) {
            case MappingSource.FileDescriptor descriptor -> descriptor.fd();
        };
        int protection = MemoryCalls.PROT_READ | (mapping.writable() ? MemoryCalls.PROT_WRITE : 0);
        try {
            MemoryCalls.mmap(window.address() + mapping.windowOffset(), mapping.length(), protection,
                    MemoryCalls.MAP_SHARED | MemoryCalls.MAP_FIXED, fd, mapping.sourceOffset());
        } catch (NativeException e) {
            throw e.toErrnoException();
        }
    }

    @Override
    public synchronized void unmap(long windowOffset, long length) {
        requireOpen();
        try {
            MemoryCalls.mmap(window.address() + windowOffset, length, MemoryCalls.PROT_NONE,
                    MemoryCalls.MAP_PRIVATE | MemoryCalls.MAP_ANONYMOUS | MemoryCalls.MAP_NORESERVE
                            | MemoryCalls.MAP_FIXED, -1, 0);
        } catch (NativeException e) {
            throw e.toErrnoException();
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new ErrnoException(Errno.ENODEV, "the DAX window was closed");
        }
    }

    /** Gives the whole address range back. */
    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            MemoryCalls.munmap(window.address(), window.byteSize());
        }
    }
}
