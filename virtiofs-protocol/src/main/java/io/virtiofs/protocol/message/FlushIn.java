package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_FLUSH's request ({@code struct fuse_flush_in}).
 *
 * @param fh the open file's handle
 * @param lockOwner the owner whose POSIX locks the close drops
 */
public record FlushIn(long fh, long lockOwner) implements FuseRequest {

    /** {@code sizeof(struct fuse_flush_in)}. */
    public static final int SIZE = 24;

    public static FlushIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_flush_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        body.skipBytes(8); // unused, padding
        long lockOwner = order.readLong(body);
        return new FlushIn(fh, lockOwner);
    }

}
