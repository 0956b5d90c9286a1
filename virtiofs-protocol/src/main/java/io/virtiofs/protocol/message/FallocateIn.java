package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_FALLOCATE's request ({@code struct fuse_fallocate_in}).
 *
 * @param fh the open file's handle
 * @param offset the range's start
 * @param length the range's length
 * @param mode the {@code fallocate(2)} mode bits
 */
public record FallocateIn(long fh, long offset, long length, int mode) implements FuseRequest {

    /** {@code sizeof(struct fuse_fallocate_in)}. */
    public static final int SIZE = 32;

    public static FallocateIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_fallocate_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        long offset = order.readLong(body);
        long length = order.readLong(body);
        int mode = order.readInt(body);
        body.skipBytes(4); // padding
        return new FallocateIn(fh, offset, length, mode);
    }

}
