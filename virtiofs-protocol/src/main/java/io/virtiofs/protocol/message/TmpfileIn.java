package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;

/**
 * FUSE_TMPFILE's request ({@code struct fuse_create_in}). The driver appends the dentry's name
 * ({@code "/"} and NUL); it means nothing and is skipped unchecked.
 *
 * @param flags the {@code open(2)} flags
 * @param mode type and permission bits
 * @param umask the caller's umask
 * @param openFlags {@link OpenIn#KILL_SUIDGID}
 */
public record TmpfileIn(int flags, int mode, int umask, int openFlags) implements FuseRequest {

    /** {@code sizeof(struct fuse_create_in)}. */
    public static final int SIZE = 16;

    public static TmpfileIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_create_in");
        WireOrder order = format.order();
        int flags = order.readInt(body);
        int mode = order.readInt(body);
        int umask = order.readInt(body);
        int openFlags = order.readInt(body);
        body.skipBytes(body.readableBytes());
        return new TmpfileIn(flags, mode, umask, openFlags);
    }

}
