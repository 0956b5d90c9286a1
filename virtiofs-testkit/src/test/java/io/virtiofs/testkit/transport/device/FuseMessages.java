package io.virtiofs.testkit.transport.device;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.testkit.wire.Requests;

/** FUSE requests as a driver sends them, built with the protocol's records, in either byte order. */
public final class FuseMessages {

    private FuseMessages() {
    }

    /** A request: header (length filled in) and body. */
    public static ByteBuf request(WireOrder order, Opcode opcode, long unique, long nodeid, ByteBuf body) {
        ByteBuf out = Unpooled.buffer();
        Requests.encode(new InHeader(InHeader.SIZE + body.readableBytes(), opcode.code(), unique, nodeid, 1000, 1000,
                42, 0), out, order);
        out.writeBytes(body);
        return out;
    }

    public static ByteBuf init(WireOrder order, long unique) {
        ByteBuf body = Unpooled.buffer();
        Requests.encode(new InitIn(7, 45, 131072, 0), body, WireFormat.current(order));
        return request(order, Opcode.INIT, unique, 0, body);
    }

    public static ByteBuf getattr(WireOrder order, long unique, long nodeid) {
        ByteBuf body = Unpooled.buffer();
        Requests.encode(new GetattrIn(0, 0), body, WireFormat.current(order));
        return request(order, Opcode.GETATTR, unique, nodeid, body);
    }

    /** FUSE_INTERRUPT ({@code struct fuse_interrupt_in}: the unique to interrupt). */
    public static ByteBuf interrupt(WireOrder order, long unique, long target) {
        ByteBuf body = Unpooled.buffer();
        order.writeLong(body, target);
        return request(order, Opcode.INTERRUPT, unique, 0, body);
    }

    /** FUSE_FORGET ({@code struct fuse_forget_in}: nlookup). */
    public static ByteBuf forget(WireOrder order, long unique, long nodeid, long nlookup) {
        ByteBuf body = Unpooled.buffer();
        order.writeLong(body, nlookup);
        return request(order, Opcode.FORGET, unique, nodeid, body);
    }
}
