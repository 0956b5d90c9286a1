package io.virtiofs.testkit.mock;

import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.GuestRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Guest RAM of an in-process driver: one native region at a guest-physical base address, handed
 * out by a bump allocator (rings, indirect tables, request buffers). Closing it frees the memory;
 * a device still reading it then fails with an exception, never a crash.
 */
public final class DriverMemory implements AutoCloseable {

    private final Arena arena;
    private final MemorySegment ram;
    private final long guestBase;
    private final GuestRegion region;
    private long used;

    private DriverMemory(Arena arena, MemorySegment ram, long guestBase) {
        this.arena = arena;
        this.ram = ram;
        this.guestBase = guestBase;
        this.region = GuestRegion.ofSegment(guestBase, ram);
    }

    /**
     * Zeroed guest RAM of {@code size} bytes at guest address {@code guestBase} (page aligned).
     */
    public static DriverMemory create(long guestBase, long size) {
        if (guestBase < 0 || (guestBase & 4095) != 0 || size <= 0) {
            throw new IllegalArgumentException("guest RAM at 0x" + Long.toHexString(guestBase) + " of " + size + " bytes");
        }
        Arena arena = Arena.ofShared();
        try {
            return new DriverMemory(arena, arena.allocate(size, 4096), guestBase);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public long guestBase() {
        return guestBase;
    }

    public long size() {
        return ram.byteSize();
    }

    /** The one region of this RAM. */
    public GuestRegion region() {
        return region;
    }

    /** A new snapshot of this RAM, to publish to a device ({@code VirtioFsDevice.setMemory}). */
    public GuestMemory snapshot() {
        return GuestMemory.of(region);
    }

    /**
     * Allocates {@code bytes} at a multiple of {@code alignment}.
     *
     * @return the guest-physical address
     * @throws IllegalStateException if the RAM is exhausted
     */
    public synchronized long allocate(long bytes, long alignment) {
        if (bytes < 0 || alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("allocation of " + bytes + " bytes aligned to " + alignment);
        }
        long start = (used + alignment - 1) & -alignment;
        if (start > ram.byteSize() || bytes > ram.byteSize() - start) {
            throw new IllegalStateException("guest RAM of " + ram.byteSize() + " bytes is exhausted (" + bytes
                    + " more wanted at " + start + ")");
        }
        used = start + bytes;
        return guestBase + start;
    }

    /** The host memory of {@code [address, address + length)}, which must lie in this RAM. */
    public MemorySegment segment(long address, long length) {
        long offset = address - guestBase;
        if (address < guestBase || length < 0 || offset > ram.byteSize() || length > ram.byteSize() - offset) {
            throw new IndexOutOfBoundsException("guest range 0x" + Long.toHexString(address) + " of " + length
                    + " bytes is outside the driver's RAM");
        }
        return ram.asSlice(offset, length);
    }

    /** Frees the RAM. */
    @Override
    public void close() {
        arena.close();
    }
}
