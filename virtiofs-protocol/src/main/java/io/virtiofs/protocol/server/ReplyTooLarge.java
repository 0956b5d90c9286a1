package io.virtiofs.protocol.server;

/**
 * Unwinds a request whose reply cannot fit into the space the transport gave. A singleton
 * without a stack trace: it is control flow, not a diagnosis.
 */
final class ReplyTooLarge extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static final ReplyTooLarge INSTANCE = new ReplyTooLarge();

    private ReplyTooLarge() {
        super("the reply does not fit into the driver's writable space", null, false, false);
    }
}
