package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_ACCESS's request ({@code struct fuse_access_in}).
 *
 * @param mask {@code R_OK | W_OK | X_OK}, or {@code F_OK} (0)
 */
public record AccessIn(int mask) implements FuseRequest {

    /** {@code sizeof(struct fuse_access_in)}. */
    public static final int SIZE = 8;

    public static AccessIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_access_in");
        int mask = format.order().readInt(body);
        body.skipBytes(4); // padding
        return new AccessIn(mask);
    }

}
