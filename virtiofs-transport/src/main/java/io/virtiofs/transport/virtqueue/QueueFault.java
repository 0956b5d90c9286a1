package io.virtiofs.transport.virtqueue;

/**
 * Why a driver broke a virtqueue: each a violation of VIRTIO 1.2 §2.7 that the device detects
 * instead of trusting, or a failure of what the front-end gave the device (its memory, its kick).
 * A faulted queue stops; the device then sets DEVICE_NEEDS_RESET.
 */
public enum QueueFault {
    /** The available index moved by more than the queue size (§2.7.13.3: at most Queue Size chains in flight). */
    AVAIL_INDEX_JUMP("the available index moved by more than the queue size"),
    /** A head or {@code next} index beyond the descriptor table (or indirect table). */
    DESCRIPTOR_INDEX_OUT_OF_RANGE("a descriptor index is outside its table"),
    /** A chain visits more descriptors than its table has: a loop (§2.7.5.2). */
    CHAIN_LOOP("a descriptor chain is longer than its table (a loop)"),
    /** An indirect descriptor inside an indirect table (§2.7.5.3.1). */
    NESTED_INDIRECT("an indirect table contains an indirect descriptor"),
    /** A descriptor with both INDIRECT and NEXT (§2.7.5.3.1). */
    INDIRECT_WITH_NEXT("a descriptor has both INDIRECT and NEXT"),
    /** An indirect table whose length is zero, not a multiple of 16, or above 65536 entries. */
    INDIRECT_TABLE_LENGTH("an indirect table's length is 0, not a multiple of 16, or too long"),
    /** INDIRECT used although VIRTIO_RING_F_INDIRECT_DESC was not negotiated. */
    INDIRECT_NOT_NEGOTIATED("an indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC"),
    /** A device-readable descriptor after a device-writable one (§2.7.4.2). */
    READABLE_AFTER_WRITABLE("a device-readable descriptor follows a device-writable one"),
    /** A buffer or indirect table outside guest memory. */
    ADDRESS_OUT_OF_MEMORY("a buffer lies outside guest memory"),
    /** The descriptor table, available or used ring outside guest memory. */
    RING_OUT_OF_MEMORY("a ring structure lies outside guest memory"),
    /** One direction of a chain holds more than 2^31 - 1 bytes (§2.7.5.2 allows at most 2^32 in all). */
    CHAIN_TOO_LARGE("a chain's readable or writable part exceeds 2^31 - 1 bytes"),
    /** The available ring offers a head the device still holds. */
    HEAD_IN_USE("the available ring offers a chain the device has not returned"),
    /**
     * The chain's writable part cannot hold even a {@code fuse_out_header}, so the request cannot
     * be answered at all (a larger reply that does not fit is answered with an error instead).
     */
    REPLY_TOO_LARGE("the writable part cannot hold even fuse_out_header"),
    /**
     * Guest memory could not be read or written: the front-end cut its memory file short (or the
     * host could not page it in), and the JVM turned the SIGBUS into an {@link InternalError}.
     */
    MEMORY_FAULT("guest memory could not be accessed (the front-end's memory file shrank?)"),
    /** Waiting for the driver's kicks failed: its kick descriptor stopped working. */
    KICK_FAILED("waiting for a kick failed");

    private final String description;

    QueueFault(String description) {
        this.description = description;
    }

    /** What the driver did wrong, for logs. */
    public String description() {
        return description;
    }
}
