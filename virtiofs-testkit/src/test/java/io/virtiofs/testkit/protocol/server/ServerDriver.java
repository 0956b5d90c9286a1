package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.FileSystem;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.wire.Requests;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** The driver side of a server in a test: encodes requests in one byte order, returns replies. */
final class ServerDriver {

    /** What a current Linux driver offers in INIT. */
    static final Set<InitFlag> LINUX_OFFER = EnumSet.complementOf(EnumSet.of(InitFlag.FILE_OPS,
            InitFlag.INIT_RESERVED, InitFlag.OVER_IO_URING));

    final FuseServer server;
    final WireOrder order;
    private final AtomicLong uniques = new AtomicLong(100);
    private WireFormat format;

    ServerDriver(FileSystem fs, WireOrder order) {
        this(new FuseServer(fs, FuseServerConfig.defaults()), order);
    }

    ServerDriver(FuseServer server, WireOrder order) {
        this.server = server;
        this.order = order;
        this.format = WireFormat.current(order);
    }

    long nextUnique() {
        return uniques.addAndGet(2);
    }

    WireFormat format() {
        return format;
    }

    /** INIT at 7.45 offering what Linux offers; returns the reply. */
    Reply init() {
        return init(45, InitFlags.flags(LINUX_OFFER));
    }

    Reply init(int minor, long flags) {
        Reply reply = send(FuseMessage.of(Opcode.INIT, nextUnique(), 0, new InitIn(7, minor, 1 << 20, flags)));
        format = new WireFormat(order, Math.min(minor, 45), server.negotiation()
                .map(n -> n.accepts(InitFlag.SETXATTR_EXT)).orElse(false));
        return reply;
    }

    Reply send(FuseMessage message) {
        return send(message, 1 << 21);
    }

    /** Sends a request with {@code replySpace} bytes of room for the reply. */
    Reply send(FuseMessage message, int replySpace) {
        ByteBuf request = Requests.encode(message, format);
        try {
            return sendRaw(request, replySpace);
        } finally {
            request.release();
        }
    }

    Reply sendRaw(ByteBuf request, int replySpace) {
        ByteBuf reply = Unpooled.buffer(Math.min(replySpace, 4096), replySpace);
        try {
            Served served = server.handle(request, reply, Completion.SYNCHRONOUS);
            return new Reply(served, ByteBufUtil.getBytes(reply), order);
        } finally {
            reply.release();
        }
    }

    /** A reply as bytes. */
    record Reply(Served served, byte[] bytes, WireOrder order) {

        Served.Kind outcome() {
            return served.kind();
        }

        OutHeader header() {
            assertEquals(Served.Kind.REPLIED, outcome(), "the request was not answered");
            return OutHeader.decode(Unpooled.wrappedBuffer(bytes), order);
        }

        int error() {
            return header().error();
        }

        /** The body after the header (checks the header's length first). */
        ByteBuf body() {
            OutHeader header = header();
            assertEquals(bytes.length, header.len(), "reply length field");
            return Unpooled.wrappedBuffer(bytes, OutHeader.SIZE, bytes.length - OutHeader.SIZE);
        }

        void assertError(io.virtiofs.api.Errno errno) {
            assertEquals(-errno.code(), error(), () -> "expected " + errno + ", reply " + ByteBufUtil.hexDump(bytes));
            assertEquals(OutHeader.SIZE, bytes.length, "an error reply is a bare header");
        }

        void assertOk() {
            assertEquals(0, error(), () -> "expected success, reply " + ByteBufUtil.hexDump(bytes));
        }
    }
}
