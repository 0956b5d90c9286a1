package io.virtiofs.transport.device;

/**
 * Virtio feature bits the virtio-fs device knows (VIRTIO 1.2 §6 "Reserved Feature Bits"; the
 * file system device defines none of its own, §5.11.3).
 *
 * <p>The device offers {@link #offered()}: {@link #VERSION_1} (a modern device: little-endian
 * rings, no legacy layout), {@link #RING_INDIRECT_DESC} (the Linux driver puts large requests in
 * indirect tables) and {@link #RING_EVENT_IDX} (fewer kicks and interrupts under load). The
 * others are named so that logs can say what a driver asked for, and are not offered:
 * {@link #IN_ORDER} because requests complete in any order; {@link #RING_PACKED} because only
 * split rings are implemented; {@link #ACCESS_PLATFORM} because no IOMMU translates addresses;
 * {@link #NOTIFICATION_DATA} and {@link #RING_RESET} because nothing here would use them.
 */
public enum VirtioFeature {
    /** VIRTIO_F_NOTIFY_ON_EMPTY (legacy only). */
    NOTIFY_ON_EMPTY(24),
    /** VIRTIO_RING_F_INDIRECT_DESC. */
    RING_INDIRECT_DESC(28),
    /** VIRTIO_RING_F_EVENT_IDX. */
    RING_EVENT_IDX(29),
    /** VIRTIO_F_VERSION_1. */
    VERSION_1(32),
    /** VIRTIO_F_ACCESS_PLATFORM. */
    ACCESS_PLATFORM(33),
    /** VIRTIO_F_RING_PACKED. */
    RING_PACKED(34),
    /** VIRTIO_F_IN_ORDER. */
    IN_ORDER(35),
    /** VIRTIO_F_NOTIFICATION_DATA. */
    NOTIFICATION_DATA(38),
    /** VIRTIO_F_RING_RESET. */
    RING_RESET(40);

    private final int bit;

    VirtioFeature(int bit) {
        this.bit = bit;
    }

    /** The bit number. */
    public int bit() {
        return bit;
    }

    /** The bit as a mask. */
    public long mask() {
        return 1L << bit;
    }

    /** Whether the feature is set in {@code bits}. */
    public boolean isSetIn(long bits) {
        return (bits & mask()) != 0;
    }

    /** The features the virtio-fs device offers. */
    public static long offered() {
        return VERSION_1.mask() | RING_INDIRECT_DESC.mask() | RING_EVENT_IDX.mask();
    }

    /** Names of the bits in {@code bits}, known ones by name, others as "bit N". */
    public static String describe(long bits) {
        StringBuilder text = new StringBuilder();
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) == 0) {
                continue;
            }
            if (!text.isEmpty()) {
                text.append('|');
            }
            String name = "bit " + bit;
            for (VirtioFeature feature : values()) {
                if (feature.bit == bit) {
                    name = feature.name();
                }
            }
            text.append(name);
        }
        return text.isEmpty() ? "none" : text.toString();
    }
}
