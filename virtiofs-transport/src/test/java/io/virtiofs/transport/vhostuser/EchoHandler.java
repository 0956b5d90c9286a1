package io.virtiofs.transport.vhostuser;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Served;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request handler for transport tests: answers each request with a {@code fuse_out_header}
 * (length, error 0, the request's unique) followed by the request's body, and no reply to
 * opcode 2 (FORGET). Counts requests and ended sessions.
 */
final class EchoHandler implements FuseRequestHandler {

    static final int IN_HEADER = 40;
    static final int OUT_HEADER = 16;
    static final int FORGET = 2;

    final AtomicInteger requests = new AtomicInteger();
    final Semaphore sessionsEnded = new Semaphore(0);

    @Override
    public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
        requests.incrementAndGet();
        int start = request.readerIndex();
        int opcode = request.getIntLE(start + 4);
        long unique = request.getLongLE(start + 8);
        if (opcode == FORGET) {
            return Served.noReply();
        }
        int body = request.readableBytes() - IN_HEADER;
        int length = OUT_HEADER + body;
        if (length > reply.maxWritableBytes()) {
            return Served.noRoom();
        }
        reply.writeIntLE(length).writeIntLE(0).writeLongLE(unique);
        reply.writeBytes(request, start + IN_HEADER, body);
        return Served.replied();
    }

    @Override
    public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno) {
        int start = request.readerIndex();
        if (request.getIntLE(start + 4) == FORGET) {
            return Served.noReply();
        }
        if (reply.maxWritableBytes() < OUT_HEADER) {
            return Served.noRoom();
        }
        reply.writeIntLE(OUT_HEADER).writeIntLE(-errno.code()).writeLongLE(request.getLongLE(start + 8));
        return Served.replied();
    }

    @Override
    public void sessionEnded() {
        sessionsEnded.release();
    }
}
