package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * The reply to FUSE_WRITE and FUSE_COPY_FILE_RANGE ({@code struct fuse_write_out}, {@value #SIZE} bytes).
 *
 * @param size the number of bytes written (unsigned)
 */
public record WriteOut(int size) implements FuseReply {

    /** {@code sizeof(struct fuse_write_out)}. */
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
