package io.virtiofs.transport.vhostuser;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * The header of every vhost-user message (vhost-user.rst, "Header"): request type, flags and
 * payload size, three 32-bit numbers in the machine's byte order.
 *
 * @param request the request type (for a reply, that of the request answered)
 * @param flags version in bits 0-1, {@link #REPLY} and {@link #NEED_REPLY}
 * @param size the payload's size in bytes, at most {@link #MAX_PAYLOAD}
 */
record MessageHeader(int request, int flags, int size) {

    /** The header's size on the wire. */
    static final int BYTES = 12;
    /** The protocol version, in the flags' two low bits. */
    static final int VERSION = 0x1;
    /** Bit 2: the message is a reply. */
    static final int REPLY = 0x4;
    /** Bit 3: the front-end asks for a {@code u64} status reply (REPLY_ACK). */
    static final int NEED_REPLY = 0x8;
    /** The largest payload accepted: the biggest defined one (GET_CONFIG, 12 + 256 bytes) with room to spare. */
    static final int MAX_PAYLOAD = 4096;

    private static final int VERSION_MASK = 0x3;
    private static final int KNOWN_FLAGS = VERSION_MASK | REPLY | NEED_REPLY;

    MessageHeader {
        if (size < 0 || size > MAX_PAYLOAD) {
            throw new IllegalArgumentException("vhost-user payload size " + Integer.toUnsignedString(size)
                    + " is outside 0.." + MAX_PAYLOAD);
        }
    }

    /** Whether the front-end set need_reply. */
    boolean needsReply() {
        return (flags & NEED_REPLY) != 0;
    }

    /** Whether this is a reply. */
    boolean isReply() {
        return (flags & REPLY) != 0;
    }

    /** The header of a front-end request. */
    static MessageHeader request(int request, boolean needReply, int size) {
        return new MessageHeader(request, VERSION | (needReply ? NEED_REPLY : 0), size);
    }

    /** The header of the back-end's reply to {@code request}. */
    static MessageHeader reply(int request, int size) {
        return new MessageHeader(request, VERSION | REPLY, size);
    }

    /**
     * Reads a header the front-end sent: version 1, not a reply, no unknown flag, a payload of at
     * most {@link #MAX_PAYLOAD}.
     *
     * @throws VhostUserProtocolException {@link ProtocolFault#BAD_HEADER} otherwise
     */
    static MessageHeader readRequest(MemorySegment bytes) throws VhostUserProtocolException {
        return read(bytes, false);
    }

    /**
     * Reads a header the back-end sent: version 1 and the reply flag.
     *
     * @throws VhostUserProtocolException {@link ProtocolFault#BAD_HEADER} otherwise
     */
    static MessageHeader readReply(MemorySegment bytes) throws VhostUserProtocolException {
        return read(bytes, true);
    }

    private static MessageHeader read(MemorySegment bytes, boolean reply) throws VhostUserProtocolException {
        if (bytes.byteSize() < BYTES) {
            throw new VhostUserProtocolException(ProtocolFault.TRUNCATED, "a header needs " + BYTES + " bytes, got "
                    + bytes.byteSize());
        }
        int request = bytes.get(JAVA_INT_UNALIGNED, 0);
        int flags = bytes.get(JAVA_INT_UNALIGNED, 4);
        int size = bytes.get(JAVA_INT_UNALIGNED, 8);
        String name = RequestCode.describe(request);
        if ((flags & VERSION_MASK) != VERSION) {
            throw new VhostUserProtocolException(ProtocolFault.BAD_HEADER, name + ": version "
                    + (flags & VERSION_MASK) + ", expected " + VERSION);
        }
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new VhostUserProtocolException(ProtocolFault.BAD_HEADER, name + ": unknown flags 0x"
                    + Integer.toHexString(flags & ~KNOWN_FLAGS));
        }
        if (((flags & REPLY) != 0) != reply) {
            throw new VhostUserProtocolException(ProtocolFault.BAD_HEADER, name + (reply
                    ? ": a reply without the reply flag" : ": a request with the reply flag"));
        }
        if (size < 0 || size > MAX_PAYLOAD) {
            throw new VhostUserProtocolException(ProtocolFault.BAD_HEADER, name + ": payload size "
                    + Integer.toUnsignedString(size) + " is above " + MAX_PAYLOAD);
        }
        return new MessageHeader(request, flags, size);
    }

    /** Writes the header into the first {@link #BYTES} bytes of {@code out}. */
    void write(MemorySegment out) {
        out.set(JAVA_INT_UNALIGNED, 0, request);
        out.set(JAVA_INT_UNALIGNED, 4, flags);
        out.set(JAVA_INT_UNALIGNED, 8, size);
    }

    @Override
    public String toString() {
        return "MessageHeader[" + RequestCode.describe(request) + ", flags 0x" + Integer.toHexString(flags) + ", size "
                + size + "]";
    }
}
