package io.virtiofs.transport.vhostuser;

/**
 * One message from the front-end: its header, its decoded payload and the descriptors that came
 * with it. Closing it closes every descriptor nobody took.
 */
record FrontEndRequest(MessageHeader header, FrontEndMessage message, ReceivedFds fds) implements AutoCloseable {

    /** Whether the front-end set need_reply. */
    boolean needsReply() {
        return header.needsReply();
    }

    @Override
    public void close() {
        fds.close();
    }
}
