package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.foreign.MemorySegment;

/**
 * A test front-end's guest RAM: a memfd mapped into this process (as QEMU maps
 * {@code memory-backend-memfd,share=on}), at a guest-physical base, with a bump allocator. The
 * front-end's "user address" of guest address {@code g} is this mapping's address plus
 * {@code g - guestBase}, as in QEMU.
 */
final class GuestRam implements AutoCloseable {

    final int fd;
    final long guestBase;
    final MemorySegment ram;
    final String name;
    private long used;

    /** RAM in a memfd that allows sealing, as QEMU's {@code memory-backend-memfd} makes it. */
    GuestRam(String name, long guestBase, long size) throws NativeException {
        this(name, guestBase, size, true);
    }

    /**
     * RAM in a memfd that allows sealing or (with {@code sealable} false) does not, as a plain file
     * would not.
     */
    GuestRam(String name, long guestBase, long size, boolean sealable) throws NativeException {
        this.name = name;
        this.fd = MemoryCalls.memfdCreate(name, MemoryCalls.MFD_CLOEXEC | (sealable ? MemoryCalls.MFD_ALLOW_SEALING : 0));
        MemoryCalls.ftruncate(fd, size);
        this.ram = MemoryCalls.mmap(0, size, MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE, MemoryCalls.MAP_SHARED, fd, 0);
        this.guestBase = guestBase;
    }

    long size() {
        return ram.byteSize();
    }

    /** The front-end's virtual address of guest address {@code guest}. */
    long user(long guest) {
        return ram.address() + (guest - guestBase);
    }

    /** This RAM as one region of a memory table. */
    MemoryRegion region() {
        return new MemoryRegion(guestBase, ram.byteSize(), ram.address(), 0);
    }

    /** Allocates {@code bytes} aligned to {@code alignment}; returns the guest address. */
    long allocate(long bytes, long alignment) {
        long start = (used + alignment - 1) & -alignment;
        if (start + bytes > ram.byteSize()) {
            throw new IllegalStateException("guest RAM exhausted");
        }
        used = start + bytes;
        return guestBase + start;
    }

    /** The host memory of a guest range. */
    MemorySegment segment(long guest, long length) {
        return ram.asSlice(guest - guestBase, length);
    }

    @Override
    public void close() throws NativeException {
        MemoryCalls.munmap(ram.address(), ram.byteSize());
        MemoryCalls.close(fd);
    }
}
