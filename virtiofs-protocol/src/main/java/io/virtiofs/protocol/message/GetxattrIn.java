package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.XattrName;
import io.virtiofs.protocol.MalformedRequestException;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_GETXATTR's request ({@code struct fuse_getxattr_in}, then the name and NUL).
 *
 * @param size the caller's buffer size (unsigned); 0 asks for the value's size only
 * @param name the attribute's name; 1..255 bytes ({@code ERANGE} otherwise)
 */
public record GetxattrIn(int size, XattrName name) implements FuseRequest {

    /** {@code sizeof(struct fuse_getxattr_in)}. */
    public static final int SIZE = 8;

    public GetxattrIn {
        java.util.Objects.requireNonNull(name, "name");
    }

    /** A request naming the attribute by UTF-8 text (for drivers and tests). */
    public GetxattrIn(int size, String name) {
        this(size, XattrName.of(name));
    }

    public static GetxattrIn decode(ByteBuf body, WireFormat format) {
        MalformedRequestException.requireReadable(body, SIZE, "fuse_getxattr_in");
        int size = format.order().readInt(body);
        body.skipBytes(4); // padding
        return new GetxattrIn(size, NulTerminated.readLastXattrName(body, "xattr name"));
    }

}
