package io.virtiofs.transport.vhostuser;

/**
 * Where a vring lives, in front-end virtual addresses (vhost-user.rst, "A vring address
 * description"; {@code struct vhost_vring_addr}): 40 bytes on the wire.
 *
 * @param index the vring's index
 * @param flags {@link #F_LOG} or 0
 * @param descriptorTable the descriptor table's user address
 * @param usedRing the used ring's user address
 * @param availRing the available ring's user address
 * @param logGuestAddress the guest address for logging used ring writes (with {@link #F_LOG})
 */
record VringAddress(int index, int flags, long descriptorTable, long usedRing, long availRing, long logGuestAddress) {

    /** The size on the wire. */
    static final int BYTES = 40;
    /** {@code 1 << VHOST_VRING_F_LOG}: log writes to the used ring. */
    static final int F_LOG = 1;

    VringAddress {
        if ((flags & ~F_LOG) != 0) {
            throw new IllegalArgumentException("vring " + Integer.toUnsignedString(index) + " address flags 0x"
                    + Integer.toHexString(flags) + " has unknown bits");
        }
    }

    /** Whether the front-end asks for used ring logging (live migration). */
    boolean logsUsedRing() {
        return (flags & F_LOG) != 0;
    }

    @Override
    public String toString() {
        return "VringAddress[" + Integer.toUnsignedString(index) + ", flags " + flags + ", desc 0x"
                + Long.toHexString(descriptorTable) + ", used 0x" + Long.toHexString(usedRing) + ", avail 0x"
                + Long.toHexString(availRing) + ", log 0x" + Long.toHexString(logGuestAddress) + "]";
    }
}
