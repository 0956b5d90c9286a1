package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireOrder;

/**
 * One range of a FUSE_REMOVEMAPPING ({@code struct fuse_removemapping_one}).
 *
 * @param moffset the offset in the DAX window
 * @param len the range's length
 */
public record RemovemappingOne(long moffset, long len) {

    /** {@code sizeof(struct fuse_removemapping_one)}. */
    public static final int SIZE = 16;

    static RemovemappingOne decode(ByteBuf in, WireOrder order) {
        long moffset = order.readLong(in);
        long len = order.readLong(in);
        return new RemovemappingOne(moffset, len);
    }

}
