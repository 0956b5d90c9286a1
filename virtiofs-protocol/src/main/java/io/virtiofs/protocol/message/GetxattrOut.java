package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * The reply to FUSE_GETXATTR and FUSE_LISTXATTR when the driver asked for the size only
 * ({@code struct fuse_getxattr_out}, {@value #SIZE} bytes).
 *
 * @param size the value's or the list's size in bytes (unsigned)
 */
public record GetxattrOut(int size) implements FuseReply {

    /** {@code sizeof(struct fuse_getxattr_out)}. */
    public static final int SIZE = 8;

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        WireOrder order = format.order();
        order.writeInt(out, size);
        order.writeInt(out, 0);
    }

}
