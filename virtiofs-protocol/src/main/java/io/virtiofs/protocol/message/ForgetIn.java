package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_FORGET's request ({@code struct fuse_forget_in}): the driver drops lookups of
 * {@code fuse_in_header.nodeid}. It takes no reply.
 *
 * @param nlookup how many lookups to give back (unsigned)
 */
public record ForgetIn(long nlookup) implements FuseRequest {

    /** {@code sizeof(struct fuse_forget_in)}. */
    public static final int SIZE = 8;

    public static ForgetIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_forget_in");
        return new ForgetIn(format.order().readLong(body));
    }

}
