package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.OpenReply;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * The reply to FUSE_OPEN and FUSE_OPENDIR ({@code struct fuse_open_out}, {@value #SIZE} bytes).
 *
 * @param fh the file handle the driver passes back
 * @param openFlags {@code FOPEN_*} bits
 * @param backingId the passthrough backing file (7.40, with {@code FOPEN_PASSTHROUGH}), else 0
 */
public record OpenOut(long fh, int openFlags, int backingId) implements FuseReply {

    /** {@code sizeof(struct fuse_open_out)}. */
    public static final int SIZE = 16;

    /** The reply for a file system's answer. */
    public static OpenOut of(OpenReply reply) {
        return new OpenOut(reply.fh(), reply.flags(), 0);
    }

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeLong(out, fh);
        order.writeInt(out, openFlags);
        order.writeInt(out, backingId);
    }

    public static OpenOut decode(ByteBuf in, WireFormat format) {
        WireOrder order = format.order();
        long fh = order.readLong(in);
        int openFlags = order.readInt(in);
        int backingId = order.readInt(in);
        return new OpenOut(fh, openFlags, backingId);
    }
}
