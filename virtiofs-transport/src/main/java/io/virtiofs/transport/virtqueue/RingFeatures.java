package io.virtiofs.transport.virtqueue;

/**
 * The negotiated features that change how a split ring is read (VIRTIO 1.2 §6).
 *
 * @param indirectDescriptors VIRTIO_RING_F_INDIRECT_DESC (bit 28): descriptors may point to
 *     tables of descriptors
 * @param eventIdx VIRTIO_RING_F_EVENT_IDX (bit 29): notifications are suppressed by
 *     {@code used_event} / {@code avail_event} instead of the ring flags
 */
public record RingFeatures(boolean indirectDescriptors, boolean eventIdx) {

    /** Bit number of VIRTIO_RING_F_INDIRECT_DESC. */
    public static final int INDIRECT_DESC_BIT = 28;
    /** Bit number of VIRTIO_RING_F_EVENT_IDX. */
    public static final int EVENT_IDX_BIT = 29;

    /** The ring features present in a negotiated feature word. */
    public static RingFeatures of(long featureBits) {
        return new RingFeatures((featureBits & (1L << INDIRECT_DESC_BIT)) != 0, (featureBits & (1L << EVENT_IDX_BIT)) != 0);
    }
}
