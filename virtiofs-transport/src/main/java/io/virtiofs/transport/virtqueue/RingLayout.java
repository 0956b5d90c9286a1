package io.virtiofs.transport.virtqueue;

/**
 * Where one split virtqueue lives in guest memory and how big it is (VIRTIO 1.2 §2.7: the
 * driver sets Queue Size, Queue Desc, Queue Driver (available ring) and Queue Device (used ring)).
 *
 * @param size the number of descriptors, a power of two from 1 to {@value #MAX_SIZE}
 * @param descriptorTable guest-physical address of the descriptor table, 16-byte aligned
 * @param availRing guest-physical address of the available ring, 2-byte aligned
 * @param usedRing guest-physical address of the used ring, 4-byte aligned
 */
public record RingLayout(int size, long descriptorTable, long availRing, long usedRing) {

    /** The largest split queue (VIRTIO 1.2 §2.7: "Queue Size ... maximum is 32768"). */
    public static final int MAX_SIZE = 32768;

    public RingLayout {
        if (size < 1 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("queue size " + size + " is not a power of two in 1.." + MAX_SIZE);
        }
        requireAligned("descriptor table", descriptorTable, 16);
        requireAligned("available ring", availRing, 2);
        requireAligned("used ring", usedRing, 4);
    }

    private static void requireAligned(String what, long address, int alignment) {
        if (address < 0 || (address & (alignment - 1)) != 0) {
            throw new IllegalArgumentException(what + " address 0x" + Long.toHexString(address)
                    + " is not a " + alignment + "-byte aligned guest address");
        }
    }

    /**
     * The layout of {@code vring_init}: descriptor table at {@code base}, the available ring
     * right after it, the used ring at the next {@code usedAlignment} boundary.
     */
    public static RingLayout contiguous(int size, long base, long usedAlignment) {
        if (Long.bitCount(usedAlignment) != 1 || usedAlignment < 4) {
            throw new IllegalArgumentException("used ring alignment " + usedAlignment + " is not a power of two >= 4");
        }
        long avail = base + SplitRing.descriptorTableBytes(size);
        long used = (avail + SplitRing.availRingBytes(size) + usedAlignment - 1) & -usedAlignment;
        return new RingLayout(size, base, avail, used);
    }

    /** The first guest address after the three structures of a {@link #contiguous} layout. */
    public long end() {
        return Math.max(Math.max(descriptorTable + SplitRing.descriptorTableBytes(size),
                availRing + SplitRing.availRingBytes(size)), usedRing + SplitRing.usedRingBytes(size));
    }
}
