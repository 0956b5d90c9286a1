package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_GETATTR's request ({@code struct fuse_getattr_in}, from 7.9; empty before).
 *
 * @param getattrFlags {@link #GETATTR_FH} when {@code fh} is valid
 * @param fh the open file's handle
 */
public record GetattrIn(int getattrFlags, long fh) implements FuseRequest {

    /** {@code sizeof(struct fuse_getattr_in)}. */
    public static final int SIZE = 16;

    /** FUSE_GETATTR_FH. */
    public static final int GETATTR_FH = 1;

    /** Whether the request names an open file. */
    public boolean hasFh() {
        return (getattrFlags & GETATTR_FH) != 0;
    }

    public static GetattrIn decode(ByteBuf body, WireFormat format) {
        if (!format.atLeast(9)) {
            return new GetattrIn(0, 0);
        }
        MalformedRequestException.requireReadable(body, SIZE, "fuse_getattr_in");
        WireOrder order = format.order();
        int flags = order.readInt(body);
        body.skipBytes(4); // dummy
        long fh = order.readLong(body);
        return new GetattrIn(flags, fh);
    }

}
