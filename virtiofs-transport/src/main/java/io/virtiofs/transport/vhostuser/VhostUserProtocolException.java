package io.virtiofs.transport.vhostuser;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A front-end broke the vhost-user protocol: which way ({@link ProtocolFault}), the details, and
 * the header of the offending message when it was read (so the fault can be answered).
 */
final class VhostUserProtocolException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ProtocolFault fault;
    private final transient @Nullable MessageHeader header;

    VhostUserProtocolException(ProtocolFault fault, String detail) {
        this(fault, fault + ": " + detail, null);
    }

    private VhostUserProtocolException(ProtocolFault fault, String message, @Nullable MessageHeader header) {
        super(message);
        this.fault = fault;
        this.header = header;
    }

    ProtocolFault fault() {
        return fault;
    }

    /** The offending message's header, if it was read. */
    Optional<MessageHeader> header() {
        return Optional.ofNullable(header);
    }

    /** The same fault, about the message with {@code header}. */
    VhostUserProtocolException about(MessageHeader header) {
        VhostUserProtocolException about = new VhostUserProtocolException(fault, getMessage(), header);
        about.setStackTrace(getStackTrace());
        return about;
    }
}
