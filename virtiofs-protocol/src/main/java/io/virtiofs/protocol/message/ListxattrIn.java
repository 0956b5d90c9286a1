package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_LISTXATTR's request ({@code struct fuse_getxattr_in}, no name).
 *
 * @param size the caller's buffer size (unsigned); 0 asks for the list's size only
 */
public record ListxattrIn(int size) implements FuseRequest {

    /** {@code sizeof(struct fuse_getxattr_in)}. */
    public static final int SIZE = 8;

    public static ListxattrIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_getxattr_in");
        int size = format.order().readInt(body);
        body.skipBytes(4); // padding
        return new ListxattrIn(size);
    }

}
