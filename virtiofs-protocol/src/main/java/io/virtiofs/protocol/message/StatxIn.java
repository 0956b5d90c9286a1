package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_STATX's request ({@code struct fuse_statx_in}, 7.39).
 *
 * @param getattrFlags {@link GetattrIn#GETATTR_FH} when {@code fh} is valid
 * @param fh the open file's handle
 * @param sxFlags the caller's {@code AT_STATX_*} flags
 * @param sxMask the {@code STATX_*} fields wanted
 */
public record StatxIn(int getattrFlags, long fh, int sxFlags, int sxMask) implements FuseRequest {

    /** {@code sizeof(struct fuse_statx_in)}. */
    public static final int SIZE = 24;

    public static StatxIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_statx_in");
        WireOrder order = format.order();
        int getattrFlags = order.readInt(body);
        body.skipBytes(4); // reserved
        long fh = order.readLong(body);
        int sxFlags = order.readInt(body);
        int sxMask = order.readInt(body);
        return new StatxIn(getattrFlags, fh, sxFlags, sxMask);
    }

}
