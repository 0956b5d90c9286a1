package io.virtiofs.transport.memory;

/**
 * A guest address range is not backed by guest memory: it starts outside every region, runs past
 * its region's end, or its arithmetic overflows. Guest input is untrusted, so this is an expected
 * failure; the virtqueue layer turns it into a broken queue.
 */
public final class GuestMemoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long address;
    private final long length;

    public GuestMemoryException(long address, long length, String reason) {
        super("guest range 0x" + Long.toHexString(address) + " of " + Long.toUnsignedString(length) + " bytes: "
                + reason, null, false, false);
        this.address = address;
        this.length = length;
    }

    /** The guest-physical (or, for user-address translation, front-end virtual) address asked for. */
    public long address() {
        return address;
    }

    /** The length asked for, in bytes (unsigned). */
    public long length() {
        return length;
    }
}
