package io.virtiofs.transport.vhostuser;

/**
 * What was wrong with a front-end's message. A fault that {@linkplain #breaksFraming() breaks the
 * framing} ends the connection (the next message cannot be found); the others get an error reply
 * when the front-end asked for one, and end the connection when it did not (vhost-user.rst: "If
 * back-end detects some error ... it may also close the connection").
 */
enum ProtocolFault {
    /** The connection ended inside a message. */
    TRUNCATED(true),
    /** A header with a version other than 1, a reply flag, an unknown flag or a payload above the limit. */
    BAD_HEADER(true),
    /** A message arrived with more descriptors than any message carries. */
    TOO_MANY_FDS(true),
    /** The payload size disagrees with what the request carries. */
    PAYLOAD_SIZE(false),
    /** The number of descriptors disagrees with what the request carries. */
    FD_COUNT(false),
    /** A payload field outside its range (flag bits, a region count, a config size, an enable value). */
    INVALID_FIELD(false),
    /** A request this back-end does not implement or did not offer. */
    UNSUPPORTED(false),
    /** A request that needs state the front-end did not set up yet (a vring address before a memory table). */
    OUT_OF_ORDER(false),
    /** A queue index beyond the device's queues. */
    QUEUE_INDEX(false),
    /** Guest memory that cannot be mapped, or an address that no region covers. */
    MEMORY(false);

    private final boolean breaksFraming;

    ProtocolFault(boolean breaksFraming) {
        this.breaksFraming = breaksFraming;
    }

    /** Whether the stream can no longer be read message by message. */
    boolean breaksFraming() {
        return breaksFraming;
    }
}
