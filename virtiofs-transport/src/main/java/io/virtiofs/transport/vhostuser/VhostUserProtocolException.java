package io.virtiofs.transport.vhostuser;

/** A front-end broke the vhost-user protocol: which way ({@link ProtocolFault}) and the details. */
final class VhostUserProtocolException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ProtocolFault fault;

    VhostUserProtocolException(ProtocolFault fault, String detail) {
        super(fault + ": " + detail);
        this.fault = fault;
    }

    ProtocolFault fault() {
        return fault;
    }
}
