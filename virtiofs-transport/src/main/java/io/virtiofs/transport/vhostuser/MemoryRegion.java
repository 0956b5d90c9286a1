package io.virtiofs.transport.vhostuser;

/**
 * One region of guest memory as the front-end describes it (vhost-user.rst, "Memory regions
 * description"; {@code VhostUserMemoryRegion}): four 64-bit fields, 32 bytes on the wire.
 *
 * @param guestAddress the guest-physical address of the region's start
 * @param size the region's size in bytes, not zero
 * @param userAddress the front-end's own virtual address of the region's start: vring addresses
 *     arrive in these
 * @param mmapOffset where the region starts in the file descriptor sent along
 */
record MemoryRegion(long guestAddress, long size, long userAddress, long mmapOffset) {

    /** The size of one region on the wire. */
    static final int BYTES = 32;

    MemoryRegion {
        if (size == 0) {
            throw new IllegalArgumentException("memory region at guest 0x" + Long.toHexString(guestAddress) + " is empty");
        }
        if (Long.compareUnsigned(guestAddress + size, guestAddress) < 0 && guestAddress + size != 0) {
            throw new IllegalArgumentException("memory region at guest 0x" + Long.toHexString(guestAddress) + " of 0x"
                    + Long.toHexString(size) + " bytes wraps the guest address space");
        }
        if (Long.compareUnsigned(userAddress + size, userAddress) < 0 && userAddress + size != 0) {
            throw new IllegalArgumentException("memory region at user 0x" + Long.toHexString(userAddress) + " of 0x"
                    + Long.toHexString(size) + " bytes wraps the address space");
        }
        if (Long.compareUnsigned(mmapOffset + size, mmapOffset) < 0 && mmapOffset + size != 0) {
            throw new IllegalArgumentException("memory region mmap offset 0x" + Long.toHexString(mmapOffset) + " of 0x"
                    + Long.toHexString(size) + " bytes wraps");
        }
    }

    /** Whether {@code other} describes the same guest range at the same user address (REM_MEM_REG ignores the offset). */
    boolean sameRangeAs(MemoryRegion other) {
        return guestAddress == other.guestAddress && size == other.size && userAddress == other.userAddress;
    }

    @Override
    public String toString() {
        return "MemoryRegion[guest 0x" + Long.toHexString(guestAddress) + ", size 0x" + Long.toHexString(size)
                + ", user 0x" + Long.toHexString(userAddress) + ", offset 0x" + Long.toHexString(mmapOffset) + "]";
    }
}
