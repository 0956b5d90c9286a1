package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;

/**
 * The reply to FUSE_BMAP ({@code struct fuse_bmap_out}, {@value #SIZE} bytes).
 *
 * @param block the device block
 */
public record BmapOut(long block) implements FuseReply {

    /** {@code sizeof(struct fuse_bmap_out)}. */
    public static final int SIZE = 8;

    @Override
    public int encodedSize(WireFormat format) {
        return SIZE;
    }

    @Override
    public void encode(ByteBuf out, WireFormat format) {
        format.order().writeLong(out, block);
    }

}
