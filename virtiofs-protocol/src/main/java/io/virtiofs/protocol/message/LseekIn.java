package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_LSEEK's request ({@code struct fuse_lseek_in}).
 *
 * @param fh the open file's handle
 * @param offset where to start looking
 * @param whence {@code SEEK_DATA} (3) or {@code SEEK_HOLE} (4), in practice
 */
public record LseekIn(long fh, long offset, int whence) implements FuseRequest {

    /** {@code sizeof(struct fuse_lseek_in)}. */
    public static final int SIZE = 24;

    public static LseekIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_lseek_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        long offset = order.readLong(body);
        int whence = order.readInt(body);
        body.skipBytes(4); // padding
        return new LseekIn(fh, offset, whence);
    }

}
