package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;

/**
 * The reply to FUSE_LSEEK ({@code struct fuse_lseek_out}, {@value #SIZE} bytes).
 *
 * @param offset the offset found
 */
public record LseekOut(long offset) implements FuseReply {

    /** {@code sizeof(struct fuse_lseek_out)}. */
    public static final int SIZE = 8;

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        format.order().writeLong(out, offset);
    }

}
