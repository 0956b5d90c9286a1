package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_BMAP's request ({@code struct fuse_bmap_in}).
 *
 * @param block the file block
 * @param blocksize the block size
 */
public record BmapIn(long block, int blocksize) implements FuseRequest {

    /** {@code sizeof(struct fuse_bmap_in)}. */
    public static final int SIZE = 16;

    public static BmapIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_bmap_in");
        WireOrder order = format.order();
        long block = order.readLong(body);
        int blocksize = order.readInt(body);
        body.skipBytes(4); // padding
        return new BmapIn(block, blocksize);
    }

}
