package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import java.util.Objects;

/**
 * The reply to GETATTR and SETATTR ({@code struct fuse_attr_out}): 104 bytes from 7.9, 96 before
 * (FUSE_COMPAT_ATTR_OUT_SIZE).
 *
 * @param attrValid cache validity, seconds
 * @param attrValidNsec cache validity, nanoseconds
 * @param attr the attributes
 */
public record AttrOut(long attrValid, int attrValidNsec, Attr attr) implements FuseReply {

    /** {@code sizeof(struct fuse_attr_out)}. */
    public static final int SIZE = 104;
    /** FUSE_COMPAT_ATTR_OUT_SIZE. */
    public static final int SIZE_BEFORE_9 = 96;

    public AttrOut {
        Objects.requireNonNull(attr, "attr");
    }

    /** The reply for a file system's answer. */
    public static AttrOut of(AttrReply reply) {
        return new AttrOut(reply.validity().getSeconds(), reply.validity().getNano(), reply.attr());
    }

    /** The size in a session of {@code format}. */
    public static int size(WireFormat format) {
        return format.atLeast(9) ? SIZE : SIZE_BEFORE_9;
    }

    @Override
    public int encodedSize(WireFormat format) {
        return size(format);
    }

    /**
     * Writes a file system's answer about node {@code nodeid} as {@code fuse_attr_out}, allocating
     * nothing (the server's hot path); an inode number of 0 is sent as {@code nodeid}.
     */
    public static void encodeReply(ByteBuf out, WireFormat format, AttrReply reply, long nodeid) {
        WireOrder order = format.order();
        order.writeLong(out, reply.validity().getSeconds());
        order.writeInt(out, reply.validity().getNano());
        order.writeInt(out, 0); // dummy
        FuseAttrCodec.encode(out, format, reply.attr(), nodeid);
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, attrValid);
        order.writeInt(out, attrValidNsec);
        order.writeInt(out, 0); // dummy
        FuseAttrCodec.encode(out, format, attr);
    }

}
