package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireOrder;

/**
 * One node of a FUSE_BATCH_FORGET ({@code struct fuse_forget_one}).
 *
 * @param nodeid the node
 * @param nlookup how many lookups to give back (unsigned)
 */
public record ForgetOne(long nodeid, long nlookup) {

    /** {@code sizeof(struct fuse_forget_one)}. */
    public static final int SIZE = 16;

    static ForgetOne decode(ByteBuf in, WireOrder order) {
        long nodeid = order.readLong(in);
        long nlookup = order.readLong(in);
        return new ForgetOne(nodeid, nlookup);
    }

}
