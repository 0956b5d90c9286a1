package io.virtiofs.protocol.message;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.WireFormat;

/**
 * FUSE_REMOVEXATTR's request: the name and NUL, ending the body.
 *
 * @param name the attribute's name; 1..255 UTF-8 bytes ({@code ERANGE} otherwise)
 */
public record RemovexattrIn(String name) implements FuseRequest {

    public RemovexattrIn {
        NulTerminated.checkXattrName(name, "xattr name");
    }

    public static RemovexattrIn decode(ByteBuf body, WireFormat format) {
        return new RemovexattrIn(NulTerminated.readLastXattrName(body, "xattr name"));
    }

}
