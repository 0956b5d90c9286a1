package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_FSYNC's and FUSE_FSYNCDIR's request ({@code struct fuse_fsync_in}).
 *
 * @param fh the open file's handle
 * @param fsyncFlags {@link #FDATASYNC}
 */
public record FsyncIn(long fh, int fsyncFlags) implements FuseRequest {

    /** {@code sizeof(struct fuse_fsync_in)}. */
    public static final int SIZE = 16;

    /** FUSE_FSYNC_FDATASYNC: sync data only, not metadata. */
    public static final int FDATASYNC = 1;

    /** Whether only the data needs to be durable. */
    public boolean datasync() {
        return (fsyncFlags & FDATASYNC) != 0;
    }

    public static FsyncIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_fsync_in");
        WireOrder order = format.order();
        long fh = order.readLong(body);
        int fsyncFlags = order.readInt(body);
        body.skipBytes(4); // padding
        return new FsyncIn(fh, fsyncFlags);
    }

}
